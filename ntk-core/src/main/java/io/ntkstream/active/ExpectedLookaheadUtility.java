package io.ntkstream.active;

import io.ntkstream.kernel.ClassTargets;

/**
 * Expected look-ahead: the {@link LookaheadUtility} averaged over the labels c could get,
 * weighted by the current model's class probabilities p = softmax(μ(c)):
 *
 * <pre>  score(c) = Σ_y p_y · agg_u ‖Δf_y(u)‖ = Σ_y p_y ‖e_y − 1/O − μ(c)‖ · agg_u |k̃(u,c)| / (k̃(c,c) + λ)</pre>
 *
 * Classification only.
 */
public final class ExpectedLookaheadUtility implements UtilityMeasure {
    private final Aggregation aggregation;

    public ExpectedLookaheadUtility(Aggregation aggregation) {
        this.aggregation = aggregation;
    }

    public Aggregation aggregation() {
        return aggregation;
    }

    @Override
    public AcquisitionKind kind() {
        return AcquisitionKind.EXPECTED;
    }

    @Override
    public double[] scores(PoolPosterior p) {
        LookaheadUtility.requireClassification(p, kind());
        int o = p.outputs();
        double[] s = new double[p.size()];
        for (int c = 0; c < s.length; c++) {
            if (!p.isActive(c)) {
                s[c] = Double.NaN;
                continue;
            }
            double[] mu = p.meanRow(c);
            double[] prob = ClassTargets.softmax(mu);
            double expected = 0;
            for (int y = 0; y < o; y++) {
                expected += prob[y] * LookaheadUtility.distance(ClassTargets.encode(y, o), mu);
            }
            s[c] = expected * LookaheadUtility.influence(p, c, aggregation);
        }
        return s;
    }

    @Override
    public String toString() {
        return "expected(" + aggregation.cliName() + ")";
    }
}
