package io.ntkstream.meta;

/**
 * How a task scores a finite training time (ridge candidates always use the exact closed-form
 * leave-one-out error).
 */
public enum FlowScore {
    /**
     * Generalized cross-validation, n·‖(I − H)r‖²/tr(I − H)² with H = I − exp(−ηtK/n): one
     * eigendecomposition per task, any n. Optimistic for few-shot tasks (docs/science.md).
     */
    GCV,
    /** Exact leave-one-out by n closed-form refits of the flow (O(n⁴) per task): for small n. */
    LOO
}
