package io.ntkstream.kernel;

/**
 * Settings of an {@link NtkRegressor} (River style: settings are constructor arguments, learned
 * state is separate), validated at construction.
 *
 * @param ridge           λ ≥ 0 added to K's diagonal (absolute, in the kernel's units)
 * @param jitterTolerance relative pivot² floor below which jitter is added (see {@link IncrementalCholesky})
 * @param window          sliding window: at most this many samples, the oldest evicted first; 0 = unbounded
 * @param classes         0 for regression; C ≥ 2 for classification (C must equal the kernel's O)
 * @param time            training time of the predictions (default {@link TrainingTime#INFINITE})
 */
public record RegressorSettings(double ridge, double jitterTolerance, int window, int classes, TrainingTime time) {
    public static final double DEFAULT_RIDGE = 1e-3;

    public RegressorSettings {
        if (!(ridge >= 0) || !Double.isFinite(ridge)) {
            throw new IllegalArgumentException("ridge λ must be a finite number >= 0, got " + ridge);
        }
        if (!(jitterTolerance > 0) || !(jitterTolerance < 1)) {
            throw new IllegalArgumentException("jitterTolerance must be in (0, 1), got " + jitterTolerance);
        }
        if (window < 0) {
            throw new IllegalArgumentException("window must be >= 0 (0 = unbounded), got " + window);
        }
        if (classes != 0 && classes < 2) {
            throw new IllegalArgumentException("classes must be 0 (regression) or >= 2, got " + classes);
        }
        if (time == null) {
            throw new IllegalArgumentException("time must not be null (use TrainingTime.INFINITE)");
        }
    }

    /** λ = 1e-3, default jitter tolerance, no window, regression, t = ∞. */
    public static RegressorSettings defaults() {
        return new RegressorSettings(DEFAULT_RIDGE, IncrementalCholesky.DEFAULT_JITTER_TOLERANCE, 0, 0,
                TrainingTime.INFINITE);
    }

    public RegressorSettings withRidge(double value) {
        return new RegressorSettings(value, jitterTolerance, window, classes, time);
    }

    public RegressorSettings withJitterTolerance(double value) {
        return new RegressorSettings(ridge, value, window, classes, time);
    }

    public RegressorSettings withWindow(int value) {
        return new RegressorSettings(ridge, jitterTolerance, value, classes, time);
    }

    public RegressorSettings withClasses(int value) {
        return new RegressorSettings(ridge, jitterTolerance, window, value, time);
    }

    public RegressorSettings withTime(TrainingTime value) {
        return new RegressorSettings(ridge, jitterTolerance, window, classes, value);
    }

    public boolean isClassification() {
        return classes > 0;
    }
}
