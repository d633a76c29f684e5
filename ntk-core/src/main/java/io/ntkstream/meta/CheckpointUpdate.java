package io.ntkstream.meta;

import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.Map;

/**
 * A checkpoint version: its number and its tensors (PyTorch {@code nn.Sequential} names and
 * shapes, float64, as {@link io.ntkstream.network.Networks#toTensors} makes them), ready to be
 * written ({@link io.ntkstream.network.checkpoint.CheckpointFiles#write}) or published.
 */
public record CheckpointUpdate(long version, Map<String, NamedTensor> tensors) {
    public CheckpointUpdate {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
        tensors = Map.copyOf(tensors);
    }
}
