package io.ntkstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.active.AcquisitionKind;
import io.ntkstream.active.Aggregation;
import io.ntkstream.active.LabelingSimulation;
import io.ntkstream.active.LabeledSamples;
import io.ntkstream.active.QueryStrategy;
import io.ntkstream.active.Selector;
import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Network;
import io.ntkstream.ntk.NtkMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "al-sim", mixinStandardHelpOptions = true,
        description = {
            "Simulates active learning on labeled files: the NTK classifier of the checkpoint starts from --initial",
            "pool samples drawn at random (--seed), then each round a strategy picks --batch samples from the rest",
            "of the pool, the annotator answers from --pool-y, until --budget labels beyond the initial ones were",
            "asked (or the pool is empty). After the initial labels and after each round the classifier (t = ∞,",
            "targets one-hot minus 1/C) is evaluated on the test set.",
            "",
            "Strategies (utility measures; batches are picked greedily, conditioning the pool posterior on each",
            "pick's most likely label so a batch is not near-duplicates):",
            "  lookahead  MLMOC: max over the pool of ‖Δf(u)‖ if the candidate got its most likely label",
            "             (Δf by the rank-one update of the GP posterior; --aggregation mean: the mean over u)",
            "  expected   the same averaged over labels weighted by softmax(μ)",
            "  variance   σ²(c);  margin  1 − (p₁ − p₂) of softmax(μ);  entropy  of softmax(μ);  random  seeded",
            "  all        every strategy with the same seed and initial labels; also writes a PNG learning curve",
            "             next to --out (same name, .png)",
            "",
            "--out gets the CSV strategy,labeled,accuracy,mse,seconds: test accuracy of the arg-max, test MSE of μ",
            "against the encoded labels (mean over samples and classes), seconds since that strategy's start.",
            "Prints one JSON line on stdout."})
final class AlSimCommand implements Callable<Integer> {

    @Mixin
    NetworkOptions model;

    @Option(names = "--pool-x", required = true, description = "Pool inputs, .npy (N, input_dim).")
    Path poolX;

    @Option(names = "--pool-y", required = true, description = "Pool labels (the annotator's answers), int .npy (N,).")
    Path poolY;

    @Option(names = "--test-x", required = true, description = "Test inputs, .npy (M, input_dim).")
    Path testX;

    @Option(names = "--test-y", required = true, description = "Test labels, int .npy (M,).")
    Path testY;

    @Option(names = "--classes", required = true, description = "Number of classes C (= the network's outputs O).")
    int classes;

    @Option(names = "--strategy", defaultValue = "lookahead",
            description = "lookahead | expected | variance | margin | entropy | random | all (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--aggregation", defaultValue = "max",
            description = "Look-ahead aggregation over the pool: max (MLMOC) | mean (default: ${DEFAULT-VALUE}).")
    String aggregation;

    @Option(names = "--initial", defaultValue = "20", description = "Random initial labels (default: ${DEFAULT-VALUE}).")
    int initial;

    @Option(names = "--budget", defaultValue = "200", description = "Labels asked after the initial ones (default: ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--batch", defaultValue = "10", description = "Labels per round (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initial draw and of random (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--mode", defaultValue = "pseudo", description = "pseudo | trace (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--ridge", defaultValue = "1e-3", description = "Ridge λ >= 0 (default: ${DEFAULT-VALUE}).")
    double ridge;

    @Option(names = "--dtype", defaultValue = "float32",
            description = "Precision of the network passes: float32 | float64 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--out", required = true, description = "Output CSV: strategy,labeled,accuracy,mse,seconds.")
    Path out;

    @Override
    public Integer call() {
        List<AcquisitionKind> kinds = parseStrategies(strategy);
        Aggregation agg = parseAggregation(aggregation);
        NtkMode ntkMode = parseMode(mode);
        Precision precision = Precision.parse(dtype);
        if (!(ridge >= 0) || !Double.isFinite(ridge)) {
            throw new IllegalArgumentException("--ridge: expected a finite number >= 0, got " + ridge);
        }
        if (initial < 1 || budget < 0 || batch < 1) {
            throw new IllegalArgumentException("--initial and --batch must be >= 1 and --budget >= 0, got " + initial
                    + ", " + batch + ", " + budget);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("--classes: expected C >= 2, got " + classes);
        }
        threads.apply();
        Network network = model.load(precision);
        if (classes != network.outputDim()) {
            throw new IllegalArgumentException("--classes: the network has O = " + network.outputDim()
                    + " outputs, one per class, so --classes must be " + network.outputDim() + ", got " + classes);
        }
        LabeledSamples pool = samples(poolX, "--pool-x", poolY, "--pool-y", network.inputDim());
        LabeledSamples test = samples(testX, "--test-x", testY, "--test-y", network.inputDim());
        if (initial > pool.size()) {
            throw new IllegalArgumentException("--initial: " + initial + " initial labels but --pool-x has only "
                    + pool.size() + " samples");
        }
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(network, ntkMode);
        RegressorSettings settings = RegressorSettings.defaults().withRidge(ridge).withClasses(classes);
        LabelingSimulation.Settings loop = new LabelingSimulation.Settings(initial, budget, batch, seed);

        Map<AcquisitionKind, List<LabelingSimulation.Round>> curves = new LinkedHashMap<>();
        for (AcquisitionKind kind : kinds) {
            QueryStrategy s = new QueryStrategy(kind.measure(seed, agg), Selector.greedy());
            curves.put(kind, LabelingSimulation.run(kernel, settings, pool, test, s, loop));
        }
        writeCsv(curves);
        Path png = null;
        if (kinds.size() > 1) {
            png = pngNextTo(out);
            writePlot(curves, png);
        }

        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = mapper.createObjectNode();
        json.put("command", "al-sim");
        json.put("mode", ntkMode.name().toLowerCase(Locale.ROOT));
        json.put("network", network.architecture().shapeString());
        json.put("pool", pool.size());
        json.put("test", test.size());
        json.put("classes", classes);
        json.put("ridge", ridge);
        json.put("initial", initial);
        json.put("budget", budget);
        json.put("batch", batch);
        json.put("seed", seed);
        json.put("aggregation", agg.cliName());
        ArrayNode results = json.putArray("strategies");
        for (Map.Entry<AcquisitionKind, List<LabelingSimulation.Round>> e : curves.entrySet()) {
            LabelingSimulation.Round last = e.getValue().get(e.getValue().size() - 1);
            ObjectNode r = results.addObject();
            r.put("strategy", e.getKey().cliName());
            r.put("rounds", e.getValue().size());
            r.put("labeled", last.labeled());
            r.put("accuracy", last.accuracy());
            r.put("mse", last.mse());
            r.put("seconds", last.seconds());
        }
        json.put("out", out.toString());
        if (png != null) {
            json.put("plot", png.toString());
        }
        System.out.println(json);
        return 0;
    }

    static List<AcquisitionKind> parseStrategies(String s) {
        if (s.trim().equalsIgnoreCase("all")) {
            return List.of(AcquisitionKind.values());
        }
        try {
            return List.of(AcquisitionKind.parse(s));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--strategy: unknown strategy '" + s + "'; valid: "
                    + AcquisitionKind.validNames() + ", all");
        }
    }

    private static Aggregation parseAggregation(String s) {
        for (Aggregation a : Aggregation.values()) {
            if (a.cliName().equalsIgnoreCase(s.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("--aggregation: expected max or mean, got '" + s + "'");
    }

    private static NtkMode parseMode(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "pseudo" -> NtkMode.PSEUDO;
            case "trace" -> NtkMode.TRACE;
            default -> throw new IllegalArgumentException("--mode: expected pseudo or trace (a scalar kernel), got '"
                    + s + "'");
        };
    }

    /**
     * Inputs (N, D) — or (N, C, L) / (N, C, H, W) for convolutional networks, flattened in C order — and
     * int labels (N,) in [0, C), with errors that name the option and the shapes.
     */
    private LabeledSamples samples(Path xFile, String xOption, Path yFile, String yOption, int dim) {
        NdArray a = Npy.read(xFile);
        long perSample = 1;
        for (int k = 1; k < a.shape().length; k++) {
            perSample *= a.shape()[k];
        }
        if (a.shape().length < 2 || a.shape().length > 4 || perSample != dim) {
            throw new IllegalArgumentException(xOption + " " + xFile + ": expected shape (N, " + dim
                    + ") (N samples of the architecture's input_dim; or (N, C, L) / (N, C, H, W) with " + dim
                    + " values per sample), got " + NdArray.formatShape(a.shape()));
        }
        int n = a.shape()[0];
        if (n == 0) {
            throw new IllegalArgumentException(xOption + " " + xFile + ": holds no samples");
        }
        double[][] x = new double[n][dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                double v = a.values()[i * dim + d];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(xOption + " " + xFile + ": contains NaN or infinite values (row "
                            + i + ")");
                }
                x[i][d] = v;
            }
        }
        long[] raw;
        try {
            raw = Npy.readLabels(yFile);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(yOption + ": " + e.getMessage(), e);
        }
        if (raw.length != n) {
            throw new IllegalArgumentException(yOption + " " + yFile + ": expected shape (" + n + ",) (one class index per "
                    + xOption + " sample), got (" + raw.length + ",)");
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            if (raw[i] < 0 || raw[i] >= classes) {
                throw new IllegalArgumentException(yOption + " " + yFile + ": label " + raw[i] + " at row " + i
                        + " is not a class index in [0, " + classes + ")");
            }
            labels[i] = (int) raw[i];
        }
        return new LabeledSamples(x, labels, classes);
    }

    private void writeCsv(Map<AcquisitionKind, List<LabelingSimulation.Round>> curves) {
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                w.write("strategy,labeled,accuracy,mse,seconds\n");
                for (List<LabelingSimulation.Round> rounds : curves.values()) {
                    for (LabelingSimulation.Round r : rounds) {
                        w.write(String.format(Locale.ROOT, "%s,%d,%.6f,%.6f,%.4f%n", r.strategy().cliName(),
                                r.labeled(), r.accuracy(), r.mse(), r.seconds()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("--out " + out + ": " + e.getMessage(), e);
        }
    }

    /** curve.csv → curve.png (any other name: name + .png), in the same folder. */
    static Path pngNextTo(Path csv) {
        String name = csv.getFileName().toString();
        String base = name.toLowerCase(Locale.ROOT).endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
        return csv.resolveSibling(base + ".png");
    }

    /** Test accuracy against labels, one series per strategy (XChart, headless). */
    private void writePlot(Map<AcquisitionKind, List<LabelingSimulation.Round>> curves, Path png) {
        Map<String, LineChart.Series> series = new LinkedHashMap<>();
        for (Map.Entry<AcquisitionKind, List<LabelingSimulation.Round>> e : curves.entrySet()) {
            List<LabelingSimulation.Round> rounds = e.getValue();
            double[] x = new double[rounds.size()];
            double[] y = new double[rounds.size()];
            for (int i = 0; i < rounds.size(); i++) {
                x[i] = rounds.get(i).labeled();
                y[i] = rounds.get(i).accuracy();
            }
            series.put(e.getKey().cliName(), new LineChart.Series(x, y));
        }
        LineChart.write(png, "Active learning, " + network() + " (seed " + seed + ", batch " + batch + ")",
                "labeled samples", "test accuracy", series, Styler.LegendPosition.InsideSE);
    }

    private String network() {
        return model.arch.getFileName().toString().replaceFirst("\\.json$", "").replaceFirst("\\.arch$", "");
    }
}
