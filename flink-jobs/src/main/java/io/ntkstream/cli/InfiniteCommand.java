package io.ntkstream.cli;

import io.ntkstream.data.DType;
import io.ntkstream.data.Npy;
import io.ntkstream.infinite.InfiniteKernelKind;
import io.ntkstream.infinite.InfiniteNetworks;
import io.ntkstream.network.Architecture;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "infinite", mixinStandardHelpOptions = true,
        description = {
            "Closed-form infinite-width NNGP or NTK (NTK parametrization; relu, erf, identity) of a dense network, "
                + "or of a convolutional one (CNTK: conv1d/conv2d, avg_pool, global_avg_pool, flatten, dense), "
                + "residual blocks of these included.",
            "",
            "It is the limit the empirical NTK converges to as the widths grow. Writes an (N1, N2) float64 .npy: "
                + "the kernel per output (the full kernel is this ⊗ I_O)."})
final class InfiniteCommand implements Callable<Integer> {

    @Option(names = "--arch", required = true, description = "Architecture JSON file (widths are ignored).")
    Path arch;

    @Option(names = "--x1", required = true, description = "Inputs, .npy of shape (N1, input_dim), or (N1, C, L) / (N1, C, H, W).")
    Path x1;

    @Option(names = "--x2", description = "Second inputs, .npy shaped like --x1. Default: x1.")
    Path x2;

    @Option(names = "--kernel", defaultValue = "ntk", description = "ntk | nngp (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--out", required = true, description = "Output .npy (float64).")
    Path out;

    @Override
    public Integer call() {
        InfiniteKernelKind kind = switch (kernel.toLowerCase(Locale.ROOT)) {
            case "ntk" -> InfiniteKernelKind.NTK;
            case "nngp" -> InfiniteKernelKind.NNGP;
            default -> throw new IllegalArgumentException("--kernel: expected ntk or nngp, got '" + kernel + "'");
        };
        Architecture a = Architecture.read(arch);
        var net = InfiniteNetworks.kernel(a);
        double[][] a1 = rows(x1, a.inputDim(), "--x1");
        double[][] a2 = x2 == null ? null : rows(x2, a.inputDim(), "--x2");
        long t0 = System.nanoTime();
        double[][] k = net.compute(a1, a2, kind);
        Npy.writeMatrix(out, k, DType.FLOAT64);
        System.out.printf(Locale.ROOT, "{\"command\":\"infinite\",\"kernel\":\"%s\",\"n1\":%d,\"n2\":%d,\"seconds\":%.3f,\"out\":\"%s\"}%n",
                kind.name().toLowerCase(Locale.ROOT), k.length, k.length == 0 ? 0 : k[0].length,
                (System.nanoTime() - t0) / 1e9, out);
        return 0;
    }

    private static double[][] rows(Path file, int dim, String option) {
        var m = Inputs.samples(file, dim, io.ntkstream.linalg.Precision.FLOAT64, option);
        double[][] r = new double[m.cols()][dim];
        for (int n = 0; n < m.cols(); n++) {
            for (int d = 0; d < dim; d++) {
                r[n][d] = m.get(d, n);
            }
        }
        return r;
    }
}
