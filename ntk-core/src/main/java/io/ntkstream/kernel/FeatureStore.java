package io.ntkstream.kernel;

/**
 * A growing collection of one kernel's per-sample features (a task's stored samples): samples
 * are appended one at a time (copied) and removed by index; the store is itself a
 * {@link KernelFeatures} block, so one Gram row is {@code kernel.cross(newSample, store)}.
 *
 * <p>Each sample's features can be exported as a flat {@code double[]} and appended back, exactly
 * (float32 features widen to double and back without loss), for row-wise state serialization.
 * The export leaves out what the sample's raw input x gives back exactly (e.g. a network's first
 * layer inputs, which are x in the network's precision): appending back takes x too.
 */
public interface FeatureStore extends KernelFeatures {

    /** Appends (a copy of) sample {@code index} of {@code features}, which come from the same kernel. */
    void append(KernelFeatures features, int index);

    /** Appends (copies of) every sample of {@code features}, in order: the same as {@link #append} for each. */
    default void appendAll(KernelFeatures features) {
        for (int i = 0; i < features.size(); i++) {
            append(features, i);
        }
    }

    /** Removes sample {@code index}; later samples move up by one. */
    void remove(int index);

    /**
     * Sample {@code index}'s features as flat values ({@link #valuesPerSample()} of them), without
     * those its raw input x gives back.
     */
    double[] sampleValues(int index);

    /** Appends a sample from its raw input {@code x} (input_dim values) and the values {@link #sampleValues} gave. */
    void appendValues(double[] x, double[] values);

    /** Length of {@link #sampleValues}. */
    int valuesPerSample();
}
