package io.ntkstream.kernel;

/**
 * Per-sample features of a {@link FeatureKernel} for a block of samples, computed once
 * ({@link FeatureKernel#featurize}); kernel values against any other block then need no further
 * network pass. May hold native memory: close what you create. Features of a batch may refer
 * to the batch itself (the first layer's inputs), so keep the batch alive while using them.
 */
public interface KernelFeatures extends AutoCloseable {

    /** Number of samples. */
    int size();

    @Override
    void close();
}
