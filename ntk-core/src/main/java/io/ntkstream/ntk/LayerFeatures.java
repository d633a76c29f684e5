package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.Layer;

/**
 * A parameterized layer's structured NTK features for a block of b samples: its inputs
 * (in x b) and the cotangents at its output (out x b·g, see {@link NtkMode#cotangentsPerSample}).
 */
public record LayerFeatures(Layer layer, Matrix inputs, Matrix cotangents, boolean ownsInputs) {

    public long bytes() {
        return inputs.sizeInBytes() + cotangents.sizeInBytes();
    }

    /** Frees the cotangents, and the inputs unless they are the caller's samples. */
    void close() {
        if (ownsInputs) {
            inputs.close();
        }
        cotangents.close();
    }
}
