package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Patches;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.ConvGeometry;
import io.ntkstream.network.ConvLayer;

/**
 * Convolution, z = s_w·(W ⋆ a) + s_b·b. The weight is shared across the S output positions, so
 * ∂f_o/∂W_g = s_w·Σ_p δ[o][g, :, p] ⊗ patch_g(a)_p and
 * Θ_W(x1,x2)[o,o'] = s_w²·Σ_g Σ_{c∈g} Σ_{p,q} δ1[o][c,p]·⟨patch_g(a1)_p, patch_g(a2)_q⟩·δ2[o'][c,q],
 * Θ_b(x1,x2)[o,o'] = s_b²·Σ_c (Σ_p δ1[o][c,p])·(Σ_q δ2[o'][c,q])
 * (Novak et al. 2022, §4: the structured rule of a convolution). Two ways to contract, picked
 * per block by their operation counts ({@link #choose}):
 * <ul>
 *   <li>{@link Contraction#WEIGHT_GRADIENT}: form each sample's weight gradient (C_out x patch per
 *       cotangent, one GEMM over positions per sample), then contract gradients like Jacobian
 *       columns — cheap when the number of positions S is large next to C_out.</li>
 *   <li>{@link Contraction#PATCH_GRAM}: never form the gradient; per pair, the S x S Gram of the
 *       two samples' patches, applied to the cotangents — cheap when S² is small next to C_out·patch
 *       (deep layers: few positions, many channels).</li>
 * </ul>
 */
final class ConvRule implements StructureRule {

    enum Contraction { WEIGHT_GRADIENT, PATCH_GRAM }

    /** Patch values built at once by the weight-gradient contraction (bounds its temporary memory). */
    private static final long PATCH_VALUES = 1L << 21;

    /** Null: choose by cost; otherwise always this contraction (tests). */
    private final Contraction forced;

    ConvRule() {
        this(null);
    }

    ConvRule(Contraction forced) {
        this.forced = forced;
    }

    /** Operations of the weight-gradient contraction for a b1 x b2 block. */
    static double weightGradientFlops(ConvGeometry geo, int g, NtkMode mode, long b1, long b2) {
        double form = 2.0 * geo.outChannels() * geo.patchSize() * geo.outPositions() * g;
        double pair = 2.0 * geo.outChannels() * geo.patchSize() * (mode == NtkMode.FULL ? (double) g * g : g);
        return (b1 + b2) * form + (double) b1 * b2 * pair;
    }

    /** Operations of the patch-Gram contraction for a b1 x b2 block. */
    static double patchGramFlops(ConvGeometry geo, int g, NtkMode mode, long b1, long b2) {
        double s = geo.outPositions();
        double pair = 2.0 * s * s * geo.patchSize() * geo.groups() + 2.0 * s * s * geo.outChannels() * g
                + 2.0 * s * geo.outChannels() * g * g;
        return (double) b1 * b2 * pair;
    }

    static Contraction choose(ConvGeometry geo, int g, NtkMode mode, long b1, long b2) {
        return patchGramFlops(geo, g, mode, b1, b2) < weightGradientFlops(geo, g, mode, b1, b2)
                ? Contraction.PATCH_GRAM : Contraction.WEIGHT_GRADIENT;
    }

    static double flops(ConvGeometry geo, int g, NtkMode mode, long b1, long b2) {
        return Math.min(weightGradientFlops(geo, g, mode, b1, b2), patchGramFlops(geo, g, mode, b1, b2));
    }

    @Override
    public void accumulate(LayerFeatures f1, LayerFeatures f2, NtkMode mode, int outputs, KernelBlock target) {
        ConvLayer conv = (ConvLayer) f1.layer();
        ConvGeometry geo = conv.geometry();
        int g = mode.cotangentsPerSample(outputs);
        int b1 = f1.inputs().cols();
        int b2 = f2.inputs().cols();
        Contraction how = forced != null ? forced : choose(geo, g, mode, b1, b2);
        if (how == Contraction.WEIGHT_GRADIENT) {
            try (Matrix g1 = weightGradients(conv, f1, g);
                 Matrix g2 = f1 == f2 ? null : weightGradients(conv, f2, g)) {
                CotangentGram.accumulate(g1, g2 == null ? g1 : g2, mode, outputs, null, target);
            }
        } else {
            patchGram(conv, f1, f2, mode, g, target);
        }
        if (conv.hasBias() && conv.biasScale() != 0.0) {
            try (Matrix s1 = positionSums(conv, f1); Matrix s2 = f1 == f2 ? null : positionSums(conv, f2)) {
                CotangentGram.accumulate(s1, s2 == null ? s1 : s2, mode, outputs, null, target);
            }
        }
    }

    /**
     * Per cotangent column, s_w·(∂f/∂W) as a (patch·C_out) column: for group gr, the patch x
     * C_out/groups block P_gr·δ_gr (any fixed layout will do: only inner products count), with the
     * patches from native im2col (S x patch blocks, see {@link Patches}).
     */
    private static Matrix weightGradients(ConvLayer conv, LayerFeatures f, int g) {
        ConvGeometry geo = conv.geometry();
        Precision precision = f.cotangents().precision();
        int k = geo.patchSize();
        int co = geo.outChannelsPerGroup();
        int positions = geo.outPositions();
        int samples = f.inputs().cols();
        Matrix out = Matrix.zeros(precision, k * geo.outChannels(), samples * g);
        Patches.forEachSample(f.inputs(), geo.window(), PATCH_VALUES, (s, patches) -> {
            Matrix delta = f.cotangents().columns(s * g, (s + 1) * g);
            if (geo.groups() == 1) {
                // the g cotangent columns of a sample are one S x (C_out·g) matrix, column kk·C_out + c
                Matrix.gemm(patches.reshape(positions, k), true, delta.reshape(positions, geo.outChannels() * g),
                        false, conv.weightScale(), 0.0, out.columns(s * g, (s + 1) * g).reshape(k, geo.outChannels() * g));
                return;
            }
            for (int gr = 0; gr < geo.groups(); gr++) {
                Matrix p = patches.block((long) gr * k * positions, positions, k);
                for (int kk = 0; kk < g; kk++) {
                    Matrix.gemm(p, true, delta.columns(kk, kk + 1).block((long) gr * co * positions, positions, co),
                            false, conv.weightScale(), 0.0,
                            out.columns(s * g + kk, s * g + kk + 1).block((long) gr * k * co, k, co));
                }
            }
        });
        return out;
    }

    /** The [from, from + length) rows of cotangent columns c0 .. c0 + count − 1, side by side. */
    private static double[] groupCotangents(double[] d, int rows, int from, int length, int c0, int count) {
        double[] out = new double[length * count];
        for (int kk = 0; kk < count; kk++) {
            System.arraycopy(d, (c0 + kk) * rows + from, out, kk * length, length);
        }
        return out;
    }

    /** s_b·Σ_p δ[c, p] per cotangent column: the bias gradient (C_out x b·g), as δᵀ·1 over S x (C_out·b·g). */
    private static Matrix positionSums(ConvLayer conv, LayerFeatures f) {
        ConvGeometry geo = conv.geometry();
        int positions = geo.outPositions();
        Matrix d = f.cotangents();
        try (Matrix ones = Matrix.ones(d.precision(), positions)) {
            Matrix sums = Matrix.zeros(d.precision(), geo.outChannels(), d.cols());
            Matrix.gemm(d.reshape(positions, geo.outChannels() * d.cols()), true, ones, false, conv.biasScale(), 0.0,
                    sums.reshape(geo.outChannels() * d.cols(), 1));
            return sums;
        }
    }

    /**
     * Θ_W pair by pair: for sample i of block 1, the patch Gram against all of block 2 at once
     * (S x b2·S), then per j: M = Gram_ij·Δ2_j (S x C·g) and Θ_ij[k1,k2] = s_w²·⟨Δ1_i[:, k1], M[:, k2]⟩,
     * with Δ the cotangents of one group as S x (C_out/groups) blocks per cotangent.
     */
    private static void patchGram(ConvLayer conv, LayerFeatures f1, LayerFeatures f2, NtkMode mode, int g,
                                  KernelBlock target) {
        ConvGeometry geo = conv.geometry();
        Precision precision = f1.cotangents().precision();
        int k = geo.patchSize();
        int co = geo.outChannelsPerGroup();
        int positions = geo.outPositions();
        int b1 = f1.inputs().cols();
        int b2 = f2.inputs().cols();
        int outSize = geo.outSize();
        int[] src = geo.sourceIndex();
        double[] x1 = f1.inputs().toColumnMajor();
        double[] x2 = f1 == f2 ? x1 : f2.inputs().toColumnMajor();
        double[] d1 = f1.cotangents().toColumnMajor();
        double[] d2 = f1 == f2 ? d1 : f2.cotangents().toColumnMajor();
        double scale = conv.weightScale() * conv.weightScale();
        double[] t = target.values();
        for (int gr = 0; gr < geo.groups(); gr++) {
            int from = gr * co * positions;
            int length = co * positions;
            // every sample's cotangents of this group: (S·co) x g per sample, side by side
            try (Matrix p2 = Matrix.fromColumnMajor(precision, k, b2 * positions, geo.patches(x2, 0, b2, gr, src));
                 Matrix c1 = Matrix.fromColumnMajor(precision, length, b1 * g, groupCotangents(d1, outSize, from, length, 0, b1 * g));
                 Matrix c2 = Matrix.fromColumnMajor(precision, length, b2 * g, groupCotangents(d2, outSize, from, length, 0, b2 * g))) {
                for (int i = 0; i < b1; i++) {
                    try (Matrix p1 = Matrix.fromColumnMajor(precision, k, positions, geo.patches(x1, i, i + 1, gr, src));
                         Matrix gram = Matrix.multiply(p1, true, p2, false, scale)) {
                        Matrix delta1 = c1.columns(i * g, (i + 1) * g); // (S·co) x g, each column an S x co block
                        for (int j = 0; j < b2; j++) {
                            Matrix delta2 = c2.columns(j * g, (j + 1) * g).reshape(positions, co * g);
                            try (Matrix m = Matrix.multiply(gram.columns(j * positions, (j + 1) * positions), false,
                                    delta2, false, 1.0);
                                 Matrix theta = Matrix.multiply(delta1, true, m.reshape(positions * co, g), false, 1.0)) {
                                add(theta.toColumnMajor(), mode, g, t, target, i, j);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Adds a pair's g x g block (column-major: [k1 + k2·g]) in the mode's layout. */
    private static void add(double[] pair, NtkMode mode, int g, double[] t, KernelBlock target, int i, int j) {
        switch (mode) {
            case FULL -> {
                for (int k1 = 0; k1 < g; k1++) {
                    for (int k2 = 0; k2 < g; k2++) {
                        t[target.index(i, j, k1 * g + k2)] += pair[k1 + k2 * g];
                    }
                }
            }
            case TRACE, PSEUDO -> {
                double s = 0;
                for (int kk = 0; kk < g; kk++) {
                    s += pair[kk + kk * g];
                }
                t[target.index(i, j, 0)] += s;
            }
            case DIAGONAL -> {
                for (int kk = 0; kk < g; kk++) {
                    t[target.index(i, j, kk)] += pair[kk + kk * g];
                }
            }
            default -> throw new IllegalStateException(mode.toString());
        }
    }
}
