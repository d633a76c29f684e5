package io.ntkstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.data.DType;
import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import io.ntkstream.kernel.ClassTargets;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FullGaussian;
import io.ntkstream.kernel.FullKernelState;
import io.ntkstream.kernel.FullNtkKernel;
import io.ntkstream.kernel.IncrementalCholesky;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.Prediction;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.kernel.TrainingTime;
import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Network;
import io.ntkstream.ntk.NtkMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "regress", mixinStandardHelpOptions = true,
        description = {
            "NTK regression: what the checkpoint would predict on --test-x after fine-tuning on (--train-x, --train-y),",
            "in closed form (the linearized network), with no gradient step.",
            "",
            "Loss (1/2n)·Σ‖f(x_i) − y_i‖², gradient flow at learning rate η for time t; k is the scalar kernel",
            "(pseudo: the pseudo-NTK; trace: trace(Θ)/O), the O outputs share it (Θ ≈ k ⊗ I_O):",
            "  t = ∞ (default): μ(x) = f0(x) + k(x,X)(K + λI)⁻¹(Y − f0(X))",
            "  --t T --lr η:    μ_t(x) = f0(x) + k(x,X)K⁻¹(I − exp(−ηtK/n))(Y − f0(X))",
            "  --variance:      σ²(x) = k(x,x) − k(x,X)(K + λI)⁻¹k(X,x), shape (m,)",
            "--mode full uses the full NTK Θ (an O x O block per pair, outputs coupled): K is nO x nO, Y − f0(X)",
            "is stacked sample by sample into an nO vector, the rate is still ηt/n, and --variance holds per output",
            "σ²_o(x) = Θ(x,x)[o,o] − Θ_o(x,X)(K + λI)⁻¹Θ_o(X,x), shape (m, O) (the diagonal of the O x O posterior",
            "covariance; its row mean is the trace/O comparable with the scalar modes).",
            "With --classes C, --train-y holds class indices (int, shape (n,)), learned as one-hot targets minus 1/C;",
            "--out still holds μ, --pred-labels the arg-max of softmax(μ).",
            "Prints one JSON line on stdout."})
final class RegressCommand implements Callable<Integer> {
    /** Samples per network pass (bounds the within-batch Gram and the test kernel rows held at once). */
    private static final int CHUNK = 256;

    @Mixin
    NetworkOptions model;

    @Option(names = "--train-x", required = true, description = "Training inputs, .npy of shape (n, input_dim).")
    Path trainX;

    @Option(names = "--train-y", required = true,
            description = "Training targets: float .npy (n, O) (or (n,) when O = 1); with --classes int .npy (n,).")
    Path trainY;

    @Option(names = "--test-x", required = true, description = "Test inputs, .npy of shape (m, input_dim).")
    Path testX;

    @Option(names = "--mode", defaultValue = "pseudo",
            description = "pseudo | trace | full (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--ridge", defaultValue = "1e-3", description = "Ridge λ >= 0 (default: ${DEFAULT-VALUE}).")
    double ridge;

    @Option(names = "--t", description = "Training time t >= 0 (default: ∞, the converged ridge solution).")
    Double time;

    @Option(names = "--lr", description = "Learning rate η > 0 of the gradient flow (with --t; default 1).")
    Double lr;

    @Option(names = "--classes", description = "Number of classes C (= the network's outputs O) for classification.")
    Integer classes;

    @Option(names = "--dtype", defaultValue = "float32",
            description = "Precision of the network passes: float32 | float64 (default: ${DEFAULT-VALUE}). The regression is float64.")
    String dtype;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--out", required = true, description = "Output .npy: the predicted means μ, float64 (m, O).")
    Path out;

    @Option(names = "--variance",
            description = "Output .npy: the posterior variance σ², float64 (m,); with --mode full per output (m, O).")
    Path variance;

    @Option(names = "--pred-labels", description = "Output .npy (with --classes): predicted class indices, int64 (m,).")
    Path predLabels;

    @Override
    public Integer call() {
        NtkMode ntkMode = parseMode(mode);
        Precision precision = Precision.parse(dtype);
        if (!(ridge >= 0) || !Double.isFinite(ridge)) {
            throw new IllegalArgumentException("--ridge: expected a finite number >= 0, got " + ridge);
        }
        if (lr != null && time == null) {
            throw new IllegalArgumentException("--lr: only meaningful with --t (a finite training time)");
        }
        if (time != null && (!(time >= 0) || Double.isNaN(time))) {
            throw new IllegalArgumentException("--t: expected a training time >= 0, got " + time);
        }
        if (lr != null && (!(lr > 0) || !Double.isFinite(lr))) {
            throw new IllegalArgumentException("--lr: expected a finite learning rate > 0, got " + lr);
        }
        if (predLabels != null && classes == null) {
            throw new IllegalArgumentException("--pred-labels: only with --classes");
        }
        threads.apply();
        Network network = model.load(precision);
        int outputs = network.outputDim();
        if (classes != null && classes != outputs) {
            throw new IllegalArgumentException("--classes: the network has O = " + outputs
                    + " outputs, one per class, so --classes must be " + outputs + ", got " + classes);
        }
        TrainingTime trainingTime = time == null ? TrainingTime.INFINITE : TrainingTime.of(time, lr == null ? 1.0 : lr);
        RegressorSettings settings = RegressorSettings.defaults().withRidge(ridge).withTime(trainingTime)
                .withClasses(classes == null ? 0 : classes);

        long start = System.nanoTime();
        try (Matrix x = Inputs.samples(trainX, network.inputDim(), Precision.FLOAT64, "--train-x");
             Matrix test = Inputs.samples(testX, network.inputDim(), Precision.FLOAT64, "--test-x")) {
            int n = x.cols();
            int m = test.cols();
            double[][] y = classes == null ? Inputs.regressionTargets(trainY, n, outputs, "--train-y")
                    : encode(classLabels(n, classes), classes);
            Fit fit = ntkMode == NtkMode.FULL ? fitFull(network, settings, x, y, test, start)
                    : fitScalar(network, ntkMode, settings, x, y, test, start);
            double seconds = (System.nanoTime() - start) / 1e9;

            Npy.write(out, new int[] {m, outputs}, fit.mu(), DType.FLOAT64);
            if (variance != null) {
                Npy.write(variance, fit.varianceShape(), fit.variance(), DType.FLOAT64);
            }
            if (predLabels != null) {
                double[] asDouble = Arrays.stream(fit.labels()).asDoubleStream().toArray();
                Npy.write(predLabels, new int[] {m}, asDouble, DType.INT64);
            }

            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("command", "regress");
            json.put("mode", ntkMode.name().toLowerCase(Locale.ROOT));
            json.put("dtype", dtype);
            json.put("network", network.architecture().shapeString());
            json.put("n_train", n);
            json.put("n_test", m);
            json.put("outputs", outputs);
            json.put("ridge", ridge);
            if (trainingTime.isInfinite()) {
                json.put("t", "inf");
            } else {
                json.put("t", trainingTime.time());
                json.put("lr", trainingTime.learningRate());
            }
            if (classes != null) {
                json.put("classes", classes);
            }
            json.put("jittered_samples", fit.jittered());
            json.put("jitter_total", fit.jitter());
            json.put("train_seconds", fit.trainSeconds());
            json.put("seconds", seconds);
            json.put("peak_rss_mib", LinalgRuntime.peakResidentBytes() / (1 << 20));
            json.put("out", out.toString());
            if (variance != null) {
                json.put("variance", variance.toString());
                json.put("variance_shape", NdArray.formatShape(fit.varianceShape()));
            }
            if (predLabels != null) {
                json.put("pred_labels", predLabels.toString());
            }
            System.out.println(json);
        }
        return 0;
    }

    /**
     * What a regression gives the command: μ (m·O values, sample-major), σ² and its .npy shape,
     * the predicted labels (classification), jitter, and the seconds spent learning.
     */
    private record Fit(double[] mu, double[] variance, int[] varianceShape, long[] labels, int jittered,
                       double jitter, double trainSeconds) {
    }

    /** pseudo / trace: the scalar-kernel learner, σ² shared by the outputs, shape (m,). */
    private Fit fitScalar(Network network, NtkMode ntkMode, RegressorSettings settings, Matrix x, double[][] y,
                          Matrix test, long start) {
        int n = x.cols();
        int m = test.cols();
        int outputs = network.outputDim();
        RegressorSettings regression = settings.withClasses(0); // the targets are already encoded
        try (NtkRegressor learner = new NtkRegressor(new EmpiricalNtkKernel(network, ntkMode), regression)) {
            int jittered = 0;
            double jitter = 0;
            for (int from = 0; from < n; from += CHUNK) {
                int to = Math.min(n, from + CHUNK);
                for (NtkRegressor.LearnResult r : learner.learnMany(ids(from, to), x.columns(from, to),
                        Arrays.copyOfRange(y, from, to))) {
                    if (r.jittered()) {
                        jittered++;
                        jitter += r.jitterAdded();
                    }
                }
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            double[] mu = new double[m * outputs];
            double[] var = new double[m];
            long[] labels = new long[m];
            for (int from = 0; from < m; from += CHUNK) {
                int to = Math.min(m, from + CHUNK);
                List<Prediction> predictions = learner.predict(test.columns(from, to));
                for (int i = from; i < to; i++) {
                    Prediction p = predictions.get(i - from);
                    System.arraycopy(p.mean(), 0, mu, i * outputs, outputs);
                    var[i] = p.variance();
                    labels[i] = settings.isClassification() ? ClassTargets.argMax(ClassTargets.softmax(p.mean())) : -1;
                }
            }
            return new Fit(mu, var, new int[] {m}, labels, jittered, jitter, trainSeconds);
        }
    }

    /**
     * full: the nO x nO regression ({@link FullKernelState}), σ² per output, shape (m, O); the
     * Cholesky factor grows by O rows per sample (no dense refactorization).
     */
    private Fit fitFull(Network network, RegressorSettings settings, Matrix x, double[][] y, Matrix test,
                        long start) {
        int n = x.cols();
        int m = test.cols();
        int outputs = network.outputDim();
        try (FullKernelState state = new FullKernelState(new FullNtkKernel(network), settings.ridge(),
                settings.jitterTolerance())) {
            int jittered = 0;
            double jitter = 0;
            for (int from = 0; from < n; from += CHUNK) {
                int to = Math.min(n, from + CHUNK);
                for (IncrementalCholesky.AddResult r : state.addAll(ids(from, to), x.columns(from, to),
                        Arrays.copyOfRange(y, from, to))) {
                    if (r.jittered()) {
                        jittered++;
                        jitter += r.jitterAdded();
                    }
                }
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            double[] mu = new double[m * outputs];
            double[] var = new double[m * outputs];
            long[] labels = new long[m];
            for (int from = 0; from < m; from += CHUNK) {
                int to = Math.min(m, from + CHUNK);
                FullGaussian g = state.predict(test.columns(from, to), settings.time(), variance != null);
                for (int i = from; i < to; i++) {
                    double[] mean = g.mean()[i - from];
                    System.arraycopy(mean, 0, mu, i * outputs, outputs);
                    if (g.variance() != null) {
                        System.arraycopy(g.variance()[i - from], 0, var, i * outputs, outputs);
                    }
                    labels[i] = settings.isClassification() ? ClassTargets.argMax(ClassTargets.softmax(mean)) : -1;
                }
            }
            return new Fit(mu, var, new int[] {m, outputs}, labels, jittered, jitter, trainSeconds);
        }
    }

    /** Sample ids "from" … "to − 1" (the row numbers of --train-x). */
    private static List<String> ids(int from, int to) {
        List<String> ids = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            ids.add(Integer.toString(i));
        }
        return ids;
    }

    private static NtkMode parseMode(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "pseudo" -> NtkMode.PSEUDO;
            case "trace" -> NtkMode.TRACE;
            case "full" -> NtkMode.FULL;
            default -> throw new IllegalArgumentException("--mode: expected pseudo, trace or full, got '" + s + "'");
        };
    }

    /** Class c of C as the target e_c − 1/C ({@link ClassTargets#encode}), one row per label. */
    private static double[][] encode(long[] labels, int c) {
        double[][] y = new double[labels.length][];
        for (int i = 0; i < labels.length; i++) {
            y[i] = ClassTargets.encode(labels[i], c);
        }
        return y;
    }

    /** Integer labels (n,) in [0, C). */
    private long[] classLabels(int n, int c) {
        long[] labels = Npy.readLabels(trainY);
        if (labels.length != n) {
            throw new IllegalArgumentException("--train-y " + trainY + ": expected shape (" + n
                    + ",) (one class index per --train-x sample), got (" + labels.length + ",)");
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= c) {
                throw new IllegalArgumentException("--train-y " + trainY + ": label " + labels[i] + " at row " + i
                        + " is not a class index in [0, " + c + ")");
            }
        }
        return labels;
    }
}
