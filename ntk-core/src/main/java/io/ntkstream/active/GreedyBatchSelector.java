package io.ntkstream.active;

import java.util.ArrayList;
import java.util.List;

/** Greedy batch selection on a copy of the posterior, conditioned on each pick's most likely target. */
final class GreedyBatchSelector implements Selector {
    static final GreedyBatchSelector INSTANCE = new GreedyBatchSelector();

    private GreedyBatchSelector() {}

    @Override
    public Query select(PoolPosterior posterior, UtilityMeasure measure, int k) {
        Selector.requirePositive(k);
        int picks = Math.min(k, posterior.activeCount());
        PoolPosterior p = picks > 1 ? posterior.copy() : posterior;
        List<String> ids = new ArrayList<>(picks);
        double[] scores = new double[picks];
        for (int j = 0; j < picks; j++) {
            double[] s = measure.scores(p);
            int c = Selector.best(p, s);
            if (c < 0) {
                break;
            }
            ids.add(p.ids().get(c));
            scores[j] = s[c];
            if (j + 1 < picks) {
                p.observe(c, p.mostLikelyTarget(c));
            }
        }
        return new Query(ids, java.util.Arrays.copyOf(scores, ids.size()));
    }

    @Override
    public String toString() {
        return "greedy";
    }
}
