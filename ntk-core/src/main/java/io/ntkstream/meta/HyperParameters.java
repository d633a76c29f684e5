package io.ntkstream.meta;

import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.kernel.TrainingTime;

/**
 * The adaptation hyper-parameters learned across tasks: the ridge λ of the t = ∞ solution and the
 * training time of the gradient flow (only η·t matters, see {@link TrainingTime}). With a finite
 * time the mean μ_t does not depend on λ (gradient flow on the unregularized loss); λ then only
 * enters the posterior variance.
 */
public record HyperParameters(double ridge, TrainingTime time) {

    public HyperParameters {
        if (!(ridge >= 0) || !Double.isFinite(ridge)) {
            throw new IllegalArgumentException("ridge λ must be a finite number >= 0, got " + ridge);
        }
        if (time == null) {
            throw new IllegalArgumentException("time must not be null (use TrainingTime.INFINITE)");
        }
    }

    /** The regressor's defaults: λ = {@link RegressorSettings#DEFAULT_RIDGE}, t = ∞. */
    public static HyperParameters defaults() {
        return new HyperParameters(RegressorSettings.DEFAULT_RIDGE, TrainingTime.INFINITE);
    }

    /** Ridge regression (t = ∞) with λ. */
    public static HyperParameters ridge(double ridge) {
        return new HyperParameters(ridge, TrainingTime.INFINITE);
    }

    /** Gradient flow for η·t = {@code flowTime} (stored as t = flowTime, η = 1), λ for the variance. */
    public static HyperParameters flow(double flowTime, double ridge) {
        return new HyperParameters(ridge, TrainingTime.of(flowTime, 1.0));
    }

    /** t = ∞: the ridge solution. */
    public boolean isRidge() {
        return time.isInfinite();
    }

    /** The regressor settings {@code base} with these hyper-parameters. */
    public RegressorSettings applyTo(RegressorSettings base) {
        return base.withRidge(ridge).withTime(time);
    }

    @Override
    public String toString() {
        return isRidge() ? "ridge λ=" + ridge : "flow η·t=" + time.flowTime();
    }
}
