package io.ntkstream.kernel;

/**
 * How long the linearized network is trained: gradient flow at learning rate η for time t on
 * the loss (1/2n)·Σ_i ‖f(x_i) − y_i‖². Only the product η·t matters. {@link #INFINITE} (t = ∞) is
 * the converged, ridge-regularized solution.
 */
public record TrainingTime(double time, double learningRate) {
    public static final TrainingTime INFINITE = new TrainingTime(Double.POSITIVE_INFINITY, 1.0);

    public TrainingTime {
        if (!(time >= 0) || Double.isNaN(time)) {
            throw new IllegalArgumentException("t (training time) must be >= 0 or infinite, got " + time);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate η must be finite and > 0, got " + learningRate);
        }
    }

    public static TrainingTime of(double time, double learningRate) {
        return new TrainingTime(time, learningRate);
    }

    public boolean isInfinite() {
        return Double.isInfinite(time);
    }

    /** η·t. */
    public double flowTime() {
        return time * learningRate;
    }
}
