package io.ntkstream.active;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** The k highest scores of a single scoring. */
final class TopKSelector implements Selector {
    static final TopKSelector INSTANCE = new TopKSelector();

    private TopKSelector() {}

    @Override
    public Query select(PoolPosterior posterior, UtilityMeasure measure, int k) {
        Selector.requirePositive(k);
        double[] s = measure.scores(posterior);
        Integer[] order = new Integer[s.length];
        int count = 0;
        for (int i = 0; i < s.length; i++) {
            if (posterior.isActive(i) && !Double.isNaN(s[i])) {
                order[count++] = i;
            }
        }
        Integer[] candidates = Arrays.copyOf(order, count);
        Arrays.sort(candidates, Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingInt(i -> i));
        int picks = Math.min(k, count);
        List<String> ids = new ArrayList<>(picks);
        double[] scores = new double[picks];
        for (int j = 0; j < picks; j++) {
            ids.add(posterior.ids().get(candidates[j]));
            scores[j] = s[candidates[j]];
        }
        return new Query(ids, scores);
    }

    @Override
    public String toString() {
        return "top-k";
    }
}
