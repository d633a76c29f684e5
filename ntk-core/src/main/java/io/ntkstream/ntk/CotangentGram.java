package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;

/**
 * The one contraction every method shares: Σ over the rows of two cotangent-like matrices
 * (cotangents δ for STRUCTURED, Jacobian columns for JACOBIAN), reduced to the mode's layout.
 *
 * <p>{@code d1} is R x (b1·g) with column s·g + k for sample s and cotangent k (g =
 * {@link NtkMode#cotangentsPerSample}); column-major storage makes it also the (R·g) x b1 matrix
 * whose column s stacks all of sample s's cotangents, so TRACE is one GEMM.
 * The result is multiplied by {@code weights(i, j)} (null = 1) and added to {@code target}.
 */
final class CotangentGram {
    private CotangentGram() {}

    /** Values read from native memory per bulk copy. */
    private static final int CHUNK_VALUES = 1 << 16;

    static void accumulate(Matrix d1, Matrix d2, NtkMode mode, int outputs, Matrix weights, KernelBlock target) {
        int g = mode.cotangentsPerSample(outputs);
        int b1 = d1.cols() / g;
        int b2 = d2.cols() / g;
        double[] w = new double[b1];
        double[] t = target.values();
        switch (mode) {
            case TRACE, PSEUDO -> {
                // Σ_k ⟨d1[:, i·g+k], d2[:, j·g+k]⟩ = (reshaped d1)ᵀ(reshaped d2)
                try (Matrix gram = Matrix.multiply(d1.reshape(d1.rows() * g, b1), true,
                        d2.reshape(d2.rows() * g, b2), false, 1.0)) {
                    // read in chunks of whole columns (bulk copies, bounded memory): a 1 x n kernel row
                    // is then one read instead of n
                    int chunk = Math.max(1, Math.min(b2, CHUNK_VALUES / Math.max(1, b1)));
                    double[] gv = new double[chunk * b1];
                    double[] wv = weights == null ? null : new double[chunk * b1];
                    for (int j0 = 0; j0 < b2; j0 += chunk) {
                        int j1 = Math.min(b2, j0 + chunk);
                        gram.readColumns(j0, j1, gv);
                        if (wv != null) {
                            weights.readColumns(j0, j1, wv);
                        }
                        for (int j = j0; j < j1; j++) {
                            int at = (j - j0) * b1;
                            for (int i = 0; i < b1; i++) {
                                t[i * b2 + j] += (wv == null ? 1.0 : wv[at + i]) * gv[at + i];
                            }
                        }
                    }
                }
            }
            case FULL -> {
                try (Matrix gram = Matrix.multiply(d1, true, d2, false, 1.0)) {
                    double[] column = new double[b1 * g];
                    for (int j = 0; j < b2; j++) {
                        weightsColumn(weights, j, w);
                        for (int o2 = 0; o2 < g; o2++) {
                            gram.readColumn(j * g + o2, column);
                            for (int i = 0; i < b1; i++) {
                                int base = target.index(i, j, o2);
                                for (int o1 = 0; o1 < g; o1++) {
                                    t[base + o1 * g] += w[i] * column[i * g + o1];
                                }
                            }
                        }
                    }
                }
            }
            case DIAGONAL -> {
                double[] column = new double[b1];
                for (int o = 0; o < g; o++) {
                    try (Matrix c1 = columnsOf(d1, o, g); Matrix c2 = d1 == d2 ? null : columnsOf(d2, o, g);
                         Matrix gram = Matrix.multiply(c1, true, c2 == null ? c1 : c2, false, 1.0)) {
                        for (int j = 0; j < b2; j++) {
                            gram.readColumn(j, column);
                            weightsColumn(weights, j, w);
                            for (int i = 0; i < b1; i++) {
                                t[target.index(i, j, o)] += w[i] * column[i];
                            }
                        }
                    }
                }
            }
            default -> throw new IllegalStateException(mode.toString());
        }
    }

    private static void weightsColumn(Matrix weights, int j, double[] w) {
        if (weights == null) {
            java.util.Arrays.fill(w, 1.0);
        } else {
            weights.readColumn(j, w);
        }
    }

    /** Columns k, k+g, k+2g, ... gathered into a new matrix: every sample's cotangent k. */
    private static Matrix columnsOf(Matrix d, int k, int g) {
        int samples = d.cols() / g;
        Matrix out = Matrix.zeros(d.precision(), d.rows(), samples);
        for (int s = 0; s < samples; s++) {
            out.setColumns(s, d.columns(s * g + k, s * g + k + 1));
        }
        return out;
    }
}
