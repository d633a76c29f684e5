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

    static void accumulate(Matrix d1, Matrix d2, NtkMode mode, int outputs, Matrix weights, KernelBlock target) {
        int g = mode.cotangentsPerSample(outputs);
        int b1 = d1.cols() / g;
        int b2 = d2.cols() / g;
        switch (mode) {
            case TRACE, PSEUDO -> {
                // Σ_k ⟨d1[:, i·g+k], d2[:, j·g+k]⟩ = (reshaped d1)ᵀ(reshaped d2)
                double[] gram = Matrix.multiply(d1.reshape(d1.rows() * g, b1), true, d2.reshape(d2.rows() * g, b2), false, 1.0)
                        .toColumnMajor();
                double[] w = weights == null ? null : weights.toColumnMajor();
                double[] t = target.values();
                for (int j = 0; j < b2; j++) {
                    for (int i = 0; i < b1; i++) {
                        int at = j * b1 + i;
                        t[i * b2 + j] += w == null ? gram[at] : w[at] * gram[at];
                    }
                }
            }
            case FULL -> {
                double[] gram = Matrix.multiply(d1, true, d2, false, 1.0).toColumnMajor();
                double[] w = weights == null ? null : weights.toColumnMajor();
                int gramRows = b1 * g;
                for (int j = 0; j < b2; j++) {
                    for (int i = 0; i < b1; i++) {
                        double wij = w == null ? 1.0 : w[j * b1 + i];
                        for (int o2 = 0; o2 < g; o2++) {
                            for (int o1 = 0; o1 < g; o1++) {
                                target.values()[target.index(i, j, o1 * g + o2)] +=
                                        wij * gram[(j * g + o2) * gramRows + i * g + o1];
                            }
                        }
                    }
                }
            }
            case DIAGONAL -> {
                double[] w = weights == null ? null : weights.toColumnMajor();
                for (int o = 0; o < g; o++) {
                    double[] gram = Matrix.multiply(columnsOf(d1, o, g), true, columnsOf(d2, o, g), false, 1.0)
                            .toColumnMajor();
                    for (int j = 0; j < b2; j++) {
                        for (int i = 0; i < b1; i++) {
                            double wij = w == null ? 1.0 : w[j * b1 + i];
                            target.values()[target.index(i, j, o)] += wij * gram[j * b1 + i];
                        }
                    }
                }
            }
            default -> throw new IllegalStateException(mode.toString());
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
