package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.NormLayer;

/**
 * Normalization layers (layer norm, batch norm): y_i = γ_c·n_i + β_c, a diagonal scale of the
 * normalized input n. ∂f_o/∂γ_c = Σ_{i of c} n_i·δ[o]_i and ∂f_o/∂β_c = Σ_{i of c} δ[o]_i, so
 * Θ_l(x1,x2)[o,o'] = Σ_c (Σ_i n1_i δ1[o]_i)(Σ_j n2_j δ2[o']_j) + Σ_c (Σ_i δ1[o]_i)(Σ_j δ2[o']_j):
 * the per-cotangent sums of (normalized input ⊙ cotangent) products, 2·C numbers — as few as the
 * layer's parameters — contracted like Jacobian columns.
 */
final class NormRule implements StructureRule {

    @Override
    public void accumulate(LayerFeatures f1, LayerFeatures f2, NtkMode mode, int outputs, KernelBlock target) {
        NormLayer norm = (NormLayer) f1.layer();
        int g = mode.cotangentsPerSample(outputs);
        try (Matrix g1 = sums(norm, f1, g); Matrix g2 = f1 == f2 ? null : sums(norm, f2, g)) {
            CotangentGram.accumulate(g1, g2 == null ? g1 : g2, mode, outputs, null, target);
        }
    }

    /** Per cotangent column: Σ n ⊙ δ and Σ δ over each channel's features (2·C x b·g). */
    private static Matrix sums(NormLayer norm, LayerFeatures f, int g) {
        int columns = f.cotangents().cols();
        double[] values = NormLayer.affineGradients(norm.dim(), norm.channels(), norm.positions(), norm.normalized(f.inputs()),
                f.cotangents().toColumnMajor(), columns, g);
        return Matrix.fromColumnMajor(f.cotangents().precision(), 2 * norm.channels(), columns, values);
    }
}
