package io.ntkstream.active;

/** Entropy sampling: H(softmax(μ(c))) = −Σ_y p_y log p_y (nats), largest for a uniform guess. Classification only. */
public final class EntropyUtility implements UtilityMeasure {

    @Override
    public AcquisitionKind kind() {
        return AcquisitionKind.ENTROPY;
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
            double h = 0;
            for (double v : p.probabilities(c)) {
                if (v > 0) {
                    h -= v * Math.log(v);
                }
            }
            s[c] = h;
        }
        return s;
    }

    @Override
    public String toString() {
        return "entropy";
    }
}
