package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import java.util.List;

/**
 * Structured NTK features of a block of samples: for every parameterized layer its inputs and
 * output cotangents. Computed once per sample ({@link StructuredNtk#features}); kernel entries
 * against any other feature block then cost only small GEMMs, no network pass
 * ({@link StructuredNtk#kernel}) — how a stream appends one Gram row against stored samples.
 *
 * <p>{@code networkOutput}: the network's outputs f(x) (O x samples, the network's precision) from
 * the forward pass that computed the features, owned by the features; null for views and stores.
 */
public record NtkFeatures(NtkMode mode, int outputs, int samples, List<LayerFeatures> layers, Matrix networkOutput)
        implements NtkAlgorithm.Prepared {

    /** Features without the network's outputs (views, stores). */
    public NtkFeatures(NtkMode mode, int outputs, int samples, List<LayerFeatures> layers) {
        this(mode, outputs, samples, layers, null);
    }

    public long bytes() {
        return layers.stream().mapToLong(LayerFeatures::bytes).sum() + (networkOutput == null ? 0 : networkOutput.sizeInBytes());
    }

    /** Frees the features' native memory (not the samples they were computed from). */
    @Override
    public void close() {
        layers.forEach(LayerFeatures::close);
        if (networkOutput != null) {
            networkOutput.close();
        }
    }
}
