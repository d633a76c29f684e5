package io.ntkstream.infinite;

/** Which infinite-width kernel to compute. */
public enum InfiniteKernelKind {
    /** Neural network Gaussian process kernel K = E[f(x) f(x')] at initialization. */
    NNGP,
    /** Neural tangent kernel Θ = E[⟨∂f(x)/∂θ, ∂f(x')/∂θ⟩] (deterministic in the limit). */
    NTK
}
