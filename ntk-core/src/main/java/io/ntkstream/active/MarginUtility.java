package io.ntkstream.active;

/**
 * Margin sampling: the margin p₁ − p₂ between the two largest class probabilities of
 * softmax(μ(c)) is small where the model hesitates between two classes, so the score is
 * {@code 1 − margin} ∈ [0, 1] (1 = a tie, 0 = certain). Classification only.
 */
public final class MarginUtility implements UtilityMeasure {

    @Override
    public AcquisitionKind kind() {
        return AcquisitionKind.MARGIN;
    }

    @Override
    public double[] scores(PoolPosterior p) {
        LookaheadUtility.requireClassification(p, kind());
        double[] s = new double[p.size()];
        for (int c = 0; c < s.length; c++) {
            if (!p.isActive(c)) {
                s[c] = Double.NaN;
                continue;
            }
            double first = Double.NEGATIVE_INFINITY;
            double second = Double.NEGATIVE_INFINITY;
            for (double v : p.probabilities(c)) {
                if (v > first) {
                    second = first;
                    first = v;
                } else if (v > second) {
                    second = v;
                }
            }
            s[c] = 1.0 - (first - second);
        }
        return s;
    }

    @Override
    public String toString() {
        return "margin";
    }
}
