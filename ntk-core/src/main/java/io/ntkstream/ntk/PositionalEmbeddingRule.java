package io.ntkstream.ntk;

/**
 * Learned positional embedding, y = x + P. ∂f_o/∂P = δ[o] (the layer's output cotangent), so
 * Θ_l(x1,x2)[o,o'] = ⟨δ1[o], δ2[o']⟩ over all L·D entries: exactly the bias term of the dense rule,
 * for a bias that is not shared across positions.
 */
final class PositionalEmbeddingRule implements StructureRule {

    /** Operations for an n1 x n2 block: one L·D inner product per pair and (pair of) cotangents. */
    static double flops(int positions, int dim, int g, NtkMode mode, long n1, long n2) {
        return (double) n1 * n2 * 2.0 * positions * dim * (mode == NtkMode.FULL ? (double) g * g : g);
    }

    @Override
    public void accumulate(LayerFeatures f1, LayerFeatures f2, NtkMode mode, int outputs, KernelBlock target) {
        CotangentGram.accumulate(f1.cotangents(), f2.cotangents(), mode, outputs, null, target);
    }
}
