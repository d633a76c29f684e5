package io.ntkstream.kernel;

/**
 * Classification as regression: class c of C becomes the target e_c − (1/C)·1 (one-hot minus
 * 1/C, so every target sums to zero, as in the NTK literature's centered targets); predictions
 * are turned back into class probabilities by softmax(μ) and a label by the arg-max.
 */
public final class ClassTargets {
    private ClassTargets() {}

    /** e_label − 1/classes. */
    public static double[] encode(long label, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException("label must be a class index in [0, " + classes + "), got " + label);
        }
        double[] y = new double[classes];
        java.util.Arrays.fill(y, -1.0 / classes);
        y[(int) label] += 1.0;
        return y;
    }

    /** exp(v − max v) / Σ, stable for any finite v. */
    public static double[] softmax(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double[] p = new double[v.length];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            p[i] = Math.exp(v[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < v.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Index of the largest value (the first on ties). */
    public static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
