package io.ntkstream.active;

/**
 * Turns a {@link UtilityMeasure}'s scores into k picks (modAL's selector). Picks are distinct,
 * taken among the posterior's active candidates, at most as many as there are; ties go to the
 * lower index.
 */
public interface Selector {

    /** Up to k picks with their scores at the time of picking; {@code posterior} is not modified. */
    Query select(PoolPosterior posterior, UtilityMeasure measure, int k);

    /** The k best scores of one scoring (a batch may hold near-duplicates). */
    static Selector topK() {
        return TopKSelector.INSTANCE;
    }

    /**
     * Greedy batch: pick the best, condition the pool posterior on it as if labeled with its most
     * likely target ({@link PoolPosterior#observe}), rescore, repeat — so a batch of k is not k
     * near-duplicates. Equivalent to k sequential picks with a refit on the pseudo-labels.
     */
    static Selector greedy() {
        return GreedyBatchSelector.INSTANCE;
    }

    /** Index of the largest finite score among active candidates (the first on ties), −1 if none. */
    static int best(PoolPosterior posterior, double[] scores) {
        int best = -1;
        for (int i = 0; i < scores.length; i++) {
            if (posterior.isActive(i) && !Double.isNaN(scores[i]) && (best < 0 || scores[i] > scores[best])) {
                best = i;
            }
        }
        return best;
    }

    static void requirePositive(int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("batch size k must be >= 1, got " + k);
        }
    }
}
