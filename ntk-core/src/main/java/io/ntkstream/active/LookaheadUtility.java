package io.ntkstream.active;


/**
 * Look-ahead (MLMOC, "maximum look-ahead model output change", Mohamadi, Bae & Sutherland 2022):
 * the change of the linearized network if candidate c were labeled with its most likely label
 * ŷ_c under the current model, computed by the rank-one update of {@link PoolPosterior} instead
 * of a retrain:
 *
 * <pre>  score(c) = agg_{u ∈ U} ‖Δf(u)‖ = ‖ŷ_c − μ(c)‖ · agg_u |k̃(u,c)| / (k̃(c,c) + λ)</pre>
 *
 * (Δf(u) is k̃(u,c) times one vector, so its norm factorizes). U is the pool's active candidates,
 * c included; agg is {@link Aggregation#MAX} (MLMOC) or {@link Aggregation#MEAN}. O(m²) for the
 * whole pool. Classification only: for regression the most likely label is μ(c) and Δf ≡ 0.
 */
public final class LookaheadUtility implements UtilityMeasure {
    private final Aggregation aggregation;

    public LookaheadUtility(Aggregation aggregation) {
        this.aggregation = aggregation;
    }

    public Aggregation aggregation() {
        return aggregation;
    }

    @Override
    public AcquisitionKind kind() {
        return AcquisitionKind.LOOKAHEAD;
    }

    @Override
    public double[] scores(PoolPosterior p) {
        requireClassification(p, kind());
        double[] s = new double[p.size()];
        for (int c = 0; c < s.length; c++) {
            if (!p.isActive(c)) {
                s[c] = Double.NaN;
                continue;
            }
            s[c] = distance(p.mostLikelyTarget(c), p.meanRow(c)) * influence(p, c, aggregation);
        }
        return s;
    }

    /** agg over active u of |k̃(u,c)|, divided by k̃(c,c) + λ: ‖Δf‖ per unit of label residual. */
    static double influence(PoolPosterior p, int c, Aggregation aggregation) {
        int m = p.size();
        double[] cov = p.covarianceArray();
        int row = c * m;
        double agg = 0;
        for (int u = 0; u < m; u++) {
            if (p.isActive(u)) {
                double a = Math.abs(cov[row + u]);
                agg = aggregation == Aggregation.MAX ? Math.max(agg, a) : agg + a;
            }
        }
        if (aggregation == Aggregation.MEAN) {
            agg /= p.activeCount();
        }
        return agg / (cov[row + c] + p.ridge());
    }

    static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    static void requireClassification(PoolPosterior p, AcquisitionKind kind) {
        if (!p.isClassification()) {
            throw new IllegalArgumentException(kind.cliName() + ": needs a classifier (class labels, softmax"
                    + " probabilities); for regression use " + AcquisitionKind.VARIANCE.cliName() + " or "
                    + AcquisitionKind.RANDOM.cliName());
        }
    }

    @Override
    public String toString() {
        return "lookahead(" + aggregation.cliName() + ")";
    }
}
