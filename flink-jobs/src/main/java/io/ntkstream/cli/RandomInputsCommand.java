package io.ntkstream.cli;

import io.ntkstream.data.DType;
import io.ntkstream.data.Npy;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "random-inputs", mixinStandardHelpOptions = true,
        description = "Writes an (N, D) .npy of standard normal samples, for trying the commands without data of your own.")
final class RandomInputsCommand implements Callable<Integer> {

    @Option(names = "--n", required = true, description = "Number of samples N.")
    int n;

    @Option(names = "--dim", required = true, description = "Features per sample D (the architecture's input_dim).")
    int dim;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 | float64 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--out", required = true, description = "Output .npy.")
    Path out;

    @Override
    public Integer call() {
        if (n <= 0 || dim <= 0) {
            throw new IllegalArgumentException("--n and --dim must be positive, got " + n + " and " + dim);
        }
        DType stored = switch (io.ntkstream.linalg.Precision.parse(dtype)) {
            case FLOAT32 -> DType.FLOAT32;
            case FLOAT64 -> DType.FLOAT64;
        };
        SplittableRandom random = new SplittableRandom(seed);
        double[] values = new double[Math.multiplyExact(n, dim)];
        for (int i = 0; i < values.length; i++) {
            // Box–Muller
            values[i] = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
        }
        Npy.write(out, new int[] {n, dim}, values, stored);
        System.out.println("{\"command\":\"random-inputs\",\"shape\":[" + n + "," + dim + "],\"out\":\"" + out + "\"}");
        return 0;
    }
}
