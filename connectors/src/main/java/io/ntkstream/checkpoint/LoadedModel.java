package io.ntkstream.checkpoint;

import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;

/** A model version ready to use: its network (parameters loaded) and architecture. */
public record LoadedModel(long version, Network network, Architecture arch) {
}
