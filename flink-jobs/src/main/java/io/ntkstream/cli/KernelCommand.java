package io.ntkstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.data.DType;
import io.ntkstream.data.NpyBlockWriter;
import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Network;
import io.ntkstream.ntk.EmpiricalNtk;
import io.ntkstream.ntk.NtkMethod;
import io.ntkstream.ntk.NtkMode;
import io.ntkstream.ntk.NtkPlan;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = {
            "Computes the empirical NTK Θ(x1, x2) = J(x1)·J(x2)ᵀ of a checkpoint and writes it as a float64 .npy.",
            "",
            "Output shape by mode: full (N1, N2, O, O); trace (N1, N2) = Σ_o Θ[o,o];",
            "diagonal (N1, N2, O) = Θ[o,o]; pseudo (N1, N2) = (1/O)·Σ_{o,o'} Θ[o,o'].",
            "Without --x2 the kernel of x1 with itself is computed, exactly symmetric.",
            "Prints one JSON line on stdout: method used, shapes, seconds, peak memory."})
final class KernelCommand implements Callable<Integer> {

    @Mixin
    NetworkOptions model;

    @Option(names = "--x1", required = true, description = "Inputs, .npy of shape (N1, input_dim).")
    Path x1;

    @Option(names = "--x2", description = "Second inputs, .npy of shape (N2, input_dim). Default: x1.")
    Path x2;

    @Option(names = "--mode", defaultValue = "trace", description = "full | trace | diagonal | pseudo (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--method", defaultValue = "auto",
            description = "auto | jacobian | ntvp | structured (default: ${DEFAULT-VALUE}: picked by a cost model).")
    String method;

    @Option(names = "--dtype", defaultValue = "float32",
            description = "Precision of the network passes: float32 | float64 (default: ${DEFAULT-VALUE}). Kernel sums and output are float64.")
    String dtype;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--memory", defaultValue = "2048",
            description = "Working-memory budget in MiB; inputs are processed in blocks under it (default: ${DEFAULT-VALUE}).")
    long memoryMib;

    @Option(names = "--out", required = true, description = "Output .npy (float64).")
    Path out;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        NtkMode ntkMode = NtkMode.parse(mode);
        NtkMethod ntkMethod = NtkMethod.parse(method);
        Precision precision = Precision.parse(dtype);
        threads.apply();
        Network network = model.load(precision);
        Matrix a = Inputs.samples(x1, network.inputDim(), precision, "--x1");
        Matrix b = x2 == null ? null : Inputs.samples(x2, network.inputDim(), precision, "--x2");
        int n1 = a.cols();
        int n2 = b == null ? n1 : b.cols();
        EmpiricalNtk ntk = new EmpiricalNtk(network, ntkMode, ntkMethod, memoryMib << 20);
        NtkPlan plan = ntk.plan(n1, n2, b == null);
        long[] shape = ntkMode.shape(n1, n2, network.outputDim());

        long start = System.nanoTime();
        boolean long_ = !quiet && plan.estimatedFlops() > 5e10;
        try (NpyBlockWriter writer = new NpyBlockWriter(out, toInt(shape), DType.FLOAT64);
             Progress progress = Progress.of("kernel " + plan.method().cliName(), (long) n1 * n2, "pairs", long_)) {
            ntk.compute(a, b, (rowStart, rowCount, values) -> writer.appendRows(values), progress.listener());
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("command", "kernel");
        json.put("method", plan.method().cliName());
        json.put("method_requested", ntkMethod.cliName());
        json.put("mode", ntkMode.name().toLowerCase());
        json.put("dtype", dtype);
        json.put("network", network.architecture().shapeString());
        json.put("params", network.paramCount());
        json.put("n1", n1);
        json.put("n2", n2);
        json.put("symmetric", b == null);
        json.putPOJO("shape", shape);
        json.put("block", plan.blockSize());
        json.put("seconds", seconds);
        json.put("gflops", plan.estimatedFlops() / seconds / 1e9);
        json.put("peak_rss_mib", LinalgRuntime.peakResidentBytes() / (1 << 20));
        json.put("out", out.toString());
        System.out.println(json);
        return 0;
    }

    private static int[] toInt(long[] shape) {
        return Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
    }
}
