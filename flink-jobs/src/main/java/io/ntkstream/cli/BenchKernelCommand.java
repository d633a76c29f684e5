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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = {
            "Times the empirical NTK of a random relu MLP (NTK parametrization) on random inputs, x2 = x1 "
                + "(--in, --width, --depth, --out, --n), or of your own network and inputs (--arch, --params, --x1).",
            "",
            "Prints one JSON object per method: best seconds of --repeats runs after a warm-up, GFLOP/s by "
                + "that method's FLOP count, peak resident memory, and which method auto picks."})
final class BenchKernelCommand implements Callable<Integer> {

    @Option(names = "--in", description = "MLP: input dimension D.")
    Integer in;

    @Option(names = "--width", description = "MLP: hidden width W.")
    Integer width;

    @Option(names = "--depth", description = "MLP: number of hidden layers L.")
    Integer depth;

    @Option(names = "--out", description = "MLP: outputs O.")
    Integer out;

    @Option(names = "--n", description = "Samples N (kernel N x N); with --x1 the first N of its samples (default: all).")
    Integer n;

    @Option(names = "--arch", description = "Your network: architecture JSON (with --params and --x1).")
    Path arch;

    @Option(names = "--params", description = "Your network's checkpoint: .safetensors or .npz.")
    Path params;

    @Option(names = "--x1", description = "Your inputs: .npy of N samples of the architecture's input shape.")
    Path x1;

    @Spec
    CommandSpec spec;

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
        Network network;
        Matrix x;
        String shape;
        if (arch != null || params != null || x1 != null) {
            if (arch == null || params == null || x1 == null || in != null || width != null || depth != null || out != null) {
                throw new ParameterException(spec.commandLine(),
                        "your own network needs all of --arch, --params and --x1, and none of --in, --width, --depth, --out");
            }
            network = Inputs.network(arch, params, precision);
            Matrix all = Inputs.samples(x1, network.inputDim(), precision, "--x1");
            if (n != null && (n < 1 || n > all.cols())) {
                throw new ParameterException(spec.commandLine(), "--n: expected 1 .. " + all.cols()
                        + " (the samples in --x1), got " + n);
            }
            x = n == null ? all : all.columns(0, n).copy();
            shape = network.architecture().shapeString();
        } else {
            if (in == null || width == null || depth == null || out == null || n == null) {
                throw new ParameterException(spec.commandLine(),
                        "the random MLP needs --in, --width, --depth, --out and --n (or give --arch, --params and --x1)");
            }
            Architecture mlp = Architecture.mlp(in, width, depth, out, Activation.RELU, Parametrization.NTK, 1.0, 0.1);
            network = Networks.random(mlp, 0, precision);
            SplittableRandom random = new SplittableRandom(1);
            double[] values = new double[in * n];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextDouble() * 2 - 1;
            }
            x = Matrix.fromColumnMajor(precision, in, n, values);
            shape = mlp.shapeString();
        }
        int samples = x.cols();
        NtkMethod auto = new EmpiricalNtk(network, ntkMode, NtkMethod.AUTO, memoryMib << 20).plan(samples, samples, true).method();

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
            NtkPlan plan = ntk.plan(samples, samples, true);
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
            o.put("shape", shape);
            o.put("params", network.paramCount());
            o.put("n", samples);
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
