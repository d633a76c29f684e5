package io.ntkstream.kernel;

/**
 * One sample's prediction: the mean μ (O values: the linearized network after fine-tuning), the
 * posterior variance σ² (GP view, shared by the outputs) and, for classification, softmax(μ)
 * and its arg-max; for regression {@code probabilities} is null and {@code label} is
 * {@link #NO_LABEL}.
 */
public record Prediction(double[] mean, double variance, double[] probabilities, int label) {
    public static final int NO_LABEL = -1;

    public static Prediction regression(double[] mean, double variance) {
        return new Prediction(mean, variance, null, NO_LABEL);
    }

    public static Prediction classification(double[] mean, double variance) {
        double[] p = ClassTargets.softmax(mean);
        return new Prediction(mean, variance, p, ClassTargets.argMax(p));
    }

    public boolean isClassification() {
        return probabilities != null;
    }
}
