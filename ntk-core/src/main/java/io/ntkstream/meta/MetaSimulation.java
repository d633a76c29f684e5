package io.ntkstream.meta;

import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.KernelFeatures;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Network;
import io.ntkstream.ntk.NtkMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The sinusoid few-shot benchmark of meta-learning across tasks ({@link Sinusoids}): held-out
 * tasks are adapted in closed form from a checkpoint, each with {@code shots} labels, and scored
 * by their mean squared error on {@code queries} query points. Compared, on the same held-out
 * tasks:
 * <ol>
 *   <li>{@code default}: the initial checkpoint θ0 with the default hyper-parameters;</li>
 *   <li>{@code meta-hp-loo}, {@code meta-hp-gcv}: θ0 with the hyper-parameters a
 *       {@link MetaLearner} learned on the meta-training tasks' support sets (exact leave-one-out
 *       for ridge candidates; finite times scored by exact leave-one-out or by GCV);
 *       {@code meta-hp-own} (with minOwnLabels ≤ shots): each task's own choice;</li>
 *   <li>with candidate checkpoints ({@link #run(Candidate, List, Settings)}): {@code candidate-meta-hp},
 *       one row per candidate (θ0 first) at the hyper-parameters meta-learned for it, and
 *       {@code meta-checkpoint-choice}, the (candidate, hyper-parameters) a
 *       {@link CheckpointSelector} chose from the meta-training tasks' leave-one-out errors;</li>
 *   <li>{@code meta-checkpoint}: the checkpoint after Reptile steps ({@link Reptile}) over the
 *       meta-training tasks — each task's Δθ at the hyper-parameters meta-learned on θ0 with the
 *       settings' flow score, or at fixed {@code reptileHyperParameters} — with the default
 *       hyper-parameters;</li>
 *   <li>{@code meta-checkpoint+hp}: that checkpoint with hyper-parameters re-learned under it;</li>
 *   <li>{@code oracle}, {@code oracle-candidates}, {@code oracle-meta-checkpoint}: per held-out
 *       task the hyper-parameters (and, for {@code oracle-candidates}, the candidate checkpoint)
 *       of least query error (it uses the query labels: a lower bound for any choice from the grid).</li>
 * </ol>
 * Meta-training and held-out tasks come from independent generators of one seed.
 */
public final class MetaSimulation {
    private MetaSimulation() {}

    /** The finite-time criteria compared in the rows meta-hp-gcv and meta-hp-loo. */
    private static final List<FlowScore> COMPARED = List.of(FlowScore.GCV, FlowScore.LOO);

    /** Seed offset of the held-out task stream. */
    static final long EVAL_STREAM = 0x5DEECE66DL;

    /**
     * @param shots         support labels per task
     * @param queries       query points per task
     * @param metaTasks     meta-training tasks
     * @param evalTasks     held-out tasks
     * @param seed          task seed
     * @param mode          scalar kernel (trace or pseudo; the same for O = 1)
     * @param grid          hyper-parameter candidates
     * @param defaults      the default hyper-parameters (baseline, and the learners' initial choice)
     * @param flowScore     how the meta-learners behind Reptile, meta-checkpoint+hp, meta-hp-own and the
     *                      candidate checkpoints score finite times (the meta-hp-gcv / meta-hp-loo rows
     *                      show both criteria whatever this is)
     * @param minOwnLabels  a held-out task with at least this many labels may use its own choice (0 = never)
     * @param reptileStep   ε of the Reptile step
     * @param reptileBatch  tasks per Reptile step
     * @param reptileEpochs passes over the meta-training tasks for Reptile (0: no checkpoint rows)
     * @param reptileHyperParameters the adaptation whose Δθ Reptile averages; null: the
     *                      hyper-parameters meta-learned on θ0
     */
    public record Settings(int shots, int queries, int metaTasks, int evalTasks, long seed, NtkMode mode,
                           List<HyperParameters> grid, HyperParameters defaults, FlowScore flowScore,
                           int minOwnLabels, double reptileStep, int reptileBatch, int reptileEpochs,
                           HyperParameters reptileHyperParameters) {
        public Settings {
            if (shots < 1 || queries < 1 || metaTasks < 1 || evalTasks < 1) {
                throw new IllegalArgumentException("shots, queries, meta-tasks and eval-tasks must be >= 1");
            }
            if (reptileBatch < 1 || reptileEpochs < 0 || minOwnLabels < 0) {
                throw new IllegalArgumentException("reptile batch must be >= 1, epochs and min-own-labels >= 0");
            }
            if (!(reptileStep > 0) || !Double.isFinite(reptileStep)) {
                throw new IllegalArgumentException("reptile step ε must be finite and > 0, got " + reptileStep);
            }
            grid = List.copyOf(grid);
        }

        /** Reptile with the meta-learned hyper-parameters. */
        public Settings(int shots, int queries, int metaTasks, int evalTasks, long seed, NtkMode mode,
                        List<HyperParameters> grid, HyperParameters defaults, FlowScore flowScore, int minOwnLabels,
                        double reptileStep, int reptileBatch, int reptileEpochs) {
            this(shots, queries, metaTasks, evalTasks, seed, mode, grid, defaults, flowScore, minOwnLabels,
                    reptileStep, reptileBatch, reptileEpochs, null);
        }

        /**
         * Defaults: 50 query points, trace kernel, default grid and hyper-parameters, finite times
         * scored by {@link FlowScore#AUTO} (exact LOO for these few-shot tasks), ε = 0.1, batch 10,
         * 1 epoch.
         */
        public static Settings of(int shots, int metaTasks, int evalTasks, long seed) {
            return new Settings(shots, 50, metaTasks, evalTasks, seed, NtkMode.TRACE, MetaLearner.defaultGrid(),
                    HyperParameters.defaults(), FlowScore.AUTO, 0, 0.1, 10, 1);
        }

        public Settings withReptile(double step, int batch, int epochs) {
            return new Settings(shots, queries, metaTasks, evalTasks, seed, mode, grid, defaults, flowScore,
                    minOwnLabels, step, batch, epochs, reptileHyperParameters);
        }

        /** Reptile averages the Δθ of this adaptation (null: the meta-learned one). */
        public Settings withReptileHyperParameters(HyperParameters hp) {
            return new Settings(shots, queries, metaTasks, evalTasks, seed, mode, grid, defaults, flowScore,
                    minOwnLabels, reptileStep, reptileBatch, reptileEpochs, hp);
        }

        public Settings withFlowScore(FlowScore value) {
            return new Settings(shots, queries, metaTasks, evalTasks, seed, mode, grid, defaults, value,
                    minOwnLabels, reptileStep, reptileBatch, reptileEpochs, reptileHyperParameters);
        }
    }

    /**
     * One method's result: mean query MSE over the held-out tasks and its standard error, with
     * the checkpoint it adapted from (a candidate's name, {@link #REPTILE} for the meta-learned
     * one, "per task" for the oracle over candidates).
     */
    public record Row(String method, long checkpointVersion, String hyperParameters, double queryMse, double stderr,
                      int tasks, String checkpoint) {
    }

    /** The name of the Reptile checkpoint in {@link Row#checkpoint()}. */
    public static final String REPTILE = "reptile";

    /** A stored checkpoint a task may adapt from: its name (e.g. the file) and network. */
    public record Candidate(String name, Network network) {
        public Candidate {
            if (name == null || name.isBlank() || network == null) {
                throw new IllegalArgumentException("candidate: expected a name and a network, got '" + name + "'");
            }
        }
    }

    /**
     * @param metaHyperParameters       learned on θ0 with the settings' flow score
     * @param reptileHyperParameters    the adaptation Reptile averaged (null without Reptile)
     * @param checkpointHyperParameters learned on the meta-learned checkpoint (null without Reptile)
     * @param checkpoint                the meta-learned checkpoint (null without Reptile)
     * @param checkpointChoice          the candidate checkpoint and hyper-parameters the
     *                                  {@link CheckpointSelector} chose (null without candidates)
     */
    public record Result(List<Row> rows, HyperParameters metaHyperParameters, HyperParameters reptileHyperParameters,
                         HyperParameters checkpointHyperParameters, CheckpointUpdate checkpoint,
                         CheckpointSelector.Choice checkpointChoice, double seconds) {
        public Row row(String method) {
            return rows.stream().filter(r -> r.method().equals(method)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no row " + method));
        }

        /** The row of {@code method} adapted from checkpoint {@code checkpoint} (candidate rows share a method). */
        public Row row(String method, String checkpoint) {
            return rows.stream().filter(r -> r.method().equals(method) && r.checkpoint().equals(checkpoint)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no row " + method + " for " + checkpoint));
        }
    }

    /** Runs the benchmark from checkpoint {@code initial} (version 0, named θ0). */
    public static Result run(Network initial, Settings s) {
        return run(new Candidate("θ0", initial), List.of(), s);
    }

    /**
     * Runs the benchmark from checkpoint {@code first} (version 0); with {@code others}, also
     * meta-learns which of the candidates {first, others...} to adapt from ({@link CheckpointSelector}
     * on the meta-training tasks' support sets) and reports every candidate, the choice and an
     * oracle over candidates.
     */
    public static Result run(Candidate first, List<Candidate> others, Settings s) {
        Network initial = first.network();
        if (initial.inputDim() != 1 || initial.outputDim() != 1) {
            throw new IllegalArgumentException("the sinusoid tasks need a network with input_dim 1 and O = 1, got "
                    + initial.architecture().shapeString());
        }
        long start = System.nanoTime();
        List<Sinusoids.Task> train = tasks(s.seed(), s.metaTasks(), s);
        List<Sinusoids.Task> eval = tasks(s.seed() ^ EVAL_STREAM, s.evalTasks(), s);
        List<HyperParameters> candidates = new ArrayList<>(s.grid());
        candidates.add(s.defaults());
        int defaults = candidates.size() - 1;

        // hyper-parameters at θ0: both compared finite-time criteria and the settings' (AUTO) from the same spectra
        FeatureKernel k0 = new EmpiricalNtkKernel(initial, s.mode());
        Map<FlowScore, MetaLearner> learners = new LinkedHashMap<>();
        for (FlowScore f : COMPARED) {
            learners.put(f, new MetaLearner(s.grid(), s.defaults(), s.minOwnLabels(), f));
        }
        learners.computeIfAbsent(s.flowScore(), f -> new MetaLearner(s.grid(), s.defaults(), s.minOwnLabels(), f));
        List<Candidate> all = new ArrayList<>();
        all.add(first);
        all.addAll(others);
        CandidateCheckpoints choice = others.isEmpty() ? null : new CandidateCheckpoints(all, s);
        for (Sinusoids.Task task : train) {
            TaskSpectrum spectrum = TaskFit.of(k0, task, false).spectrum;
            learners.values().forEach(l -> l.observeTask(spectrum));
            if (choice != null) {
                choice.observe(task, spectrum);
            }
        }
        MetaLearner learner = learners.get(s.flowScore());
        HyperParameters hp0 = learner.current();

        // rows in order: θ0's, the candidates', the Reptile checkpoint's, then the oracles
        List<Row> rows = new ArrayList<>();
        List<Row> oracles = new ArrayList<>();
        Map<String, ToIntFunction<TaskFit>> at0 = new LinkedHashMap<>();
        at0.put("default", fit -> defaults);
        for (FlowScore f : COMPARED) {
            int i = s.grid().indexOf(learners.get(f).current());
            at0.put("meta-hp-" + f.name().toLowerCase(Locale.ROOT), fit -> i >= 0 ? i : defaults);
        }
        boolean own = s.minOwnLabels() > 0 && s.shots() >= s.minOwnLabels();
        if (own) {
            at0.put("meta-hp-own", fit -> learner.evaluate(fit.spectrum).bestIndex());
        }
        at0.put("oracle", fit -> fit.oracleIndex(candidates));
        Map<String, String> labels0 = new LinkedHashMap<>();
        labels0.put("default", s.defaults().toString());
        for (FlowScore f : COMPARED) {
            labels0.put("meta-hp-" + f.name().toLowerCase(Locale.ROOT), learners.get(f).current().toString());
        }
        labels0.put("meta-hp-own", "per task (own " + s.flowScore().name().toLowerCase(Locale.ROOT) + ")");
        labels0.put("oracle", "per task (query labels)");
        List<Row> rows0 = evaluate(0, first.name(), k0, eval, candidates, at0, labels0);
        rows.addAll(rows0.subList(0, rows0.size() - 1));
        oracles.add(rows0.get(rows0.size() - 1));
        CheckpointSelector.Choice chosen = null;
        if (choice != null) {
            List<Row> candidateRows = choice.rows(eval, candidates);
            rows.addAll(candidateRows.subList(0, candidateRows.size() - 1));
            oracles.add(candidateRows.get(candidateRows.size() - 1));
            chosen = choice.selector().current();
        }

        if (s.reptileEpochs() == 0) {
            rows.addAll(oracles);
            return new Result(rows, hp0, null, null, null, chosen, (System.nanoTime() - start) / 1e9);
        }
        HyperParameters inner = s.reptileHyperParameters() != null ? s.reptileHyperParameters() : hp0;
        Reptile reptile = new Reptile(initial, 0, s.reptileStep());
        for (int epoch = 0; epoch < s.reptileEpochs(); epoch++) {
            for (Sinusoids.Task task : train) {
                FeatureKernel k = new EmpiricalNtkKernel(reptile.network(), s.mode());
                TaskFit fit = TaskFit.of(k, task, false);
                try (Matrix x = task.supportInputs()) {
                    reptile.accumulate(Displacement.of(reptile.network(), x, fit.spectrum.coefficients(inner)));
                }
                if (reptile.pending() == s.reptileBatch()) {
                    reptile.step();
                }
            }
        }
        if (reptile.pending() > 0) {
            reptile.step();
        }
        FeatureKernel kF = new EmpiricalNtkKernel(reptile.network(), s.mode());
        MetaLearner learnerF = new MetaLearner(s.grid(), s.defaults(), s.minOwnLabels(), s.flowScore());
        for (Sinusoids.Task task : train) {
            learnerF.observeTask(TaskFit.of(kF, task, false).spectrum);
        }
        HyperParameters hpF = learnerF.current();
        int iF = s.grid().indexOf(hpF);
        Map<String, ToIntFunction<TaskFit>> atF = new LinkedHashMap<>();
        atF.put("meta-checkpoint", fit -> defaults);
        atF.put("meta-checkpoint+hp", fit -> iF >= 0 ? iF : defaults);
        atF.put("oracle-meta-checkpoint", fit -> fit.oracleIndex(candidates));
        Map<String, String> labelsF = Map.of("meta-checkpoint", s.defaults().toString(),
                "meta-checkpoint+hp", hpF.toString(), "oracle-meta-checkpoint", "per task (query labels)");
        List<Row> checkpointRows = evaluate(reptile.version(), REPTILE, kF, eval, candidates, atF, labelsF);
        rows.addAll(checkpointRows.subList(0, 2));
        rows.addAll(oracles);
        rows.add(checkpointRows.get(2));
        return new Result(rows, hp0, inner, hpF, reptile.checkpoint(), chosen, (System.nanoTime() - start) / 1e9);
    }

    private static List<Sinusoids.Task> tasks(long seed, int count, Settings s) {
        Sinusoids gen = new Sinusoids(seed);
        List<Sinusoids.Task> t = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            t.add(gen.next(s.shots(), s.queries()));
        }
        return t;
    }

    /** Every method's row on the held-out tasks, one kernel evaluation per task. */
    private static List<Row> evaluate(long version, String checkpoint, FeatureKernel kernel, List<Sinusoids.Task> tasks,
                                      List<HyperParameters> candidates, Map<String, ToIntFunction<TaskFit>> methods,
                                      Map<String, String> labels) {
        int m = methods.size();
        double[] sum = new double[m];
        double[] sumSq = new double[m];
        for (Sinusoids.Task task : tasks) {
            TaskFit fit = TaskFit.of(kernel, task, true);
            int j = 0;
            for (ToIntFunction<TaskFit> choice : methods.values()) {
                double mse = fit.queryMse(candidates.get(choice.applyAsInt(fit)));
                sum[j] += mse;
                sumSq[j++] += mse * mse;
            }
        }
        int n = tasks.size();
        List<Row> rows = new ArrayList<>();
        int j = 0;
        for (String method : methods.keySet()) {
            double mean = sum[j] / n;
            double var = n > 1 ? Math.max(0, (sumSq[j] - n * mean * mean) / (n - 1)) : 0;
            rows.add(new Row(method, version, labels.get(method), mean, Math.sqrt(var / n), n, checkpoint));
            j++;
        }
        return rows;
    }

    /** A task under one kernel: its spectrum and, with queries, the query kernel rows and f0 (one network pass). */
    static final class TaskFit {
        final TaskSpectrum spectrum;
        final int shots;
        double[] queryKernel; // queries x shots
        double[] queryF0;     // queries
        double[] queryY;

        private TaskFit(TaskSpectrum spectrum, int shots) {
            this.spectrum = spectrum;
            this.shots = shots;
        }

        static TaskFit of(FeatureKernel kernel, Sinusoids.Task task, boolean withQueries) {
            int n = task.supportX().length;
            int q = withQueries ? task.queryX().length : 0;
            int all = n + q;
            double[] xs = new double[all];
            System.arraycopy(task.supportX(), 0, xs, 0, n);
            if (withQueries) {
                System.arraycopy(task.queryX(), 0, xs, n, q);
            }
            try (Matrix x = Matrix.fromColumnMajor(Precision.FLOAT64, 1, all, xs);
                 KernelFeatures f = kernel.featurize(x)) {
                double[] k = kernel.cross(f, f); // all x all
                double[] f0v = kernel.f0(f, x);
                double[][] gram = new double[n][n];
                double[][] r = new double[n][1];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(k, i * all, gram[i], 0, n);
                    r[i][0] = task.supportY()[i] - f0v[i];
                }
                TaskFit fit = new TaskFit(TaskSpectrum.of(gram, r, n), n);
                if (withQueries) {
                    fit.queryKernel = new double[q * n];
                    for (int j = 0; j < q; j++) {
                        System.arraycopy(k, (n + j) * all, fit.queryKernel, j * n, n);
                    }
                    fit.queryF0 = java.util.Arrays.copyOfRange(f0v, n, all);
                    fit.queryY = task.queryY();
                }
                return fit;
            }
        }

        double queryMse(HyperParameters hp) {
            double[][] c = spectrum.coefficients(hp);
            double s = 0;
            for (int j = 0; j < queryY.length; j++) {
                double mu = queryF0[j];
                for (int i = 0; i < shots; i++) {
                    mu += queryKernel[j * shots + i] * c[i][0];
                }
                double d = mu - queryY[j];
                s += d * d;
            }
            return s / queryY.length;
        }

        int oracleIndex(List<HyperParameters> candidates) {
            int best = 0;
            double bestMse = Double.POSITIVE_INFINITY;
            for (int g = 0; g < candidates.size(); g++) {
                double mse = queryMse(candidates.get(g));
                if (mse < bestMse) {
                    bestMse = mse;
                    best = g;
                }
            }
            return best;
        }
    }
}
