package io.ntkstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import io.ntkstream.infinite.InfiniteKernelKind;
import io.ntkstream.infinite.InfiniteNetworks;
import io.ntkstream.infinite.InfiniteWidthKernel;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code ntkstream} command line end to end, on files. Reference values: the PyTorch fixtures
 * in {@code src/test/resources/fixtures} (copied from ntk-core's; computed with PyTorch 1.13
 * functorch, float64, by Jacobian contraction — see the README there), reduced per mode as the
 * README defines; for {@code infinite}, the library call {@link InfiniteWidthKernel} the command
 * wraps; for {@code init}, the tensor names and shapes of the PyTorch-written checkpoints.
 */
class KernelCliTest {
    private static final String[] MODES = {"full", "trace", "diagonal", "pseudo"};
    private static final String[] METHODS = {"auto", "jacobian", "ntvp", "structured"};
    private static final double TOL = 1e-10;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    // ---------------------------------------------------------------- kernel vs PyTorch

    static Stream<Arguments> kernelCases() {
        List<Arguments> cases = new ArrayList<>();
        String[][] checkpoints = {
            {"mlp_gelu_standard", "mlp_gelu_standard.safetensors"},
            {"mlp_relu_ntk", "mlp_relu_ntk.npz"},
            {"mlp_relu_ntk", "mlp_relu_ntk.compressed.npz"},
        };
        for (String[] c : checkpoints) {
            for (String mode : MODES) {
                for (String method : METHODS) {
                    cases.add(Arguments.of(c[0], c[1], mode, method));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1} --mode {2} --method {3}")
    @MethodSource("kernelCases")
    void kernelMatchesPyTorchFixture(String name, String checkpoint, String mode, String method) throws IOException {
        Path out = tmp.resolve("k.npy");
        Result r = run("kernel", "--arch", fixture(name + ".arch.json").toString(),
                "--params", fixture(checkpoint).toString(),
                "--x1", fixture(name + ".x1.npy").toString(), "--x2", fixture(name + ".x2.npy").toString(),
                "--mode", mode, "--method", method, "--dtype", "float64", "--out", out.toString(), "--quiet");
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        JsonNode summary = JSON.readTree(r.out().strip());
        assertThat(summary.get("command").asText()).isEqualTo("kernel");
        if (!method.equals("auto")) {
            assertThat(summary.get("method").asText()).isEqualTo(method);
        }

        NdArray theta = Npy.read(fixture(name + ".ntk_full.npy")); // PyTorch, (N1, N2, O, O)
        int n1 = theta.shape()[0];
        int n2 = theta.shape()[1];
        int o = theta.shape()[2];
        NdArray k = Npy.read(out);
        int[] expectedShape = switch (mode) {
            case "full" -> new int[] {n1, n2, o, o};
            case "diagonal" -> new int[] {n1, n2, o};
            default -> new int[] {n1, n2};
        };
        assertThat(k.shape()).containsExactly(expectedShape);
        double tol = TOL * maxAbs(theta.values());
        for (int i = 0; i < n1; i++) {
            for (int j = 0; j < n2; j++) {
                switch (mode) {
                    case "full" -> {
                        for (int a = 0; a < o; a++) {
                            for (int b = 0; b < o; b++) {
                                assertThat(k.get(i, j, a, b)).as("full [%d,%d,%d,%d]", i, j, a, b)
                                        .isCloseTo(theta.get(i, j, a, b), Offset.offset(tol));
                            }
                        }
                    }
                    case "diagonal" -> {
                        for (int a = 0; a < o; a++) {
                            assertThat(k.get(i, j, a)).as("diagonal [%d,%d,%d]", i, j, a)
                                    .isCloseTo(theta.get(i, j, a, a), Offset.offset(tol));
                        }
                    }
                    case "trace" -> {
                        double s = 0;
                        for (int a = 0; a < o; a++) {
                            s += theta.get(i, j, a, a);
                        }
                        assertThat(k.get(i, j)).as("trace [%d,%d]", i, j).isCloseTo(s, Offset.offset(tol));
                    }
                    case "pseudo" -> {
                        double s = 0;
                        for (int a = 0; a < o; a++) {
                            for (int b = 0; b < o; b++) {
                                s += theta.get(i, j, a, b);
                            }
                        }
                        assertThat(k.get(i, j)).as("pseudo [%d,%d]", i, j).isCloseTo(s / o, Offset.offset(tol));
                    }
                    default -> throw new IllegalStateException(mode);
                }
            }
        }
    }

    // ---------------------------------------------------------------- init then kernel

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"safetensors", "npz"})
    void initWritesACheckpointThatKernelReads(String format) throws IOException {
        // the relu fixture architecture; its PyTorch-written checkpoint fixes the expected names and shapes
        String name = "mlp_relu_ntk";
        Path ckpt = tmp.resolve("init." + format);
        Result init = run("init", "--arch", fixture(name + ".arch.json").toString(), "--seed", "3",
                "--out", ckpt.toString());
        assertThat(init.code()).as("init exit code; stderr: %s", init.err()).isZero();
        assertThat(init.out()).contains("\"command\":\"init\"");

        Map<String, NamedTensor> written = CheckpointFiles.read(ckpt);
        Map<String, NamedTensor> pytorch = CheckpointFiles.read(fixture(name + ".npz"));
        assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(pytorch.keySet());
        for (String t : pytorch.keySet()) {
            assertThat(written.get(t).shape()).as(t).containsExactly(pytorch.get(t).shape());
        }

        for (String method : METHODS) {
            Path out = tmp.resolve("sym-" + method + ".npy");
            Result r = run("kernel", "--arch", fixture(name + ".arch.json").toString(), "--params", ckpt.toString(),
                    "--x1", fixture(name + ".x1.npy").toString(), "--mode", "full", "--method", method,
                    "--dtype", "float64", "--out", out.toString(), "--quiet");
            assertThat(r.code()).as("kernel exit code; stderr: %s", r.err()).isZero();
            NdArray k = Npy.read(out);
            int n = Npy.read(fixture(name + ".x1.npy")).shape()[0];
            int o = 2;
            assertThat(k.shape()).containsExactly(n, n, o, o);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    for (int a = 0; a < o; a++) {
                        for (int b = 0; b < o; b++) {
                            // Θ(x_i, x_j)[a, b] = Θ(x_j, x_i)[b, a] bit for bit
                            assertThat(Double.doubleToLongBits(k.get(i, j, a, b)))
                                    .as("%s: Θ[%d,%d,%d,%d] = %s vs Θ[%d,%d,%d,%d] = %s", method, i, j, a, b,
                                            k.get(i, j, a, b), j, i, b, a, k.get(j, i, b, a))
                                    .isEqualTo(Double.doubleToLongBits(k.get(j, i, b, a)));
                        }
                    }
                    if (i == j) {
                        assertThat(k.get(i, i, 0, 0)).as("squared norm of a Jacobian row").isPositive();
                    }
                }
            }
        }
    }

    @Test
    void convolutionalNetworksTakeNchwSamplesAsTheFlattenedRows() throws IOException {
        Checkpoint cnn = initCheckpoint(tmp, "cnn", "{\"input_shape\": [2, 5, 5], \"parametrization\": \"ntk\", \"layers\": ["
                + "{\"type\": \"conv2d\", \"out\": 3, \"kernel\": 3, \"padding\": 1}, {\"type\": \"relu\"},"
                + "{\"type\": \"global_avg_pool\"}, {\"type\": \"flatten\"}, {\"type\": \"dense\", \"out\": 2}]}", 5);
        Path arch = cnn.arch();
        Path params = cnn.params();
        double[] x = new java.util.Random(9).doubles(4 * 2 * 5 * 5, -1, 1).toArray();
        Path nchw = tmp.resolve("x-nchw.npy");
        Path flat = tmp.resolve("x-flat.npy");
        Npy.write(nchw, new int[] {4, 2, 5, 5}, x, io.ntkstream.data.DType.FLOAT64);
        Npy.write(flat, new int[] {4, 50}, x, io.ntkstream.data.DType.FLOAT64);
        double[][] kernels = new double[2][];
        int i = 0;
        for (Path in : List.of(nchw, flat)) {
            Path out = tmp.resolve("k-" + i + ".npy");
            Result r = run("kernel", "--arch", arch.toString(), "--params", params.toString(), "--x1", in.toString(),
                    "--mode", "trace", "--dtype", "float64", "--out", out.toString(), "--quiet");
            assertThat(r.code()).as("kernel on %s; stderr: %s", in, r.err()).isZero();
            NdArray k = Npy.read(out);
            assertThat(k.shape()).containsExactly(4, 4);
            kernels[i++] = k.values();
        }
        assertThat(kernels[0]).containsExactly(kernels[1]);
        // the right count of values in the wrong layout is still a mistake the message explains
        Path wrong = tmp.resolve("x-wrong.npy");
        Npy.write(wrong, new int[] {4, 2, 5, 6}, new double[4 * 60], io.ntkstream.data.DType.FLOAT64);
        Result r = run("kernel", "--arch", arch.toString(), "--params", params.toString(), "--x1", wrong.toString(),
                "--dtype", "float64", "--out", tmp.resolve("k-wrong.npy").toString(), "--quiet");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--x1").contains("expected 50 features per sample").contains("[4, 2, 5, 6]");
    }

    /** bench kernel on the user's own network and inputs: one JSON line per method, the first --n samples. */
    @Test
    void benchKernelTimesYourOwnNetwork() throws IOException {
        Checkpoint cnn = initCheckpoint(tmp, "bench-cnn", "{\"input_shape\": [2, 5, 5], \"parametrization\": \"ntk\", \"layers\": ["
                + "{\"type\": \"conv2d\", \"out\": 3, \"kernel\": 3, \"padding\": 1}, {\"type\": \"relu\"},"
                + "{\"type\": \"flatten\"}, {\"type\": \"dense\", \"out\": 2}]}", 5);
        Path arch = cnn.arch();
        Path params = cnn.params();
        Path x = tmp.resolve("bench-x.npy");
        Npy.write(x, new int[] {6, 2, 5, 5}, new java.util.Random(3).doubles(6 * 50, -1, 1).toArray(),
                io.ntkstream.data.DType.FLOAT32);
        Result r = run("bench", "kernel", "--arch", arch.toString(), "--params", params.toString(), "--x1", x.toString(),
                "--n", "4", "--method", "structured,jacobian", "--repeats", "1", "--threads", "1");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            com.fasterxml.jackson.databind.JsonNode o = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            assertThat(o.get("n").asInt()).isEqualTo(4);
            assertThat(o.get("params").asInt()).isEqualTo(3 * 2 * 9 + 3 + 2 * 75 + 2);
            assertThat(o.get("seconds").asDouble()).isPositive();
            assertThat(o.get("shape").asText()).contains("conv2d:3");
        }
        Result mixed = run("bench", "kernel", "--arch", arch.toString(), "--params", params.toString(), "--x1", x.toString(),
                "--width", "8");
        assertThat(mixed.code()).isEqualTo(2);
        assertThat(mixed.err()).contains("--arch, --params and --x1").contains("none of --in, --width");
        Result tooMany = run("bench", "kernel", "--arch", arch.toString(), "--params", params.toString(), "--x1", x.toString(),
                "--n", "7");
        assertThat(tooMany.code()).isEqualTo(2);
        assertThat(tooMany.err()).contains("--n: expected 1 .. 6").contains("got 7");
    }

    // ---------------------------------------------------------------- infinite

    @Test
    void infiniteWritesTheClosedFormKernel() throws IOException {
        String name = "mlp_relu_ntk";
        Architecture arch = Architecture.read(fixture(name + ".arch.json"));
        double[][] x1 = Npy.readMatrix(fixture(name + ".x1.npy"));
        double[][] x2 = Npy.readMatrix(fixture(name + ".x2.npy"));

        Path sym = tmp.resolve("ntk.npy");
        Result r = run("infinite", "--arch", fixture(name + ".arch.json").toString(),
                "--x1", fixture(name + ".x1.npy").toString(), "--out", sym.toString());
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        NdArray k = Npy.read(sym);
        assertThat(k.shape()).containsExactly(x1.length, x1.length);
        double[][] expected = InfiniteWidthKernel.compute(InfiniteNetworks.of(arch), x1, null, InfiniteKernelKind.NTK);
        assertThat(k.toMatrix()).isDeepEqualTo(expected);

        Path cross = tmp.resolve("nngp.npy");
        r = run("infinite", "--arch", fixture(name + ".arch.json").toString(),
                "--x1", fixture(name + ".x1.npy").toString(), "--x2", fixture(name + ".x2.npy").toString(),
                "--kernel", "nngp", "--out", cross.toString());
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        k = Npy.read(cross);
        assertThat(k.shape()).containsExactly(x1.length, x2.length);
        assertThat(k.toMatrix()).isDeepEqualTo(
                InfiniteWidthKernel.compute(InfiniteNetworks.of(arch), x1, x2, InfiniteKernelKind.NNGP));
    }

    @Test
    void infiniteTakesConvolutionalNetworksAndNchwSamples() throws IOException {
        Path arch = tmp.resolve("cntk.arch.json");
        Files.writeString(arch, "{\"input_shape\": [2, 5, 5], \"parametrization\": \"ntk\", \"sigma_w\": 1.4, "
                + "\"sigma_b\": 0.1, \"layers\": [{\"type\": \"conv2d\", \"out\": 3, \"kernel\": 3, \"padding\": 1},"
                + "{\"type\": \"relu\"}, {\"type\": \"avg_pool\", \"kernel\": 2}, {\"type\": \"conv2d\", \"out\": 3, "
                + "\"kernel\": 2}, {\"type\": \"erf\"}, {\"type\": \"global_avg_pool\"}, {\"type\": \"flatten\"}, "
                + "{\"type\": \"dense\", \"out\": 2}]}");
        double[] x = new java.util.Random(11).doubles(4 * 50, -1, 1).toArray();
        Path nchw = tmp.resolve("x-nchw.npy");
        Npy.write(nchw, new int[] {4, 2, 5, 5}, x, io.ntkstream.data.DType.FLOAT64);
        Path out = tmp.resolve("cntk.npy");
        Result r = run("infinite", "--arch", arch.toString(), "--x1", nchw.toString(), "--out", out.toString());
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        NdArray k = Npy.read(out);
        assertThat(k.shape()).containsExactly(4, 4);
        double[][] rows = new double[4][50];
        for (int n = 0; n < 4; n++) {
            System.arraycopy(x, n * 50, rows[n], 0, 50);
        }
        assertThat(k.toMatrix()).isDeepEqualTo(
                InfiniteNetworks.kernel(Architecture.read(arch)).compute(rows, null, InfiniteKernelKind.NTK));

        Path maxPool = tmp.resolve("maxpool.arch.json");
        Files.writeString(maxPool, "{\"input_shape\": [2, 5, 5], \"parametrization\": \"ntk\", \"layers\": ["
                + "{\"type\": \"conv2d\", \"out\": 3, \"kernel\": 3}, {\"type\": \"relu\"}, "
                + "{\"type\": \"max_pool\", \"kernel\": 3}, {\"type\": \"flatten\"}, {\"type\": \"dense\", \"out\": 1}]}");
        r = run("infinite", "--arch", maxPool.toString(), "--x1", nchw.toString(), "--out", tmp.resolve("m.npy").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("layers[2] (max_pool)").contains("max pooling has no closed-form");
    }

    // ---------------------------------------------------------------- errors

    @Test
    void wrongInputDimensionIsABadInput() {
        // the gelu fixture's inputs have 4 features; the relu architecture takes 3
        Path out = tmp.resolve("k.npy");
        Result r = run("kernel", "--arch", fixture("mlp_relu_ntk.arch.json").toString(),
                "--params", fixture("mlp_relu_ntk.npz").toString(),
                "--x1", fixture("mlp_gelu_standard.x1.npy").toString(), "--dtype", "float64",
                "--out", out.toString(), "--quiet");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--x1").contains("mlp_gelu_standard.x1.npy").contains("expected 3 features")
                .contains("[4, 4]");
        assertThat(out).doesNotExist();
    }

    @Test
    void missingParamsFileIsABadInput() {
        Path missing = tmp.resolve("no-such-model.safetensors");
        Path out = tmp.resolve("k.npy");
        Result r = run("kernel", "--arch", fixture("mlp_relu_ntk.arch.json").toString(),
                "--params", missing.toString(), "--x1", fixture("mlp_relu_ntk.x1.npy").toString(),
                "--out", out.toString(), "--quiet");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no-such-model.safetensors").containsIgnoringCase("not found");
        assertThat(out).doesNotExist();
    }

    @Test
    void unknownModeIsABadInput() {
        Path out = tmp.resolve("k.npy");
        Result r = run("kernel", "--arch", fixture("mlp_relu_ntk.arch.json").toString(),
                "--params", fixture("mlp_relu_ntk.npz").toString(), "--x1", fixture("mlp_relu_ntk.x1.npy").toString(),
                "--mode", "blockdiag", "--out", out.toString(), "--quiet");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("mode").contains("blockdiag").contains("full").contains("trace")
                .contains("diagonal").contains("pseudo");
        assertThat(out).doesNotExist();
    }

    @Test
    void checkpointOfAnotherArchitectureIsABadInput() {
        // the gelu checkpoint's first layer is 7x4; the relu architecture wants 8x3
        Path out = tmp.resolve("k.npy");
        Result r = run("kernel", "--arch", fixture("mlp_relu_ntk.arch.json").toString(),
                "--params", fixture("mlp_gelu_standard.safetensors").toString(),
                "--x1", fixture("mlp_relu_ntk.x1.npy").toString(), "--out", out.toString(), "--quiet");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("mlp_gelu_standard.safetensors").contains("0.weight").contains("[7, 4]")
                .contains("[8, 3]");
        assertThat(out).doesNotExist();
    }

    @Test
    void infiniteOfAStandardParametrizationIsABadInput() {
        Path out = tmp.resolve("k.npy");
        Result r = run("infinite", "--arch", fixture("mlp_gelu_standard.arch.json").toString(),
                "--x1", fixture("mlp_gelu_standard.x1.npy").toString(), "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("parametrization");
        assertThat(out).doesNotExist();
    }

    // ---------------------------------------------------------------- help

    /** Every command path, from picocli's own model of the CLI: "", "kernel", "bench kernel", ... */
    static Stream<Arguments> commands() {
        List<Arguments> paths = new ArrayList<>();
        collect(new CommandLine(new NtkStreamCli()), new ArrayList<>(), paths);
        return paths.stream();
    }

    private static void collect(CommandLine cmd, List<String> path, List<Arguments> out) {
        out.add(Arguments.of(String.join(" ", path), cmd));
        for (Map.Entry<String, CommandLine> sub : cmd.getSubcommands().entrySet()) {
            if (!sub.getValue().getCommandName().equals(sub.getKey())) {
                continue; // an alias
            }
            List<String> p = new ArrayList<>(path);
            p.add(sub.getKey());
            collect(sub.getValue(), p, out);
        }
    }

    @ParameterizedTest(name = "ntkstream {0} --help")
    @MethodSource("commands")
    void helpWorksForEveryCommand(String path, CommandLine model) {
        List<String> args = new ArrayList<>(path.isEmpty() ? List.of() : List.of(path.split(" ")));
        args.add("--help");
        Result r = run(args.toArray(String[]::new));
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        assertThat(r.out()).as("usage of '%s'", path).contains("Usage:");
        for (OptionSpec option : model.getCommandSpec().options()) {
            if (!option.hidden()) {
                assertThat(r.out()).as("help of '%s' names %s", path, option.longestName())
                        .contains(option.longestName());
            }
        }
        for (String sub : model.getSubcommands().keySet()) {
            assertThat(r.out()).as("help of '%s' lists subcommand %s", path, sub).contains(sub);
        }
    }

    @Test
    void kernelHelpNamesItsOptions() {
        Result r = run("kernel", "--help");
        assertThat(r.code()).isZero();
        for (String opt : new String[] {"--arch", "--params", "--x1", "--x2", "--mode", "--method", "--dtype",
            "--memory", "--out", "--quiet"}) {
            assertThat(r.out()).contains(opt);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** An architecture written to {@code dir/name.arch.json} and a random checkpoint for it from {@code init}. */
    record Checkpoint(Path arch, Path params) {
    }

    static Checkpoint initCheckpoint(Path dir, String name, String archJson, long seed) throws IOException {
        Path arch = dir.resolve(name + ".arch.json");
        Files.writeString(arch, archJson);
        Path params = dir.resolve(name + ".safetensors");
        Result init = run("init", "--arch", arch.toString(), "--seed", Long.toString(seed), "--out", params.toString());
        assertThat(init.code()).as("init %s; stderr: %s", name, init.err()).isZero();
        return new Checkpoint(arch, params);
    }

    /** Runs the CLI with System.out/err captured (set before the CommandLine is built, restored after). */
    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            code = NtkStreamCli.run(args);
            o.flush();
            e.flush();
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static Path fixture(String file) {
        try {
            var url = KernelCliTest.class.getResource("/fixtures/" + file);
            if (url == null) {
                throw new IllegalStateException("missing test resource fixtures/" + file);
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
