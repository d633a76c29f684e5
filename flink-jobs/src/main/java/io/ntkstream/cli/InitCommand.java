package io.ntkstream.cli;

import io.ntkstream.data.DType;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Networks;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {
            "Writes a randomly initialized checkpoint for an architecture.",
            "NTK parametrization draws W, b ~ N(0,1); standard draws W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²).",
            "Tensor names follow PyTorch nn.Sequential: \"{i}.weight\" (out x in), \"{i}.bias\"."})
final class InitCommand implements Callable<Integer> {

    @Option(names = "--arch", required = true, description = "Architecture JSON file.")
    Path arch;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "Checkpoint to write: .safetensors or .npz.")
    Path out;

    @Option(names = "--dtype", defaultValue = "float32",
            description = "Stored precision: float32 | float64 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Override
    public Integer call() {
        Architecture a = Architecture.read(arch);
        DType stored = switch (io.ntkstream.linalg.Precision.parse(dtype)) {
            case FLOAT32 -> DType.FLOAT32;
            case FLOAT64 -> DType.FLOAT64;
        };
        var tensors = Networks.randomTensors(a, seed);
        CheckpointFiles.write(out, tensors, stored);
        long params = tensors.values().stream().mapToLong(t -> t.values().length).sum();
        System.out.println("{\"command\":\"init\",\"network\":\"" + a.shapeString() + "\",\"params\":" + params
                + ",\"tensors\":" + tensors.size() + ",\"out\":\"" + out + "\"}");
        return 0;
    }
}
