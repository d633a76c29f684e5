package io.ntkstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.ntk.EmpiricalNtk;
import io.ntkstream.ntk.NtkMethod;
import io.ntkstream.ntk.NtkMode;
import io.ntkstream.ntk.NtkPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = {
            "Times the empirical NTK of a random relu MLP (NTK parametrization) on random inputs, x2 = x1.",
            "",
            "Prints one JSON object per method: best seconds of --repeats runs after a warm-up, GFLOP/s by "
                + "that method's FLOP count, peak resident memory, and which method auto picks."})
final class BenchKernelCommand implements Callable<Integer> {

    @Option(names = "--in", required = true, description = "Input dimension D.")
    int in;

    @Option(names = "--width", required = true, description = "Hidden width W.")
    int width;

    @Option(names = "--depth", required = true, description = "Number of hidden layers L.")
    int depth;

    @Option(names = "--out", required = true, description = "Outputs O.")
    int out;

    @Option(names = "--n", required = true, description = "Samples N (kernel N x N).")
    int n;

    @Option(names = "--mode", defaultValue = "trace", description = "full | trace | diagonal | pseudo (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--method", defaultValue = "all", split = ",",
            description = "all, or a comma-separated list of jacobian, ntvp, structured, auto (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 | float64 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed runs after one warm-up; the best is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--memory", defaultValue = "2048", description = "Working-memory budget in MiB (default: ${DEFAULT-VALUE}).")
    long memoryMib;

    @Override
    public Integer call() {
        threads.apply();
        Precision precision = Precision.parse(dtype);
        NtkMode ntkMode = NtkMode.parse(mode);
        Architecture arch = Architecture.mlp(in, width, depth, out, Activation.RELU, Parametrization.NTK, 1.0, 0.1);
        Network network = Networks.random(arch, 0, precision);
        SplittableRandom random = new SplittableRandom(1);
        double[] values = new double[in * n];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble() * 2 - 1;
        }
        Matrix x = Matrix.fromColumnMajor(precision, in, n, values);
        NtkMethod auto = new EmpiricalNtk(network, ntkMode, NtkMethod.AUTO, memoryMib << 20).plan(n, n, true).method();

        List<NtkMethod> selected = new ArrayList<>();
        for (String m : methods) {
            if (m.equals("all")) {
                selected.addAll(List.of(NtkMethod.JACOBIAN, NtkMethod.NTVP, NtkMethod.STRUCTURED));
            } else {
                selected.add(NtkMethod.parse(m));
            }
        }
        ObjectMapper json = new ObjectMapper();
        for (NtkMethod method : selected) {
            EmpiricalNtk ntk = new EmpiricalNtk(network, ntkMode, method, memoryMib << 20);
            NtkPlan plan = ntk.plan(n, n, true);
            ntk.compute(x);
            List<Double> times = new ArrayList<>();
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                ntk.compute(x);
                times.add((System.nanoTime() - t0) / 1e9);
            }
            double best = times.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            ObjectNode o = json.createObjectNode();
            o.put("impl", "ntkstream");
            o.put("method", plan.method().cliName());
            o.put("mode", ntkMode.name().toLowerCase());
            o.put("dtype", dtype);
            o.put("shape", arch.shapeString());
            o.put("n", n);
            o.put("seconds", best);
            o.putPOJO("all_seconds", times);
            o.put("gflops", plan.estimatedFlops() / best / 1e9);
            o.put("flops", plan.estimatedFlops());
            o.put("block", plan.blockSize());
            o.put("peak_rss_mib", LinalgRuntime.peakResidentBytes() >> 20);
            o.put("threads", LinalgRuntime.threads());
            o.put("auto_picks", auto.cliName());
            System.out.println(o);
        }
        return 0;
    }
}
