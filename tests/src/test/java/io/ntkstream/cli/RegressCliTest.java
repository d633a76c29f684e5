package io.ntkstream.cli;

import static io.ntkstream.cli.KernelCliTest.fixture;
import static io.ntkstream.cli.KernelCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.cli.KernelCliTest.Result;
import io.ntkstream.data.DType;
import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import io.ntkstream.kernel.ClassTargets;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FullGaussian;
import io.ntkstream.kernel.FullKernelState;
import io.ntkstream.kernel.FullNtkKernel;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.Prediction;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.kernel.TrainingTime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.ntk.NtkMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ntkstream regress} end to end on a small generated problem (the PyTorch-written
 * checkpoint fixture mlp_relu_ntk, 3 → 8 → 6 → 2), against the library it wraps: an
 * {@link NtkRegressor} built here from the same files and fed one sample at a time (the command
 * learns in batches), predicting sample by sample.
 */
class RegressCliTest {
    static final int N = 25;
    static final int M = 6;
    static final double TOL = 1e-9;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    Path arch;
    Path params;
    Path trainX;
    Path trainY;
    Path trainLabels;
    Path testX;
    double[][] xs;
    double[][] ys;
    long[] labels;
    double[][] tests;

    @BeforeEach
    void generate() {
        arch = fixture("mlp_relu_ntk.arch.json");
        params = fixture("mlp_relu_ntk.npz");
        SplittableRandom r = new SplittableRandom(42);
        xs = new double[N][3];
        ys = new double[N][2];
        labels = new long[N];
        for (int i = 0; i < N; i++) {
            for (int d = 0; d < 3; d++) {
                xs[i][d] = 2 * r.nextDouble() - 1;
            }
            ys[i][0] = Math.sin(3 * xs[i][0]);
            ys[i][1] = xs[i][1] * xs[i][2];
            labels[i] = xs[i][0] + xs[i][1] > 0 ? 1 : 0;
        }
        tests = new double[M][3];
        for (int i = 0; i < M; i++) {
            for (int d = 0; d < 3; d++) {
                tests[i][d] = 2 * r.nextDouble() - 1;
            }
        }
        trainX = tmp.resolve("x.npy");
        trainY = tmp.resolve("y.npy");
        trainLabels = tmp.resolve("labels.npy");
        testX = tmp.resolve("t.npy");
        Npy.writeMatrix(trainX, xs, DType.FLOAT64);
        Npy.writeMatrix(trainY, ys, DType.FLOAT64);
        Npy.write(trainLabels, new int[] {N}, java.util.Arrays.stream(labels).asDoubleStream().toArray(), DType.INT64);
        Npy.writeMatrix(testX, tests, DType.FLOAT64);
    }

    /** The library's predictions, learned one sample at a time. */
    List<Prediction> library(NtkMode mode, RegressorSettings settings) {
        return library(arch, params, xs, tests, mode, settings);
    }

    List<Prediction> library(Path arch, Path params, double[][] xs, double[][] tests, NtkMode mode,
                             RegressorSettings settings) {
        Network net = Networks.fromTensors(Architecture.read(arch), CheckpointFiles.read(params), Precision.FLOAT64);
        try (NtkRegressor learner = new NtkRegressor(new EmpiricalNtkKernel(net, mode), settings)) {
            for (int i = 0; i < N; i++) {
                if (settings.isClassification()) {
                    learner.learnOne("s" + i, xs[i], (int) labels[i]);
                } else {
                    learner.learnOne("s" + i, xs[i], ys[i]);
                }
            }
            List<Prediction> out = new ArrayList<>();
            for (double[] t : tests) {
                out.add(learner.predictOne(t));
            }
            return out;
        }
    }

    List<String> base(String... extra) {
        List<String> args = new ArrayList<>(List.of("regress", "--arch", arch.toString(), "--params", params.toString(),
                "--train-x", trainX.toString(), "--train-y", trainY.toString(), "--test-x", testX.toString(),
                "--dtype", "float64"));
        args.addAll(List.of(extra));
        return args;
    }

    Result ok(List<String> args) {
        Result r = run(args.toArray(String[]::new));
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        return r;
    }

    static void assertMatches(NdArray mu, NdArray var, List<Prediction> expected) {
        assertThat(mu.shape()).containsExactly(M, 2);
        for (int i = 0; i < M; i++) {
            for (int o = 0; o < 2; o++) {
                assertThat(mu.get(i, o)).as("μ[%d][%d]", i, o)
                        .isCloseTo(expected.get(i).mean()[o], Offset.offset(TOL * Math.max(1, Math.abs(expected.get(i).mean()[o]))));
            }
            if (var != null) {
                assertThat(var.get(i)).as("σ²[%d]", i).isCloseTo(expected.get(i).variance(), Offset.offset(TOL));
            }
        }
    }

    /** A CNN with a residual block from safetensors, samples as N x C x H x W .npy files. */
    @Test
    void convolutionalNetworkWithAResidualBlockTakesNchwSamples() throws IOException {
        KernelCliTest.Checkpoint checkpoint = KernelCliTest.initCheckpoint(tmp, "cnn",
                "{\"input_shape\": [2, 4, 4], \"parametrization\": \"ntk\", \"layers\": ["
                + "{\"type\": \"conv2d\", \"out\": 3, \"kernel\": 3, \"padding\": 1}, {\"type\": \"relu\"},"
                + "{\"type\": \"residual\", \"layers\": [{\"type\": \"conv2d\", \"out\": 3, \"kernel\": 3, \"padding\": 1},"
                + " {\"type\": \"relu\"}, {\"type\": \"conv2d\", \"out\": 3, \"kernel\": 3, \"padding\": 1}]},"
                + "{\"type\": \"relu\"}, {\"type\": \"global_avg_pool\"}, {\"type\": \"flatten\"}, {\"type\": \"dense\", \"out\": 2}]}", 8);
        Path cnn = checkpoint.arch();
        Path cnnParams = checkpoint.params();
        SplittableRandom r = new SplittableRandom(5);
        double[][] images = new double[N][32];
        double[][] testImages = new double[M][32];
        for (double[][] set : new double[][][] {images, testImages}) {
            for (double[] image : set) {
                for (int i = 0; i < image.length; i++) {
                    image[i] = 2 * r.nextDouble() - 1;
                }
            }
        }
        Path x = tmp.resolve("images.npy");
        Path t = tmp.resolve("test-images.npy");
        Npy.write(x, new int[] {N, 2, 4, 4}, java.util.Arrays.stream(images).flatMapToDouble(java.util.Arrays::stream).toArray(),
                DType.FLOAT64);
        Npy.write(t, new int[] {M, 2, 4, 4}, java.util.Arrays.stream(testImages).flatMapToDouble(java.util.Arrays::stream).toArray(),
                DType.FLOAT64);
        Path mu = tmp.resolve("cnn-mu.npy");
        Path var = tmp.resolve("cnn-var.npy");
        ok(List.of("regress", "--arch", cnn.toString(), "--params", cnnParams.toString(), "--train-x", x.toString(),
                "--train-y", trainY.toString(), "--test-x", t.toString(), "--dtype", "float64", "--ridge", "0.01",
                "--out", mu.toString(), "--variance", var.toString()));
        assertMatches(Npy.read(mu), Npy.read(var), library(cnn, cnnParams, images, testImages, NtkMode.PSEUDO,
                RegressorSettings.defaults().withRidge(0.01)));
    }

    @Test
    void regressionAtInfiniteTimeWithVarianceMatchesTheLibrary() throws IOException {
        Path mu = tmp.resolve("mu.npy");
        Path var = tmp.resolve("var.npy");
        Result r = ok(base("--ridge", "0.01", "--out", mu.toString(), "--variance", var.toString()));
        JsonNode json = JSON.readTree(r.out().strip());
        assertThat(json.get("command").asText()).isEqualTo("regress");
        assertThat(json.get("mode").asText()).isEqualTo("pseudo");
        assertThat(json.get("n_train").asInt()).isEqualTo(N);
        assertThat(json.get("n_test").asInt()).isEqualTo(M);
        assertThat(json.get("t").asText()).isEqualTo("inf");
        assertThat(json.get("jittered_samples").asInt()).isZero();
        NdArray v = Npy.read(var);
        assertThat(v.shape()).containsExactly(M);
        assertMatches(Npy.read(mu), v, library(NtkMode.PSEUDO, RegressorSettings.defaults().withRidge(0.01)));
    }

    @Test
    void defaultFloat32NetworkPassesAgreeWithFloat64ToSinglePrecision() {
        Path mu32 = tmp.resolve("mu32.npy");
        Path mu64 = tmp.resolve("mu64.npy");
        List<String> args = base("--ridge", "0.1", "--out", mu32.toString());
        int at = args.indexOf("--dtype");
        args.remove(at);
        args.remove(at);
        ok(args);
        ok(base("--ridge", "0.1", "--out", mu64.toString()));
        double[] a = Npy.read(mu32).values();
        double[] b = Npy.read(mu64).values();
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).isCloseTo(b[i], Offset.offset(1e-4 * Math.max(1, Math.abs(b[i]))));
        }
    }

    @Test
    void finiteTimeTraceModeMatchesTheLibrary() {
        Path mu = tmp.resolve("mu.npy");
        ok(base("--mode", "trace", "--t", "20", "--lr", "0.5", "--ridge", "0", "--out", mu.toString()));
        assertMatches(Npy.read(mu), null, library(NtkMode.TRACE,
                RegressorSettings.defaults().withRidge(0).withTime(TrainingTime.of(20, 0.5))));
    }

    /** The library's full-NTK posterior, learned one sample at a time, predicted sample by sample. */
    List<FullGaussian> libraryFull(double ridge, TrainingTime time, boolean classification) {
        Network net = Networks.fromTensors(Architecture.read(arch), CheckpointFiles.read(params), Precision.FLOAT64);
        try (FullKernelState state = new FullKernelState(new FullNtkKernel(net), ridge)) {
            for (int i = 0; i < N; i++) {
                state.add("s" + i, xs[i], classification ? ClassTargets.encode(labels[i], 2) : ys[i]);
            }
            List<FullGaussian> out = new ArrayList<>();
            for (double[] t : tests) {
                try (Matrix x = Matrix.fromColumnMajor(Precision.FLOAT64, 3, 1, t.clone())) {
                    out.add(state.predict(x, time, true));
                }
            }
            return out;
        }
    }

    static void assertMatchesFull(NdArray mu, NdArray var, List<FullGaussian> expected) {
        assertThat(mu.shape()).containsExactly(M, 2);
        for (int i = 0; i < M; i++) {
            for (int o = 0; o < 2; o++) {
                double e = expected.get(i).mean()[0][o];
                assertThat(mu.get(i, o)).as("μ[%d][%d]", i, o).isCloseTo(e, Offset.offset(TOL * Math.max(1, Math.abs(e))));
                if (var != null) {
                    assertThat(var.get(i, o)).as("σ²[%d][%d]", i, o)
                            .isCloseTo(expected.get(i).variance()[0][o], Offset.offset(TOL));
                }
            }
        }
    }

    @Test
    void fullModeWritesThePerOutputPosteriorOfTheLibrary() throws IOException {
        Path mu = tmp.resolve("mu.npy");
        Path var = tmp.resolve("var.npy");
        Result r = ok(base("--mode", "full", "--ridge", "0.01", "--out", mu.toString(), "--variance", var.toString()));
        JsonNode json = JSON.readTree(r.out().strip());
        assertThat(json.get("mode").asText()).isEqualTo("full");
        assertThat(json.get("variance_shape").asText()).isEqualTo("(6, 2)");
        NdArray v = Npy.read(var);
        assertThat(v.shape()).containsExactly(M, 2);
        assertMatchesFull(Npy.read(mu), v, libraryFull(0.01, TrainingTime.INFINITE, false));

        // finite time: μ_t of the nO x nO flow at rate ηt/n
        Path muT = tmp.resolve("mu-t.npy");
        ok(base("--mode", "full", "--t", "20", "--lr", "0.5", "--ridge", "0", "--out", muT.toString()));
        assertMatchesFull(Npy.read(muT), null, libraryFull(0, TrainingTime.of(20, 0.5), false));

        // the 2 outputs of this network couple: full is not the trace regression
        Path muTrace = tmp.resolve("mu-trace.npy");
        ok(base("--mode", "trace", "--ridge", "0.01", "--out", muTrace.toString()));
        double[] a = Npy.read(mu).values();
        double[] b = Npy.read(muTrace).values();
        double gap = 0;
        for (int i = 0; i < a.length; i++) {
            gap = Math.max(gap, Math.abs(a[i] - b[i]));
        }
        assertThat(gap).isGreaterThan(1e-6);
    }

    @Test
    void fullModeClassifies() {
        Path mu = tmp.resolve("mu.npy");
        Path pred = tmp.resolve("pred.npy");
        ok(List.of("regress", "--arch", arch.toString(), "--params", params.toString(), "--train-x", trainX.toString(),
                "--train-y", trainLabels.toString(), "--test-x", testX.toString(), "--dtype", "float64",
                "--mode", "full", "--classes", "2", "--out", mu.toString(), "--pred-labels", pred.toString()));
        List<FullGaussian> expected = libraryFull(RegressorSettings.DEFAULT_RIDGE, TrainingTime.INFINITE, true);
        assertMatchesFull(Npy.read(mu), null, expected);
        long[] predicted = Npy.readLabels(pred);
        for (int i = 0; i < M; i++) {
            double[] mean = expected.get(i).mean()[0];
            assertThat(predicted[i]).isEqualTo(mean[1] > mean[0] ? 1 : 0);
        }
    }

    @Test
    void classificationWritesMeansAndLabels() throws IOException {
        Path mu = tmp.resolve("mu.npy");
        Path pred = tmp.resolve("pred.npy");
        Result r = ok(List.of("regress", "--arch", arch.toString(), "--params", params.toString(),
                "--train-x", trainX.toString(), "--train-y", trainLabels.toString(), "--test-x", testX.toString(),
                "--dtype", "float64", "--classes", "2", "--out", mu.toString(), "--pred-labels", pred.toString()));
        assertThat(JSON.readTree(r.out().strip()).get("classes").asInt()).isEqualTo(2);
        List<Prediction> expected = library(NtkMode.PSEUDO, RegressorSettings.defaults().withClasses(2));
        assertMatches(Npy.read(mu), null, expected);
        long[] predicted = Npy.readLabels(pred);
        for (int i = 0; i < M; i++) {
            assertThat(predicted[i]).isEqualTo(expected.get(i).label());
        }
    }

    @Test
    void badInputsAreRejectedNamingTheOptionAndShape() {
        Path mu = tmp.resolve("mu.npy");
        Path shortY = tmp.resolve("short.npy");
        Npy.writeMatrix(shortY, java.util.Arrays.copyOf(ys, N - 1), DType.FLOAT64);
        Path oneColumn = tmp.resolve("onecol.npy");
        Npy.write(oneColumn, new int[] {N, 1}, new double[N], DType.FLOAT64);
        Path badLabels = tmp.resolve("bad-labels.npy");
        Npy.write(badLabels, new int[] {N}, new double[N], DType.INT64);
        double[] outOfRange = new double[N];
        outOfRange[3] = 2;
        Path rangeLabels = tmp.resolve("range-labels.npy");
        Npy.write(rangeLabels, new int[] {N}, outOfRange, DType.INT64);

        String[][] cases = {
            {"--train-y", shortY.toString(), "expected shape (25, 2)"},
            {"--train-y", oneColumn.toString(), "got (25, 1)"},
            {"--train-y", badLabels.toString(), "integer class labels need --classes"},
            {"--classes", "3", "--classes must be 2"},
            {"--mode", "diagonal", "--mode: expected pseudo, trace or full"},
            {"--lr", "0.1", "--lr: only meaningful with --t"},
            {"--t", "-1", "--t: expected a training time >= 0"},
            {"--ridge", "-0.5", "--ridge: expected a finite number >= 0"},
            {"--test-x", trainY.toString(), "--test-x"},
        };
        for (String[] c : cases) {
            List<String> args = base("--out", mu.toString());
            for (int k = 0; k + 1 < c.length; k += 2) {
                int at = args.indexOf(c[k]);
                if (at >= 0) {
                    args.set(at + 1, c[k + 1]);
                } else {
                    args.addAll(List.of(c[k], c[k + 1]));
                }
            }
            Result r = run(args.toArray(String[]::new));
            assertThat(r.code()).as("exit code for %s", List.of(c)).isEqualTo(2);
            assertThat(r.err()).as("stderr for %s", List.of(c)).contains(c[c.length - 1]);
        }
        List<String> labelArgs = base("--classes", "2", "--out", mu.toString());
        labelArgs.set(labelArgs.indexOf("--train-y") + 1, rangeLabels.toString());
        Result r = run(labelArgs.toArray(String[]::new));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--train-y").contains("label 2 at row 3").contains("[0, 2)");
    }
}
