package io.ntkstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.active.Aggregation;
import io.ntkstream.active.LabeledSamples;
import io.ntkstream.active.LookaheadUtility;
import io.ntkstream.active.Pool;
import io.ntkstream.active.PoolPosterior;
import io.ntkstream.active.Query;
import io.ntkstream.active.QueryStrategy;
import io.ntkstream.active.Selector;
import io.ntkstream.active.SyntheticData;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.RbfKernel;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.ntk.NtkMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "active", mixinStandardHelpOptions = true,
        description = {
            "Times look-ahead scoring of a pool of unlabeled candidates given n labeled samples (synthetic",
            "Gaussian classes), for an RBF kernel and/or the pseudo-NTK of a small random relu MLP.",
            "",
            "Prints one JSON object per kernel, best of --repeats runs after a warm-up: pool_seconds (features,",
            "f0 and the prior k(U,U) of a new pool), posterior_seconds (k(X,U), L⁻¹, V = L⁻¹k(X,U), k̃ = k(U,U) − VᵀV,",
            "μ), score_seconds (look-ahead utility of every candidate), scoring_seconds (the three: scoring a new",
            "pool from scratch) and greedy_batch_seconds (a greedy batch of --batch picks on that posterior)."})
final class BenchActiveCommand implements Callable<Integer> {

    @Option(names = "--pool", defaultValue = "2000", description = "Pool size m (default: ${DEFAULT-VALUE}).")
    int pool;

    @Option(names = "--labeled", defaultValue = "500", description = "Labeled samples n (default: ${DEFAULT-VALUE}).")
    int labeled;

    @Option(names = "--kernel", defaultValue = "all", description = "rbf | ntk | all (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--dim", defaultValue = "10", description = "Input dimension (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--classes", defaultValue = "10", description = "Classes = outputs O (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--width", defaultValue = "128", description = "NTK: hidden width (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--depth", defaultValue = "2", description = "NTK: hidden layers (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--batch", defaultValue = "10", description = "Greedy batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed runs after one warm-up; the best is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() {
        if (pool < 1 || labeled < 1 || dim < 1 || classes < 2 || batch < 1 || repeats < 1 || width < 1 || depth < 1) {
            throw new IllegalArgumentException("--pool, --labeled, --dim, --batch, --repeats, --width, --depth must be"
                    + " >= 1 and --classes >= 2");
        }
        threads.apply();
        List<String> kinds = switch (kernel.toLowerCase(Locale.ROOT)) {
            case "all" -> List.of("rbf", "ntk");
            case "rbf", "ntk" -> List.of(kernel.toLowerCase(Locale.ROOT));
            default -> throw new IllegalArgumentException("--kernel: expected rbf, ntk or all, got '" + kernel + "'");
        };
        SyntheticData.Spec spec = new SyntheticData.Spec(classes, 2, dim, 2.0, 0.8);
        LabeledSamples train = SyntheticData.generate(spec, labeled, 1, 2);
        LabeledSamples candidates = SyntheticData.generate(spec, pool, 1, 3);
        List<String> ids = new ArrayList<>(pool);
        for (int i = 0; i < pool; i++) {
            ids.add("u" + i);
        }
        List<String> trainIds = new ArrayList<>(labeled);
        for (int i = 0; i < labeled; i++) {
            trainIds.add("x" + i);
        }
        ObjectMapper json = new ObjectMapper();
        for (String kind : kinds) {
            FeatureKernel k = kind.equals("rbf") ? new RbfKernel(dim, classes, Math.sqrt(dim), 1.0)
                    : new EmpiricalNtkKernel(Networks.random(Architecture.mlp(dim, width, depth, classes, Activation.RELU,
                            Parametrization.NTK, 1.0, 0.1), 0, Precision.FLOAT32), NtkMode.PSEUDO);
            RegressorSettings settings = RegressorSettings.defaults().withRidge(0.1).withClasses(classes);
            long t0 = System.nanoTime();
            try (NtkRegressor learner = new NtkRegressor(k, settings); Matrix x = columns(train.x(), dim)) {
                learner.learnManyLabels(trainIds, x, train.longLabels());
                double learnSeconds = (System.nanoTime() - t0) / 1e9;
                LookaheadUtility utility = new LookaheadUtility(Aggregation.MAX);
                QueryStrategy greedy = new QueryStrategy(utility, Selector.greedy());
                double bestPool = Double.MAX_VALUE;
                double bestPosterior = Double.MAX_VALUE;
                double bestScore = Double.MAX_VALUE;
                double bestScoring = Double.MAX_VALUE;
                double bestGreedy = Double.MAX_VALUE;
                List<Double> all = new ArrayList<>();
                Query last = null;
                for (int r = 0; r <= repeats; r++) { // run 0 warms up
                    long a = System.nanoTime();
                    try (Pool p = Pool.of(k, ids, candidates.x())) {
                        long b = System.nanoTime();
                        PoolPosterior posterior = PoolPosterior.of(learner, p);
                        long c = System.nanoTime();
                        utility.scores(posterior);
                        long d = System.nanoTime();
                        last = greedy.query(posterior, batch);
                        long e = System.nanoTime();
                        double scoring = (d - a) / 1e9;
                        if (r > 0) {
                            bestPool = Math.min(bestPool, (b - a) / 1e9);
                            bestPosterior = Math.min(bestPosterior, (c - b) / 1e9);
                            bestScore = Math.min(bestScore, (d - c) / 1e9);
                            bestScoring = Math.min(bestScoring, scoring);
                            bestGreedy = Math.min(bestGreedy, (e - d) / 1e9);
                            all.add(scoring);
                        }
                    }
                }
                ObjectNode o = json.createObjectNode();
                o.put("impl", "ntkstream");
                o.put("bench", "active");
                o.put("kernel", kind.equals("rbf") ? k.description()
                        : "ntk pseudo " + Architecture.mlp(dim, width, depth, classes, Activation.RELU,
                        Parametrization.NTK, 1.0, 0.1).shapeString() + " float32 features");
                o.put("strategy", "lookahead max, greedy");
                o.put("pool", pool);
                o.put("labeled", labeled);
                o.put("classes", classes);
                o.put("pool_seconds", bestPool);
                o.put("posterior_seconds", bestPosterior);
                o.put("score_seconds", bestScore);
                o.put("scoring_seconds", bestScoring);
                o.putPOJO("all_scoring_seconds", all);
                o.put("greedy_batch", batch);
                o.put("greedy_batch_seconds", bestGreedy);
                o.put("learn_seconds", learnSeconds);
                o.put("picked", String.join(",", last.ids()));
                o.put("peak_rss_mib", LinalgRuntime.peakResidentBytes() >> 20);
                o.put("threads", LinalgRuntime.threads());
                System.out.println(o);
            }
        }
        return 0;
    }

    private static Matrix columns(double[][] x, int dim) {
        double[] v = new double[x.length * dim];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, v, i * dim, dim);
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, dim, x.length, v);
    }
}
