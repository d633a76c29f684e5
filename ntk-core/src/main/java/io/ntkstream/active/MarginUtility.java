package io.ntkstream.active;

/**
 * Margin sampling: the margin p₁ − p₂ between the two largest class probabilities of
 * softmax(μ(c)) is small where the model hesitates between two classes, so the score is
 * {@code 1 − margin} ∈ [0, 1] (1 = a tie, 0 = certain). Classification only.
 */
public final class MarginUtility extends ClassProbabilityUtility {

    @Override
    public AcquisitionKind kind() {
        return AcquisitionKind.MARGIN;
    }

    @Override
    double score(double[] probabilities) {
        double first = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        for (double v : probabilities) {
            if (v > first) {
                second = first;
                first = v;
            } else if (v > second) {
                second = v;
            }
        }
        return 1.0 - (first - second);
    }

    @Override
    public String toString() {
        return "margin";
    }
}
