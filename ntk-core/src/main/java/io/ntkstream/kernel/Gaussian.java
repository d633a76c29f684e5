package io.ntkstream.kernel;

/**
 * The posterior of a batch of m query samples: mean μ (m x O, {@code mean[i][o]}) and the
 * marginal variance σ² per sample (m values, shared by the O outputs since the kernel is
 * k ⊗ I_O; null when not requested).
 */
public record Gaussian(double[][] mean, double[] variance) {

    public int size() {
        return mean.length;
    }
}
