package io.ntkstream.active;

/**
 * How useful labeling each candidate would be (modAL's utility measure): one score per index of
 * a {@link PoolPosterior}, higher = label first; {@link Double#NaN} for candidates no longer
 * active. A {@link Selector} turns the scores into picks.
 */
public interface UtilityMeasure {

    /** m scores, index-aligned with {@code posterior.ids()}; NaN where {@code !posterior.isActive(i)}. */
    double[] scores(PoolPosterior posterior);

    /** The kind of measure (its name in CSV files and on the command line). */
    AcquisitionKind kind();
}
