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
    LOO,
    /**
     * {@link #LOO} for tasks of at most {@link #AUTO_LOO_MAX_SAMPLES} samples, {@link #GCV} above:
     * on the sinusoid tasks GCV picks far worse flow times than exact leave-one-out at 5 and 10
     * labels and the same quality from 20 on (docs/science.md), while exact leave-one-out grows as
     * n⁴. The default of {@link MetaLearner#MetaLearner()} and of {@code meta-sim}.
     */
    AUTO;

    /** Largest task (samples) that {@link #AUTO} scores by exact leave-one-out. */
    public static final int AUTO_LOO_MAX_SAMPLES = 20;

    /** The criterion a task of {@code samples} samples is scored with: GCV or LOO. */
    public FlowScore forSamples(int samples) {
        if (this != AUTO) {
            return this;
        }
        return samples <= AUTO_LOO_MAX_SAMPLES ? LOO : GCV;
    }
}
