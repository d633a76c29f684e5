package io.ntkstream.active;

import io.ntkstream.kernel.NtkRegressor;

/**
 * A query strategy (modAL's {@code make_query_strategy}): a {@link UtilityMeasure} that scores
 * the pool and a {@link Selector} that picks from the scores.
 */
public record QueryStrategy(UtilityMeasure measure, Selector selector) {
    public QueryStrategy {
        if (measure == null || selector == null) {
            throw new IllegalArgumentException("a query strategy needs a utility measure and a selector");
        }
    }

    /** {@code kind}'s measure (look-aheads: max aggregation) with greedy batch selection. */
    public static QueryStrategy of(AcquisitionKind kind, long seed) {
        return new QueryStrategy(kind.measure(seed), Selector.greedy());
    }

    /** Up to k candidates of the pool to label next, given what the learner has learned. */
    public Query query(NtkRegressor learner, Pool pool, int k) {
        return query(PoolPosterior.of(learner, pool), k);
    }

    /** Up to k candidates to label next under {@code posterior} (not modified). */
    public Query query(PoolPosterior posterior, int k) {
        return selector.select(posterior, measure, k);
    }

    public AcquisitionKind kind() {
        return measure.kind();
    }
}
