package io.ntkstream.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.PicksJson;
import io.ntkstream.kafka.PredictionJson;
import io.ntkstream.kafka.Topics;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.kernel.TrainingTime;
import io.ntkstream.linalg.Precision;
import io.ntkstream.meta.Sinusoids;
import io.ntkstream.ntk.NtkMode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Scenario 2, meta-learning across a stream of tasks. A new model version (a 1 → 40 → 40 → 1
 * regressor) is published; then few-shot sinusoid tasks (y = A·sin(x + φ), MAML's benchmark) arrive
 * in waves. Each task learns its support set; at {@code meta.every} labels it publishes the
 * closed-form leave-one-out scores of the hyper-parameter grid on the meta topic, together with the
 * hyper-parameters it started from; the job's meta aggregator averages the tasks' scores and, when
 * the arg-min changes, writes its choice to the meta topic, which the job reads back: new tasks
 * start from it. After a task's meta record shows its support set learned, its query points go to
 * the queries topic and the predictions give its query MSE.
 *
 * <p>For comparison, every task is also fitted locally with ntk-core at the job's default
 * hyper-parameters (the same tasks, the same checkpoint), and with the hyper-parameters it reported:
 * the latter must reproduce the stream's MSE (a consistency check of the streaming job).
 */
final class MetaLearningScenario {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Settings(int waves, int tasksPerWave, int shots, int queries, long seed, long settleMs) {
    }

    /** One task: its query MSE in the stream, at the default (local), and the hyper-parameters it started from. */
    record TaskResult(int index, String task, int wave, double mse, double defaultMse, double localMse, String startedFrom) {
    }

    record Wave(int wave, int tasksBefore, List<String> startedFrom, double meanMse, double meanDefault, double medianMse,
                double medianDefault, int better, int tasks, String choiceAfter, int aggregated, double seconds) {
    }

    record Result(List<TaskResult> tasks, List<Wave> waves, String defaultHyper, double maxRelativeDiff, long queries,
                  long answers, long retries, long deadLetters, double seconds) {
    }

    private final StreamIo io;
    private final Topics topics;
    private final Settings s;
    private final DemoModel model;
    private final double defaultRidge;
    private final EmpiricalNtkKernel kernel;
    private final long start = System.nanoTime();
    private String choice;
    private int aggregated;
    private long queries;
    private long answers;
    private long retries;
    private long deadLetters;

    MetaLearningScenario(StreamIo io, Topics topics, Settings s, DemoModel model, double defaultRidge) {
        this.io = io;
        this.topics = topics;
        this.s = s;
        this.model = model;
        this.defaultRidge = defaultRidge;
        this.kernel = new EmpiricalNtkKernel(model.network(Precision.FLOAT64), NtkMode.PSEUDO);
    }

    Result run(LiveProgress progress, Duration timeout, PrintStream log) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        io.send(topics.models(), "model", model.record());
        io.flush();
        awaitModel(deadline, log);

        Sinusoids generator = new Sinusoids(s.seed());
        List<TaskResult> results = new ArrayList<>();
        List<Wave> waves = new ArrayList<>();
        LiveProgress.Task bar = progress.task("meta tasks", (long) s.waves() * s.tasksPerWave(), "tasks");
        for (int w = 0; w < s.waves(); w++) {
            List<SinTask> wave = new ArrayList<>();
            for (int k = 0; k < s.tasksPerWave(); k++) {
                int index = w * s.tasksPerWave() + k;
                SinTask t = new SinTask(index, w, generator.next(s.shots(), s.queries()));
                wave.add(t);
                t.sendSupport();
            }
            io.flush();
            while (wave.stream().anyMatch(t -> !t.done())) {
                check(deadline, "wave " + w);
                for (ConsumerRecord<String, String> r : io.poll(Duration.ofMillis(50))) {
                    dispatch(r, wave, log);
                }
                long now = System.nanoTime();
                for (SinTask t : wave) {
                    if (t.retryAt > 0 && now >= t.retryAt) {
                        t.retryAt = 0;
                        t.sendQueries();
                    }
                }
                io.flush();
            }
            // let the aggregator's choice from this wave be committed and read back by the job
            long settle = System.nanoTime() + s.settleMs() * 1_000_000L;
            while (System.nanoTime() < settle) {
                for (ConsumerRecord<String, String> r : io.poll(Duration.ofMillis(50))) {
                    dispatch(r, List.of(), log);
                }
            }
            List<TaskResult> done = new ArrayList<>();
            for (SinTask t : wave) {
                done.add(t.result());
            }
            results.addAll(done);
            waves.add(wave(w, done));
            Wave last = waves.get(waves.size() - 1);
            bar.update(results.size(), String.format(Locale.ROOT, "MSE %.2f (default %.2f) → %s", last.meanMse(),
                    last.meanDefault(), choice == null ? "defaults" : choice));
        }
        double maxDiff = 0;
        for (TaskResult t : results) {
            maxDiff = Math.max(maxDiff, Math.abs(t.mse() - t.localMse()) / Math.max(1e-300, Math.abs(t.localMse())));
        }
        return new Result(results, waves, hyper(defaultRidge, null), maxDiff, queries, answers, retries, deadLetters,
                (System.nanoTime() - start) / 1e9);
    }

    private Wave wave(int w, List<TaskResult> done) {
        double[] m = done.stream().mapToDouble(TaskResult::mse).toArray();
        double[] d = done.stream().mapToDouble(TaskResult::defaultMse).toArray();
        int better = 0;
        for (TaskResult t : done) {
            if (t.mse() < t.defaultMse() - 1e-12 * Math.abs(t.defaultMse())) {
                better++;
            }
        }
        Set<String> from = new LinkedHashSet<>();
        done.forEach(t -> from.add(t.startedFrom()));
        return new Wave(w, w * s.tasksPerWave(), List.copyOf(from), mean(m), mean(d), median(m), median(d), better,
                done.size(), choice == null ? "(none yet)" : choice, aggregated, (System.nanoTime() - start) / 1e9);
    }

    /** Barrier: pick requests on a helper task until the answer names the new model version. */
    private void awaitModel(long deadline, PrintStream log) throws InterruptedException {
        String task = "meta-model-check";
        for (int attempt = 0; ; attempt++) {
            String id = "model-check-" + attempt;
            io.send(topics.control(), task, Map.of("task", task, "id", id, "pick", 1, "strategy", "variance"));
            io.flush();
            long until = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < until) {
                check(deadline, "waiting for model v" + model.version());
                for (ConsumerRecord<String, String> r : io.poll(Duration.ofMillis(50))) {
                    if (r.topic().equals(topics.picks())) {
                        PicksJson p = OutputFormats.readPicks(r.value());
                        if (p.task().equals(task) && id.equals(p.requestId())) {
                            if (p.modelVersion() == model.version()) {
                                return;
                            }
                            until = 0; // answered by the previous version: ask again
                        }
                    } else {
                        dispatch(r, List.of(), log);
                    }
                }
            }
            Thread.sleep(100);
            retries++;
        }
    }

    private void dispatch(ConsumerRecord<String, String> r, List<SinTask> wave, PrintStream log) {
        if (r.topic().equals(topics.deadLetter())) {
            deadLetters++;
            log.println("  dead letter: " + r.value());
            return;
        }
        if (r.topic().equals(topics.meta())) {
            JsonNode n;
            try {
                n = JSON.readTree(r.value());
            } catch (Exception e) {
                return;
            }
            if (n.path("model_version").asLong() != model.version()) {
                return;
            }
            if ("global".equals(n.path("kind").asText())) {
                choice = hyper(n.path("ridge").asDouble(), n.path("flow_time").isNumber() ? n.path("flow_time").asDouble()
                        : null);
                aggregated = n.path("tasks").asInt();
            } else if ("task".equals(n.path("kind").asText())) {
                for (SinTask t : wave) {
                    if (t.name.equals(n.path("task").asText()) && n.path("n_train").asInt() == s.shots()) {
                        t.onMeta(n.path("ridge").asDouble(), n.path("flow_time").isNumber()
                                ? n.path("flow_time").asDouble() : null);
                    }
                }
            }
        } else if (r.topic().equals(topics.predictions())) {
            PredictionJson p = OutputFormats.readPrediction(r.value());
            for (SinTask t : wave) {
                if (t.name.equals(p.task())) {
                    t.onPrediction(p);
                }
            }
        }
    }

    private void check(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("scenario 2 did not finish in time (" + what + ")");
        }
    }

    static String hyper(double ridge, Double flowTime) {
        return flowTime != null ? "flow η·t=" + fmt(flowTime) : "ridge λ=" + fmt(ridge);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v).replaceFirst("(\\.\\d*?)0+$", "$1").replaceFirst("\\.$", "");
    }

    private final class SinTask {
        final int index;
        final int wave;
        final String name;
        final Sinusoids.Task task;
        Double ridge;
        Double flowTime;
        boolean metaSeen;
        int attempt;
        String prefix;
        final Map<Integer, Double> means = new HashMap<>();
        boolean stale;
        Double mse;
        long retryAt;

        SinTask(int index, int wave, Sinusoids.Task task) {
            this.index = index;
            this.wave = wave;
            this.name = String.format(Locale.ROOT, "sin-%03d", index);
            this.task = task;
        }

        void sendSupport() {
            for (int i = 0; i < task.supportX().length; i++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("task", name);
                m.put("id", "s-" + i);
                m.put("x", new double[] {task.supportX()[i]});
                m.put("y", new double[] {task.supportY()[i]});
                io.send(topics.samples(), name, m);
            }
        }

        /** Its meta record at n = shots: the support set is learned; these are the hyper-parameters it started from. */
        void onMeta(double ridge, Double flowTime) {
            if (metaSeen) {
                return;
            }
            metaSeen = true;
            this.ridge = ridge;
            this.flowTime = flowTime;
            sendQueries();
        }

        void sendQueries() {
            prefix = "q" + attempt + "-";
            means.clear();
            stale = false;
            for (int i = 0; i < task.queryX().length; i++) {
                io.send(topics.queries(), name, Map.of("task", name, "id", prefix + i, "x",
                        new double[] {task.queryX()[i]}));
                queries++;
            }
        }

        void onPrediction(PredictionJson p) {
            if (prefix == null || !p.id().startsWith(prefix) || mse != null) {
                return;
            }
            answers++;
            means.put(Integer.parseInt(p.id().substring(prefix.length())), p.mean()[0]);
            stale |= p.nTrain() != s.shots() || p.modelVersion() != model.version();
            if (means.size() < task.queryX().length) {
                return;
            }
            if (stale) {
                attempt++;
                retries++;
                retryAt = System.nanoTime() + 100_000_000L;
                return;
            }
            double sum = 0;
            for (Map.Entry<Integer, Double> e : means.entrySet()) {
                double d = e.getValue() - task.queryY()[e.getKey()];
                sum += d * d;
            }
            mse = sum / means.size();
        }

        boolean done() {
            return mse != null;
        }

        TaskResult result() {
            double def = localMse(RegressorSettings.defaults().withRidge(defaultRidge));
            RegressorSettings own = RegressorSettings.defaults().withRidge(ridge)
                    .withTime(flowTime == null ? TrainingTime.INFINITE : TrainingTime.of(flowTime, 1.0));
            return new TaskResult(index, name, wave, mse, def, localMse(own), hyper(ridge, flowTime));
        }

        private double localMse(RegressorSettings settings) {
            try (NtkRegressor r = new NtkRegressor(kernel, settings)) {
                for (int i = 0; i < task.supportX().length; i++) {
                    r.learnOne("s-" + i, new double[] {task.supportX()[i]}, new double[] {task.supportY()[i]});
                }
                double sum = 0;
                for (int i = 0; i < task.queryX().length; i++) {
                    double d = r.predictOne(new double[] {task.queryX()[i]}).mean()[0] - task.queryY()[i];
                    sum += d * d;
                }
                return sum / task.queryX().length;
            }
        }
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
