package io.ntkstream.kernel;

/**
 * The posterior of m query samples under the full NTK: mean μ (m x O, {@code mean[i][o]}) and,
 * per sample and output, the marginal variance σ²_o(x) = Θ(x,x)[o,o] − Θ_o(x,X)A⁻¹Θ_o(X,x), the
 * diagonal of the sample's O x O posterior covariance block (m x O; null when not requested).
 */
public record FullGaussian(double[][] mean, double[][] variance) {

    public int size() {
        return mean.length;
    }

    /**
     * Per sample the mean of its O output variances, trace(Σ(x))/O: the number comparable with the
     * shared σ² of a scalar kernel k = trace(Θ)/O (equal when Θ = k ⊗ I_O).
     */
    public double[] meanVariance() {
        double[] v = new double[variance.length];
        for (int i = 0; i < v.length; i++) {
            double s = 0;
            for (double x : variance[i]) {
                s += x;
            }
            v[i] = s / variance[i].length;
        }
        return v;
    }
}
