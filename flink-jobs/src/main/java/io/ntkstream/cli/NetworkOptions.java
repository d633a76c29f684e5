package io.ntkstream.cli;

import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Network;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The stored network of a command: {@code --arch} and {@code --params}, both required. */
final class NetworkOptions {

    @Option(names = "--arch", required = true, description = "Architecture JSON file.")
    Path arch;

    @Option(names = "--params", required = true, description = "Checkpoint: .safetensors or .npz.")
    Path params;

    /** The network of {@code --arch} with the weights of {@code --params}, in this precision. */
    Network load(Precision precision) {
        return Inputs.network(arch, params, precision);
    }
}
