package io.ntkstream.active;

import java.util.Arrays;

/**
 * Classification samples: {@code x[i]} (input_dim values) with class {@code labels[i]} in
 * [0, classes). The arrays are used as given (not copied).
 */
public record LabeledSamples(double[][] x, int[] labels, int classes) {
    public LabeledSamples {
        if (x.length != labels.length) {
            throw new IllegalArgumentException("samples: " + x.length + " inputs but " + labels.length + " labels");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i
                        + " is not a class index in [0, " + classes + ")");
            }
        }
    }

    public int size() {
        return x.length;
    }

    /** input_dim (0 when empty). */
    public int dim() {
        return x.length == 0 ? 0 : x[0].length;
    }

    /** Samples [from, to). */
    public LabeledSamples range(int from, int to) {
        return new LabeledSamples(Arrays.copyOfRange(x, from, to), Arrays.copyOfRange(labels, from, to), classes);
    }

    /** The labels as long[] (for NtkRegressor#learnManyLabels and .npy files). */
    public long[] longLabels() {
        long[] l = new long[labels.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = labels[i];
        }
        return l;
    }
}
