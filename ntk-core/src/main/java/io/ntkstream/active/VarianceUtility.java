package io.ntkstream.active;

/** Uncertainty sampling by the posterior variance σ²(c) = k̃(c,c) (regression or classification). */
public final class VarianceUtility implements UtilityMeasure {

    @Override
    public AcquisitionKind kind() {
        return AcquisitionKind.VARIANCE;
    }

    @Override
    public double[] scores(PoolPosterior p) {
        double[] s = new double[p.size()];
        for (int c = 0; c < s.length; c++) {
            s[c] = p.isActive(c) ? p.variance(c) : Double.NaN;
        }
        return s;
    }

    @Override
    public String toString() {
        return "variance";
    }
}
