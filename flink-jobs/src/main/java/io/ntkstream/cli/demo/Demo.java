package io.ntkstream.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ntkstream.active.SyntheticData;
import io.ntkstream.cli.LineChart;
import io.ntkstream.data.DType;
import io.ntkstream.data.Npy;
import io.ntkstream.kafka.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.knowm.xchart.style.Styler;

/**
 * {@code ntkstream demo}: the whole engine on this machine in one JVM — an in-process Kafka broker
 * and the streaming job on a local Flink cluster — driven through two scenarios (active learning,
 * meta-learning) by simulated clients that only talk Kafka, then a summary. See {@link #run}.
 */
public final class Demo {
    /** What to run. */
    public record Options(boolean quick, Path out, Path arch, Path params, boolean keepRunning, long checkpointIntervalMs,
                          int parallelism, long seed, boolean progressBars, Duration scenarioTimeout) {
    }

    /** The demo's size: full (the README's command) or quick (tests). */
    record Sizes(ActiveLearningScenario.Settings al, MetaLearningScenario.Settings meta) {
        static Sizes of(boolean quick, int inputDim, int classes, long seed, long checkpointMs) {
            SyntheticData.Spec spec = new SyntheticData.Spec(classes, 2, inputDim, 2.0, 0.6);
            long settle = 2 * checkpointMs + 300;
            return quick
                    ? new Sizes(new ActiveLearningScenario.Settings(spec, seed, 120, 100, 6, 20, 5),
                            new MetaLearningScenario.Settings(3, 4, 5, 30, seed, settle))
                    : new Sizes(new ActiveLearningScenario.Settings(spec, seed, 300, 200, 10, 60, 10),
                            new MetaLearningScenario.Settings(6, 8, 5, 50, seed, settle));
        }
    }

    static final double RIDGE = 0.1;
    static final int META_EVERY = 5;

    private final Options o;
    private final PrintStream out;

    public Demo(Options options, PrintStream out) {
        this.o = options;
        this.out = out;
    }

    /**
     * Runs the demo; returns 0 when both scenarios completed with every query answered and no dead
     * letter. With {@code keepRunning} it then blocks until the process is interrupted (Ctrl-C);
     * the shutdown hook stops the job and the broker.
     */
    public int run() throws Exception {
        long t0 = System.nanoTime();
        // cancelling the job at the end (or on Ctrl-C) makes these log a stack trace that means nothing here
        quiet("org.apache.flink.runtime.checkpoint.CheckpointFailureManager");
        quiet("org.apache.pekko.actor.CoordinatedShutdown");
        Path outDir = o.out() != null ? o.out().toAbsolutePath() : Files.createTempDirectory("ntkstream-demo-out-");
        Files.createDirectories(outDir);
        DemoModel classifier = o.arch() != null
                ? DemoModel.existing(o.arch(), o.params(), 1)
                : DemoModel.write(outDir.resolve("models"), "classifier", DemoModel.classifierArch(2, 3), 1, 0);
        int inputDim = classifier.arch().inputDim();
        int classes = classifier.arch().outputDim();
        if (classes < 2) {
            throw new IllegalArgumentException("--arch: the classifier needs at least 2 outputs (one per class), got "
                    + classes);
        }
        DemoModel sinusoid = DemoModel.write(outDir.resolve("models"), "sinusoid", DemoModel.sinusoidArch(), 2, 0);
        warmUp(sinusoid);
        Sizes sizes = Sizes.of(o.quick(), inputDim, classes, o.seed(), o.checkpointIntervalMs());

        out.println("ntkstream demo" + (o.quick() ? " (--quick)" : "") + ": the streaming engine on this machine, in one JVM");
        out.println();
        out.flush();
        DemoCluster cluster = DemoCluster.start(o.checkpointIntervalMs(), o.parallelism(), c -> {
            c.learning.ridge = RIDGE;
            c.meta.every = META_EVERY;
            c.meta.apply = true;
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            out.println();
            out.println("ntkstream demo: shutting down (cancelling the job, stopping the broker)...");
            out.flush();
            cluster.close();
            out.println("ntkstream demo: stopped");
            out.flush();
            stopped.countDown();
        }, "ntkstream-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean keepAlive = false;
        try {
            Topics topics = cluster.config().topics.toTopics();
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            header(cluster, outDir, classifier, startSeconds);
            long failedAtStart = cluster.failedCheckpoints();

            // ---------------------------------------------------------------- scenario 1
            ActiveLearningScenario.Result al;
            List<ActiveLearningScenario.TaskResult> alLocal;
            ActiveLearningScenario alScenario;
            try (StreamIo io = new StreamIo(cluster.bootstrapServers(), outputs(topics))) {
                io.send(topics.models(), "model", classifier.record());
                io.flush();
                alScenario = new ActiveLearningScenario(io, topics, sizes.al());
                writeData(outDir.resolve("data"), alScenario, sizes.al());
                ActiveLearningScenario.Settings a = sizes.al();
                out.printf(Locale.ROOT, "Scenario 1 — active learning. %d classes in %d-D (seed %d): pool %d on %s, "
                                + "test set %d.%n", classes, inputDim, a.problemSeed(), a.pool(), topics.pool(), a.test());
                out.printf(Locale.ROOT, "  Two tasks share the pool and %d random first labels; then each round the "
                        + "annotator asks the job for %d picks%n  (al-lookahead: look-ahead MLMOC, al-random: random), "
                        + "labels them on %s and measures test accuracy from %s.%n", a.initial(), a.batch(),
                        topics.samples(), topics.predictions());
                out.flush();
                try (LiveProgress progress = LiveProgress.create(o.progressBars(), out)) {
                    al = alScenario.run(progress, o.scenarioTimeout(), out);
                }
                var job = cluster.config();
                alLocal = alScenario.replay(new io.ntkstream.kernel.EmpiricalNtkKernel(
                        classifier.network(job.model.precision()), job.model.mode()), job.learning.settings(classes));
                printAl(al, alLocal, outDir);
            }

            // ---------------------------------------------------------------- scenario 2
            MetaLearningScenario.Result meta;
            try (StreamIo io = new StreamIo(cluster.bootstrapServers(), outputs(topics))) {
                MetaLearningScenario.Settings m = sizes.meta();
                out.println();
                out.printf(Locale.ROOT, "Scenario 2 — meta-learning. Model v2 (%s, %s) on %s; then %d waves of %d "
                                + "few-shot sinusoid tasks%n  (y = A·sin(x + φ); %d labels each on %s, %d query points "
                                + "on %s). Every task publishes leave-one-out scores of%n  the hyper-parameter grid on %s "
                                + "at %d labels; the job's aggregator writes its choice there and new tasks start from it.%n",
                        sinusoid.arch().shapeString(), sinusoid.params().getFileName(), topics.models(), m.waves(),
                        m.tasksPerWave(), m.shots(), topics.samples(), m.queries(), topics.queries(), topics.meta(),
                        META_EVERY);
                out.flush();
                MetaLearningScenario scenario = new MetaLearningScenario(io, topics, m, sinusoid, RIDGE);
                try (LiveProgress progress = LiveProgress.create(o.progressBars(), out)) {
                    meta = scenario.run(progress, o.scenarioTimeout(), out);
                }
                printMeta(meta, outDir);
            }

            // ---------------------------------------------------------------- summary
            boolean ok = summary(cluster, topics, al, alLocal, meta, outDir, t0, failedAtStart);
            if (o.keepRunning()) {
                keepRunningHelp(cluster, outDir, classifier);
                keepAlive = true;
                stopped.await();
                return ok ? 0 : 1;
            }
            return ok ? 0 : 1;
        } finally {
            if (!keepAlive) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                    cluster.close();
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs (Ctrl-C) and closes the cluster
                }
            }
        }
    }

    /**
     * Loads the native linear algebra (ND4J, a couple of seconds) on a side thread while the broker
     * starts, instead of in the job's first record; the JVM is shared, so the job finds it loaded.
     */
    private static void warmUp(DemoModel model) {
        Thread t = new Thread(() -> {
            try {
                new io.ntkstream.kernel.EmpiricalNtkKernel(model.network(io.ntkstream.linalg.Precision.FLOAT64),
                        io.ntkstream.ntk.NtkMode.PSEUDO);
            } catch (RuntimeException | LinkageError e) {
                // only a warm-up: the job loads it again and reports any problem
            }
        }, "ntkstream-demo-warmup");
        t.setDaemon(true);
        t.start();
    }

    private static void quiet(String logger) {
        String key = "org.slf4j.simpleLogger.log." + logger;
        if (System.getProperty(key) == null) {
            System.setProperty(key, "error");
        }
    }

    private static List<String> outputs(Topics t) {
        return List.of(t.predictions(), t.picks(), t.meta(), t.deadLetter());
    }

    private void header(DemoCluster cluster, Path outDir, DemoModel classifier, double startSeconds) {
        var c = cluster.config();
        out.println("  Kafka broker  " + cluster.bootstrapServers() + "  (KRaft, in this JVM, 127.0.0.1 only; data in a "
                + "temporary directory; started in " + String.format(Locale.ROOT, "%.1f", cluster.brokerSeconds()) + " s)");
        out.println("  Flink         local MiniCluster, parallelism " + c.flink.parallelism + ", RocksDB state, "
                + "incremental checkpoints every " + c.flink.checkpointIntervalMs + " ms, exactly-once Kafka sink");
        String rest = cluster.restUrl();
        out.println("  Flink web UI  " + (rest == null ? "(did not answer)" : rest + "/  (127.0.0.1 only; the REST API "
                + "is under the same address, e.g. " + rest + "/jobs/overview)"));
        out.println("  job           " + cluster.job().getJobID() + " (first checkpoint " + String.format(Locale.ROOT,
                "%.1f", cluster.jobSeconds()) + " s after the broker was up; " + String.format(Locale.ROOT, "%.1f",
                startSeconds) + " s since the demo started)");
        out.println("  model v1      " + classifier.arch().shapeString() + " " + classifier.arch().parametrization()
                .name().toLowerCase(Locale.ROOT) + "-parametrized MLP, " + classifier.params());
        out.println("  outputs       " + outDir);
        out.println();
        out.flush();
    }

    // ------------------------------------------------------------------ scenario 1 output

    /** True when the stream's picks and test accuracies equal the local replay's (see {@link ActiveLearningScenario#replay}). */
    static boolean sameAsLocal(List<ActiveLearningScenario.TaskResult> stream, List<ActiveLearningScenario.TaskResult> local) {
        if (stream.size() != local.size()) {
            return false;
        }
        for (int i = 0; i < stream.size(); i++) {
            ActiveLearningScenario.TaskResult a = stream.get(i);
            ActiveLearningScenario.TaskResult b = local.get(i);
            if (!a.picks().equals(b.picks()) || a.rounds().size() != b.rounds().size()) {
                return false;
            }
            for (int j = 0; j < a.rounds().size(); j++) {
                if (a.rounds().get(j).labels() != b.rounds().get(j).labels()
                        || a.rounds().get(j).accuracy() != b.rounds().get(j).accuracy()) {
                    return false;
                }
            }
        }
        return true;
    }

    private void printAl(ActiveLearningScenario.Result r, List<ActiveLearningScenario.TaskResult> local, Path outDir) {
        ActiveLearningScenario.TaskResult la = r.tasks().get(0);
        ActiveLearningScenario.TaskResult rnd = r.tasks().get(1);
        out.println();
        out.println("  Test accuracy against labels used:");
        TextTable t = new TextTable("labels", "lookahead", "random", "difference");
        int rows = Math.max(la.rounds().size(), rnd.rounds().size());
        for (int i = 0; i < rows; i++) {
            ActiveLearningScenario.Round a = i < la.rounds().size() ? la.rounds().get(i) : null;
            ActiveLearningScenario.Round b = i < rnd.rounds().size() ? rnd.rounds().get(i) : null;
            t.row(a != null ? a.labels() : b.labels(), a == null ? "" : f3(a.accuracy()), b == null ? "" : f3(b.accuracy()),
                    a == null || b == null ? "" : String.format(Locale.ROOT, "%+.3f", a.accuracy() - b.accuracy()));
        }
        out.print(t.render("    "));
        out.printf(Locale.ROOT, "  Final: lookahead %.3f, random %.3f at %d labels (%d test queries answered, %d pick "
                        + "requests, %d re-asked; %.1f s)%n", la.last().accuracy(), rnd.last().accuracy(),
                la.last().labels(), r.testAnswers(), r.pickRequests(), r.retries(), r.seconds());
        if (sameAsLocal(r.tasks(), local)) {
            out.println("  Stream ≡ ntk-core: the same rounds replayed locally (same labels, picks and seeds) give the "
                    + "same picks and accuracies:");
            out.println("  the outcome is deterministic for a seed (--seed " + o.seed() + "), not an accident of timing.");
        } else {
            out.printf(Locale.ROOT, "  Stream ≠ ntk-core: replayed locally the rounds end at lookahead %.3f, random %.3f"
                    + " (picks or accuracies differ).%n", local.get(0).last().accuracy(), local.get(1).last().accuracy());
        }
        Map<String, LineChart.Series> series = new LinkedHashMap<>();
        for (ActiveLearningScenario.TaskResult tr : r.tasks()) {
            series.put(tr.strategy(), new LineChart.Series(tr.rounds().stream().mapToDouble(x -> x.labels()).toArray(),
                    tr.rounds().stream().mapToDouble(ActiveLearningScenario.Round::accuracy).toArray()));
        }
        Path png = outDir.resolve("active-learning.png");
        LineChart.write(png, "Active learning on the stream (committed predictions): look-ahead vs random picks",
                "labels used", "test accuracy", series, Styler.LegendPosition.InsideSE);
        StringBuilder csv = new StringBuilder("strategy,labels,accuracy,seconds\n");
        for (ActiveLearningScenario.TaskResult tr : r.tasks()) {
            for (ActiveLearningScenario.Round x : tr.rounds()) {
                csv.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.3f%n", tr.strategy(), x.labels(), x.accuracy(),
                        x.seconds()));
            }
        }
        write(outDir.resolve("active-learning.csv"), csv.toString());
        out.println("  → " + png + " (and .csv)");
        out.flush();
    }

    // ------------------------------------------------------------------ scenario 2 output

    private void printMeta(MetaLearningScenario.Result r, Path outDir) {
        out.println();
        out.println("  Query MSE of each wave's new tasks (mean and median over the wave), and of the same tasks fitted at "
                + "the job's default " + r.defaultHyper() + ":");
        TextTable t = new TextTable("wave", "new tasks started from", "mean", "at default", "median", "at default",
                "aggregator's choice after the wave");
        for (MetaLearningScenario.Wave w : r.waves()) {
            t.row(w.wave(), String.join(" / ", w.startedFrom()), f2(w.meanMse()), f2(w.meanDefault()), f2(w.medianMse()),
                    f2(w.medianDefault()), w.choiceAfter() + (w.aggregated() > 0 ? " (last change at " + w.aggregated()
                            + " tasks)" : ""));
        }
        out.print(t.render("    "));
        List<MetaLearningScenario.TaskResult> later = r.tasks().stream().filter(x -> x.wave() > 0).toList();
        if (!later.isEmpty()) {
            double[] m = later.stream().mapToDouble(MetaLearningScenario.TaskResult::mse).toArray();
            double[] d = later.stream().mapToDouble(MetaLearningScenario.TaskResult::defaultMse).toArray();
            long better = later.stream().filter(x -> x.mse() < x.defaultMse()).count();
            out.printf(Locale.ROOT, "  Tasks after the first wave (%d): mean query MSE %.2f from the aggregator's choice vs "
                            + "%.2f at the default (%.2fx);%n  median %.2f vs %.2f; lower on %d of them. The aggregator "
                            + "minimizes the mean leave-one-out error over tasks,%n  so it trades typical tasks for the "
                            + "bad fits the default makes on some (the error is heavy-tailed).%n", later.size(),
                    MetaLearningScenario.mean(m), MetaLearningScenario.mean(d),
                    MetaLearningScenario.mean(d) / MetaLearningScenario.mean(m), MetaLearningScenario.median(m),
                    MetaLearningScenario.median(d), better);
        }
        out.printf(Locale.ROOT, "  Stream ≡ ntk-core: every task's query MSE recomputed locally with the "
                + "hyper-parameters it reported: max relative difference %.1e.%n", r.maxRelativeDiff());
        out.printf(Locale.ROOT, "  (%d query predictions, %d re-asked, %.1f s)%n", r.answers(), r.retries(), r.seconds());

        // cumulative mean over the tasks so far: the per-task error is heavy-tailed, a running mean shows the trend
        Map<String, LineChart.Series> series = new LinkedHashMap<>();
        int n = r.tasks().size();
        double[] x = new double[n];
        double[] stream = new double[n];
        double[] def = new double[n];
        double sm = 0;
        double sd = 0;
        for (int i = 0; i < n; i++) {
            sm += r.tasks().get(i).mse();
            sd += r.tasks().get(i).defaultMse();
            x[i] = i + 1;
            stream[i] = sm / (i + 1);
            def[i] = sd / (i + 1);
        }
        series.put("stream: new tasks start from the aggregator's choice", new LineChart.Series(x, stream));
        series.put("the same tasks at the default " + r.defaultHyper(), new LineChart.Series(x, def));
        Path png = outDir.resolve("meta-learning.png");
        LineChart.write(png, "Meta-learning on the stream: running mean of the query MSE of new sinusoid tasks",
                "tasks", "mean query MSE so far", series, Styler.LegendPosition.InsideNE);
        StringBuilder csv = new StringBuilder("task,wave,started_from,mse,mse_default,mse_local\n");
        for (MetaLearningScenario.TaskResult tr : r.tasks()) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%s,%.9g,%.9g,%.9g%n", tr.task(), tr.wave(), tr.startedFrom(),
                    tr.mse(), tr.defaultMse(), tr.localMse()));
        }
        write(outDir.resolve("meta-learning.csv"), csv.toString());
        out.println("  → " + png + " (and .csv)");
        out.flush();
    }

    // ------------------------------------------------------------------ summary

    private boolean summary(DemoCluster cluster, Topics topics, ActiveLearningScenario.Result al,
                            List<ActiveLearningScenario.TaskResult> alLocal, MetaLearningScenario.Result meta, Path outDir, long t0, long failedAtStart)
            throws IOException {
        List<String> deadLetters = new ArrayList<>();
        Map<String, Long> counts = TopicCounts.count(cluster.bootstrapServers(), topics.all(), topics.deadLetter(),
                deadLetters);
        long checkpoints = cluster.completedCheckpoints();
        long failed = cluster.failedCheckpoints();
        double wall = (System.nanoTime() - t0) / 1e9;
        double scenarios = al.seconds() + meta.seconds();
        long in = 0;
        long outRecords = 0;
        List<String> inputs = new ArrayList<>(topics.taskInputs());
        inputs.add(topics.models());
        out.println();
        out.println("Summary");
        TextTable t = new TextTable("topic", "records", "");
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            boolean input = inputs.contains(e.getKey());
            String note = input ? "in" : e.getKey().equals(topics.meta()) ? "out (task scores, choices; read back by the job)"
                    : "out";
            t.row(e.getKey(), e.getValue(), note);
            if (input) {
                in += e.getValue();
            } else {
                outRecords += e.getValue();
            }
        }
        out.print(t.render("  "));
        boolean answered = al.testAnswers() >= al.testQueries() && meta.answers() >= meta.queries();
        out.printf(Locale.ROOT, "  dead letters  %d%s%n", deadLetters.size(), deadLetters.isEmpty() ? ""
                : ": " + deadLetters.get(0));
        out.printf(Locale.ROOT, "  queries       %d sent, %d answered%n", al.testQueries() + meta.queries(),
                al.testAnswers() + meta.answers());
        String note = "";
        if (failed > 0 && failed == failedAtStart) {
            note = ", all while the job's tasks were starting";
        } else if (failed > 0) {
            String failure = cluster.lastCheckpointFailure();
            note = ", " + (failedAtStart > 0 ? failedAtStart + " while the job's tasks were starting" : "")
                    + (failure == null ? "" : "; last failure: " + failure);
        }
        out.printf(Locale.ROOT, "  checkpoints   %s completed, %s failed%s (Flink REST API)%n",
                checkpoints < 0 ? "?" : Long.toString(checkpoints), failed < 0 ? "?" : Long.toString(failed), note);
        out.printf(Locale.ROOT, "  throughput    %d records in, %d out in %.1f s of scenarios (%.0f records/s; every "
                + "output waits for a checkpoint to commit)%n", in, outRecords, scenarios, (in + outRecords) / scenarios);
        out.printf(Locale.ROOT, "  wall time     %.1f s%n", wall);
        out.println("  outputs       " + outDir);
        for (String f : List.of("active-learning.png", "active-learning.csv", "meta-learning.png", "meta-learning.csv",
                "summary.json", "models/", "data/")) {
            out.println("                  " + f);
        }
        out.flush();

        Map<String, Object> s = new LinkedHashMap<>();
        s.put("quick", o.quick());
        s.put("bootstrap_servers", cluster.bootstrapServers());
        s.put("flink_rest", cluster.restUrl());
        s.put("flink_web_ui", cluster.restUrl() == null ? null : cluster.restUrl() + "/");
        s.put("records", counts);
        s.put("dead_letters", deadLetters.size());
        s.put("queries_sent", al.testQueries() + meta.queries());
        s.put("queries_answered", al.testAnswers() + meta.answers());
        s.put("checkpoints_completed", checkpoints);
        s.put("checkpoints_failed", failed);
        s.put("scenario_seconds", scenarios);
        s.put("wall_seconds", wall);
        Map<String, Object> a = new LinkedHashMap<>();
        for (int i = 0; i < al.tasks().size(); i++) {
            ActiveLearningScenario.TaskResult tr = al.tasks().get(i);
            a.put(tr.strategy(), Map.of("labels", tr.last().labels(), "final_accuracy", tr.last().accuracy(),
                    "curve", tr.rounds().stream().map(x -> List.of(x.labels(), x.accuracy())).toList(),
                    "picks", tr.picks(), "local_final_accuracy", alLocal.get(i).last().accuracy()));
        }
        a.put("seed", o.seed());
        a.put("stream_equals_local", sameAsLocal(al.tasks(), alLocal));
        s.put("active_learning", a);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("default", meta.defaultHyper());
        m.put("waves", meta.waves());
        m.put("max_relative_diff_stream_vs_local", meta.maxRelativeDiff());
        s.put("meta_learning", m);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        write(outDir.resolve("summary.json"), json.writeValueAsString(s) + "\n");
        return deadLetters.isEmpty() && answered && al.deadLetters() == 0 && meta.deadLetters() == 0;
    }

    private void keepRunningHelp(DemoCluster cluster, Path outDir, DemoModel classifier) {
        String b = cluster.bootstrapServers();
        out.println();
        out.println("Still running (--keep-running): broker " + b + (cluster.restUrl() == null ? ""
                : ", Flink web UI " + cluster.restUrl() + "/") + ". Ctrl-C stops everything.");
        out.println("Try, in another terminal (the current model is v2, the 1-input sinusoid regressor):");
        out.println("  bin/ntkstream consume --topic ntk.meta --bootstrap " + b + " --from-beginning --timeout 2");
        out.println("  bin/ntkstream publish-model --arch " + classifier.archFile() + " --params " + classifier.params()
                + " --version 3 --bootstrap " + b + "   # the classifier again");
        out.println("  bin/ntkstream produce --topic ntk.queries --task al-lookahead --x " + outDir.resolve("data/test_x.npy")
                + " --ids-prefix my-q- --bootstrap " + b);
        out.println("  bin/ntkstream consume --topic ntk.predictions --task al-lookahead --bootstrap " + b
                + " --from-beginning --timeout 3 | grep my-q- | head");
        out.println("  bin/ntkstream produce --topic ntk.samples --task my-task --x " + outDir.resolve("data/pool_x.npy")
                + " --labels " + outDir.resolve("data/pool_y.npy") + " --rate 200 --bootstrap " + b);
        out.flush();
    }

    private static void writeData(Path dir, ActiveLearningScenario s, ActiveLearningScenario.Settings a) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var pool = s.pool();
        Npy.writeMatrix(dir.resolve("pool_x.npy"), pool.x(), DType.FLOAT64);
        Npy.write(dir.resolve("pool_y.npy"), new int[] {pool.labels().length},
                Arrays.stream(pool.labels()).asDoubleStream().toArray(), DType.INT64);
        var test = s.test();
        Npy.writeMatrix(dir.resolve("test_x.npy"), test.x(), DType.FLOAT64);
        Npy.write(dir.resolve("test_y.npy"), new int[] {test.labels().length},
                Arrays.stream(test.labels()).asDoubleStream().toArray(), DType.INT64);
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
