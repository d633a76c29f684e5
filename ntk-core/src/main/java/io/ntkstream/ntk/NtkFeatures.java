package io.ntkstream.ntk;

import java.util.List;

/**
 * Structured NTK features of a block of samples: for every parameterized layer its inputs and
 * output cotangents. Computed once per sample ({@link StructuredNtk#features}); kernel entries
 * against any other feature block then cost only small GEMMs, no network pass
 * ({@link StructuredNtk#kernel}) — how a stream appends one Gram row against stored samples.
 */
public record NtkFeatures(NtkMode mode, int outputs, int samples, List<LayerFeatures> layers)
        implements NtkAlgorithm.Prepared {

    public long bytes() {
        return layers.stream().mapToLong(LayerFeatures::bytes).sum();
    }

    /** Frees the features' native memory (not the samples they were computed from). */
    @Override
    public void close() {
        layers.forEach(LayerFeatures::close);
    }
}
