package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.PositionwiseDenseLayer;

/**
 * A dense map shared by the L positions of a sequence (a dense layer on [L, D], attention's q/k/v and
 * output projections): ∂f_o/∂W = s_w·Σ_l δ[o]_l a_lᵀ, so
 * Θ_l(x1,x2)[o,o'] = Σ_{l,m} (s_w²·⟨a1_l, a2_m⟩ + s_b²)·⟨δ1[o]_l, δ2[o']_m⟩ — the dense rule with
 * positions as samples, summed over the pairs of positions. Two ways to contract, picked per block by
 * their operation counts (as {@link ConvRule}, a 1x1 convolution being the same structure):
 * <ul>
 *   <li>{@link Contraction#WEIGHT_GRADIENT}: form each sample's weight gradient (out·in + out per
 *       cotangent), then contract like Jacobian columns — cheap for long sequences.</li>
 *   <li>{@link Contraction#POSITION_GRAM}: the dense rule ({@link DenseRule#accumulate}) on the
 *       reshaped inputs (in x L·b) and cotangents (out x L·b·g), then the L x L blocks summed — cheap
 *       when L² is small next to in·out.</li>
 * </ul>
 */
final class PositionwiseDenseRule implements StructureRule {

    enum Contraction { WEIGHT_GRADIENT, POSITION_GRAM }

    /** Null: choose by cost; otherwise always this contraction (tests). */
    private final Contraction forced;

    PositionwiseDenseRule() {
        this(null);
    }

    PositionwiseDenseRule(Contraction forced) {
        this.forced = forced;
    }

    private static double perPair(NtkMode mode, int g) {
        return mode == NtkMode.FULL ? (double) g * g : g;
    }

    /** Operations of the weight-gradient contraction for a b1 x b2 block (L positions, in → out). */
    static double weightGradientFlops(int positions, int in, int out, int g, NtkMode mode, long b1, long b2) {
        return (b1 + b2) * 2.0 * positions * (in + 1.0) * out * g + (double) b1 * b2 * 2.0 * (in + 1.0) * out * perPair(mode, g);
    }

    /** Operations of the position-Gram contraction for a b1 x b2 block. */
    static double positionGramFlops(int positions, int in, int out, int g, NtkMode mode, long b1, long b2) {
        double pairs = (double) b1 * b2 * positions * positions;
        return pairs * (2.0 * in + 2.0 * out * perPair(mode, g) + perPair(mode, g));
    }

    static Contraction choose(int positions, int in, int out, int g, NtkMode mode, long b1, long b2) {
        return positionGramFlops(positions, in, out, g, mode, b1, b2) < weightGradientFlops(positions, in, out, g, mode, b1, b2)
                ? Contraction.POSITION_GRAM : Contraction.WEIGHT_GRADIENT;
    }

    static double flops(int positions, int in, int out, int g, NtkMode mode, long b1, long b2) {
        return Math.min(weightGradientFlops(positions, in, out, g, mode, b1, b2),
                positionGramFlops(positions, in, out, g, mode, b1, b2));
    }

    /** Bytes of temporaries for a b1 x b2 block, of the contraction {@link #choose} picks for it. */
    static long bytes(int positions, int in, int out, int g, NtkMode mode, int valuesPerPair, int b1, int b2,
                      int bytesPerValue) {
        if (choose(positions, in, out, g, mode, b1, b2) == Contraction.WEIGHT_GRADIENT) {
            return (long) (b1 + b2) * g * (in + 1L) * out * bytesPerValue;
        }
        long pairs = (long) b1 * b2 * positions * positions;
        return pairs * ((long) valuesPerPair * Double.BYTES + bytesPerValue)
                + (long) (b1 + b2) * positions * g * out * bytesPerValue;
    }

    @Override
    public void accumulate(LayerFeatures f1, LayerFeatures f2, NtkMode mode, int outputs, KernelBlock target) {
        PositionwiseDenseLayer layer = (PositionwiseDenseLayer) f1.layer();
        int g = mode.cotangentsPerSample(outputs);
        int b1 = f1.inputs().cols();
        int b2 = f2.inputs().cols();
        int len = layer.positions();
        Contraction how = forced != null ? forced : choose(len, layer.fanIn(), layer.fanOut(), g, mode, b1, b2);
        if (how == Contraction.WEIGHT_GRADIENT) {
            try (Matrix g1 = layer.weightGradients(f1.inputs(), f1.cotangents(), g);
                 Matrix g2 = f1 == f2 ? null : layer.weightGradients(f2.inputs(), f2.cotangents(), g)) {
                CotangentGram.accumulate(g1, g2 == null ? g1 : g2, mode, outputs, null, target);
            }
            return;
        }
        KernelBlock positions = KernelBlock.zeros(b1 * len, b2 * len, target.valuesPerPair());
        try (Matrix d1 = byPosition(f1.cotangents(), len, g); Matrix d2 = f1 == f2 ? null : byPosition(f2.cotangents(), len, g)) {
            DenseRule.accumulate(f1.inputs().reshape(layer.fanIn(), len * b1), f2.inputs().reshape(layer.fanIn(), len * b2),
                    d1, d2 == null ? d1 : d2, layer.weightScale(), layer.hasBias() ? layer.biasScale() : 0.0, mode, outputs,
                    positions);
        }
        double[] p = positions.values();
        double[] t = target.values();
        int v = target.valuesPerPair();
        for (int i = 0; i < b1; i++) {
            for (int l = 0; l < len; l++) {
                for (int j = 0; j < b2; j++) {
                    int to = target.index(i, j, 0);
                    for (int m = 0; m < len; m++) {
                        int from = positions.index(i * len + l, j * len + m, 0);
                        for (int k = 0; k < v; k++) {
                            t[to + k] += p[from + k];
                        }
                    }
                }
            }
        }
    }

    /**
     * Cotangents (out·L x b·g, column s·g + k) as out x (L·b·g) with column (s·L + l)·g + k: each
     * position of each sample a "sample" of g cotangents, the layout {@link CotangentGram} reads.
     */
    private static Matrix byPosition(Matrix cotangents, int len, int g) {
        int out = cotangents.rows() / len;
        int samples = cotangents.cols() / g;
        double[] d = cotangents.toColumnMajor();
        double[] r = new double[d.length];
        for (int s = 0; s < samples; s++) {
            for (int k = 0; k < g; k++) {
                for (int l = 0; l < len; l++) {
                    System.arraycopy(d, ((s * g + k) * len + l) * out, r, ((s * len + l) * g + k) * out, out);
                }
            }
        }
        return Matrix.fromColumnMajor(cotangents.precision(), out, len * cotangents.cols(), r);
    }
}
