package io.ntkstream.ntk;

/**
 * A layer kind's share of the NTK computed from its structure (per-layer activations and
 * cotangents) instead of its Jacobian. One small rule per parameterized layer kind; layers
 * without parameters have none (they only transform cotangents).
 */
interface StructureRule {

    /** Adds this layer's Θ_l(block1, block2) to {@code target}. */
    void accumulate(LayerFeatures f1, LayerFeatures f2, NtkMode mode, int outputs, KernelBlock target);
}
