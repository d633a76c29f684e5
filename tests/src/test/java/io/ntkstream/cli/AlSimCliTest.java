package io.ntkstream.cli;

import static io.ntkstream.cli.KernelCliTest.fixture;
import static io.ntkstream.cli.KernelCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.active.AcquisitionKind;
import io.ntkstream.active.LabelingSimulation;
import io.ntkstream.active.LabeledSamples;
import io.ntkstream.active.QueryStrategy;
import io.ntkstream.active.SyntheticData;
import io.ntkstream.cli.KernelCliTest.Result;
import io.ntkstream.data.DType;
import io.ntkstream.data.Npy;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.ntk.NtkMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ntkstream al-sim} end to end on small generated .npy files (2 synthetic Gaussian classes
 * in 3-D, the PyTorch-written fixture mlp_relu_ntk, 3 → 8 → 6 → 2), against the library call it
 * wraps: {@link LabelingSimulation#run} with a kernel built here from the same files.
 */
class AlSimCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int POOL = 60;
    static final int TEST = 40;

    @TempDir
    Path tmp;

    Path arch;
    Path params;
    Path poolX;
    Path poolY;
    Path testX;
    Path testY;
    LabeledSamples pool;
    LabeledSamples test;

    @BeforeEach
    void generate() {
        arch = fixture("mlp_relu_ntk.arch.json");
        params = fixture("mlp_relu_ntk.npz");
        SyntheticData.Spec spec = new SyntheticData.Spec(2, 2, 3, 2.0, 0.6);
        pool = SyntheticData.generate(spec, POOL, 5, 6);
        test = SyntheticData.generate(spec, TEST, 5, 7);
        poolX = tmp.resolve("px.npy");
        poolY = tmp.resolve("py.npy");
        testX = tmp.resolve("tx.npy");
        testY = tmp.resolve("ty.npy");
        Npy.writeMatrix(poolX, pool.x(), DType.FLOAT64);
        Npy.write(poolY, new int[] {POOL}, Arrays.stream(pool.labels()).asDoubleStream().toArray(), DType.INT64);
        Npy.writeMatrix(testX, test.x(), DType.FLOAT64);
        Npy.write(testY, new int[] {TEST}, Arrays.stream(test.labels()).asDoubleStream().toArray(), DType.INT64);
    }

    List<String> args(String strategy, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("al-sim", "--arch", arch.toString(), "--params", params.toString(),
                "--pool-x", poolX.toString(), "--pool-y", poolY.toString(), "--test-x", testX.toString(),
                "--test-y", testY.toString(), "--classes", "2", "--strategy", strategy, "--initial", "6",
                "--budget", "20", "--batch", "5", "--seed", "3", "--ridge", "0.05", "--dtype", "float64",
                "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    Result ok(List<String> args) {
        Result r = run(args.toArray(String[]::new));
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        return r;
    }

    Result fails(List<String> args) {
        Result r = run(args.toArray(String[]::new));
        assertThat(r.code()).as("exit code; stdout: %s", r.out()).isEqualTo(2);
        return r;
    }

    /** The library's rounds for a strategy, on a kernel built here from the same files. */
    List<LabelingSimulation.Round> library(AcquisitionKind kind) {
        Network net = Networks.fromTensors(Architecture.read(arch), CheckpointFiles.read(params), Precision.FLOAT64);
        return LabelingSimulation.run(new EmpiricalNtkKernel(net, NtkMode.PSEUDO),
                RegressorSettings.defaults().withRidge(0.05).withClasses(2), pool, test, QueryStrategy.of(kind, 3),
                new LabelingSimulation.Settings(6, 20, 5, 3));
    }

    static List<String[]> rows(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo("strategy,labeled,accuracy,mse,seconds");
        return lines.subList(1, lines.size()).stream().map(l -> l.split(",")).toList();
    }

    static void assertRowsMatch(List<String[]> rows, List<LabelingSimulation.Round> expected) {
        assertThat(rows).hasSameSizeAs(expected);
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            LabelingSimulation.Round e = expected.get(i);
            assertThat(r).hasSize(5);
            assertThat(r[0]).isEqualTo(e.strategy().cliName());
            assertThat(Integer.parseInt(r[1])).isEqualTo(e.labeled());
            assertThat(r[2]).isEqualTo(String.format(Locale.ROOT, "%.6f", e.accuracy()));
            assertThat(r[3]).isEqualTo(String.format(Locale.ROOT, "%.6f", e.mse()));
            assertThat(Double.parseDouble(r[4])).isGreaterThanOrEqualTo(0.0);
        }
    }

    @Test
    void oneStrategyWritesTheLibrarysLearningCurve() throws IOException {
        Path out = tmp.resolve("curve.csv");
        Result r = ok(args("lookahead", out));
        List<String[]> rows = rows(out);
        assertThat(rows).extracting(row -> Integer.parseInt(row[1])).containsExactly(6, 11, 16, 21, 26);
        assertRowsMatch(rows, library(AcquisitionKind.LOOKAHEAD));
        JsonNode json = JSON.readTree(r.out().strip());
        assertThat(json.get("command").asText()).isEqualTo("al-sim");
        assertThat(json.get("strategies")).hasSize(1);
        assertThat(json.get("strategies").get(0).get("labeled").asInt()).isEqualTo(26);
        assertThat(json.has("plot")).isFalse();
        assertThat(Files.exists(tmp.resolve("curve.png"))).isFalse();
    }

    @Test
    void allStrategiesShareTheSeedAndWriteAPngNextToTheCsv() throws IOException {
        Path out = tmp.resolve("runs").resolve("all.csv");
        Result r = ok(args("all", out));
        List<String[]> rows = rows(out);
        AcquisitionKind[] kinds = AcquisitionKind.values();
        assertThat(rows).hasSize(kinds.length * 5);
        for (int k = 0; k < kinds.length; k++) {
            List<String[]> mine = rows.subList(5 * k, 5 * (k + 1));
            assertThat(mine).extracting(row -> row[0]).containsOnly(kinds[k].cliName());
            assertThat(mine.get(0)[2]).as("same initial labels, same first accuracy").isEqualTo(rows.get(0)[2]);
        }
        assertRowsMatch(rows.subList(25, 30), library(AcquisitionKind.RANDOM)); // random's draws follow --seed
        Path png = tmp.resolve("runs").resolve("all.png");
        assertThat(png).exists();
        byte[] bytes = Files.readAllBytes(png);
        assertThat(Arrays.copyOf(bytes, 8)).containsExactly(0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a);
        assertThat(bytes.length).isGreaterThan(2000);
        assertThat(JSON.readTree(r.out().strip()).get("plot").asText()).isEqualTo(png.toString());
    }

    @Test
    void badStrategyAndWrongShapesGiveClearErrors() throws IOException {
        Path out = tmp.resolve("c.csv");
        assertThat(fails(args("bald", out)).err()).contains("--strategy", "'bald'",
                "lookahead, expected, variance, margin, entropy, random, all");
        assertThat(fails(args("margin", out, "--aggregation", "median")).err()).contains("--aggregation");

        Path wide = tmp.resolve("wide.npy");
        Npy.writeMatrix(wide, new double[POOL][4], DType.FLOAT64);
        assertThat(fails(replace(args("random", out), "--pool-x", wide)).err())
                .contains("--pool-x", "expected shape (N, 3)", "(60, 4)");

        Path shortLabels = tmp.resolve("short.npy");
        Npy.write(shortLabels, new int[] {POOL - 1}, new double[POOL - 1], DType.INT64);
        assertThat(fails(replace(args("random", out), "--pool-y", shortLabels)).err())
                .contains("--pool-y", "expected shape (60,)", "got (59,)");

        Path floats = tmp.resolve("floats.npy");
        Npy.write(floats, new int[] {TEST}, new double[TEST], DType.FLOAT64);
        assertThat(fails(replace(args("random", out), "--test-y", floats)).err())
                .contains("--test-y", "integer labels");

        Path outOfRange = tmp.resolve("range.npy");
        double[] labels = new double[TEST];
        labels[7] = 2;
        Npy.write(outOfRange, new int[] {TEST}, labels, DType.INT64);
        assertThat(fails(replace(args("random", out), "--test-y", outOfRange)).err())
                .contains("--test-y", "label 2 at row 7", "[0, 2)");

        assertThat(fails(replace(args("random", out), "--classes", "3")).err()).contains("--classes", "O = 2");
        assertThat(fails(replace(args("random", out), "--initial", "61")).err()).contains("--initial", "only 60");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void convolutionalNetworksTakeNchwPoolsAndGiveTheSameRunAsFlattenedRows() throws IOException {
        KernelCliTest.Checkpoint checkpoint = KernelCliTest.initCheckpoint(tmp, "cnn",
                "{\"input_shape\": [3, 1, 1], \"parametrization\": \"ntk\", \"layers\": ["
                + "{\"type\": \"conv2d\", \"out\": 16, \"kernel\": 1}, {\"type\": \"relu\"},"
                + "{\"type\": \"flatten\"}, {\"type\": \"dense\", \"out\": 2}]}", 4);
        Path cnn = checkpoint.arch();
        Path cnnParams = checkpoint.params();
        Path poolNchw = tmp.resolve("px4.npy");
        Path testNchw = tmp.resolve("tx4.npy");
        Npy.write(poolNchw, new int[] {POOL, 3, 1, 1}, Arrays.stream(pool.x()).flatMapToDouble(Arrays::stream).toArray(),
                DType.FLOAT64);
        Npy.write(testNchw, new int[] {TEST, 3, 1, 1}, Arrays.stream(test.x()).flatMapToDouble(Arrays::stream).toArray(),
                DType.FLOAT64);
        Path flatOut = tmp.resolve("flat.csv");
        Path nchwOut = tmp.resolve("nchw.csv");
        List<String> flat = replace(replace(args("lookahead", flatOut), "--arch", cnn), "--params", cnnParams);
        ok(flat);
        ok(replace(replace(flat, "--pool-x", poolNchw), "--test-x", testNchw).stream()
                .map(a -> a.equals(flatOut.toString()) ? nchwOut.toString() : a).toList());
        // every column but the wall-clock seconds
        assertThat(Files.readString(nchwOut).replaceAll(",[0-9.]+\\n", "\n"))
                .isEqualTo(Files.readString(flatOut).replaceAll(",[0-9.]+\\n", "\n")).contains("lookahead,26,");
    }

    static List<String> replace(List<String> args, String option, Object value) {
        List<String> a = new ArrayList<>(args);
        a.set(a.indexOf(option) + 1, value.toString());
        return a;
    }
}
