package io.ntkstream.cli.demo;

import io.ntkstream.active.AcquisitionKind;
import io.ntkstream.active.LabeledSamples;
import io.ntkstream.active.Pool;
import io.ntkstream.active.Query;
import io.ntkstream.active.QueryStrategy;
import io.ntkstream.active.SyntheticData;
import io.ntkstream.job.TaskLearnerFunction;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.PicksJson;
import io.ntkstream.kafka.PredictionJson;
import io.ntkstream.kafka.Topics;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.RegressorSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Scenario 1, active learning on the stream. A seeded classification data set (a pool and a test
 * set drawn from the same problem) and two tasks that share the pool and the same random initial
 * labels: one asks the job for {@code lookahead} picks, the other for {@code random} ones. A
 * simulated annotator plays every round for both at once:
 * <ol>
 * <li>test queries on the queries topic; the predictions (read_committed) give the test accuracy,
 *     once their {@code n_train} shows every label sent so far was learned (otherwise the test is
 *     asked again: the input topics are read independently, so a query may overtake labels);</li>
 * <li>a pick request on the control topic; the committed answer names the pool candidates;</li>
 * <li>their true labels on the samples topic (a sample with a pool id removes it from the pool).</li>
 * </ol>
 * Before that, the pool goes to the pool topic and barrier picks ({@code variance}, which needs no
 * labels) wait until the answer's {@code pool_size} shows the whole pool arrived.
 *
 * <p>The barriers make the outcome deterministic: a task's state is the ordered list of its labels
 * (one samples topic, sent in order) and its pool, and every pick request is answered on exactly the
 * state the annotator saw (else asked again under the same id, so {@code random} draws from the same
 * seed). {@link #replay} computes the same rounds locally with ntk-core; the demo checks that the
 * stream's picks and accuracies equal it.
 */
final class ActiveLearningScenario {
    static final String[] STRATEGIES = {"lookahead", "random"};

    /** Sizes and seeds. */
    record Settings(SyntheticData.Spec spec, long problemSeed, int pool, int test, int initial, int budget, int batch) {
    }

    /** One evaluation: labels learned, test accuracy, seconds since the scenario started. */
    record Round(int labels, double accuracy, double seconds) {
    }

    /** A task's rounds and the candidates it was given in each pick (pool ids, in the job's order). */
    record TaskResult(String task, String strategy, List<Round> rounds, List<List<String>> picks) {
        Round last() {
            return rounds.get(rounds.size() - 1);
        }
    }

    record Result(List<TaskResult> tasks, long testQueries, long testAnswers, long pickRequests, long retries,
                  long deadLetters, double seconds) {
    }

    private final StreamIo io;
    private final Topics topics;
    private final Settings s;
    private final LabeledSamples pool;
    private final LabeledSamples test;
    private final List<Integer> initial;
    private final long start = System.nanoTime();
    private long testQueries;
    private long testAnswers;
    private long pickRequests;
    private long retries;
    private long deadLetters;

    ActiveLearningScenario(StreamIo io, Topics topics, Settings s) {
        this.io = io;
        this.topics = topics;
        this.s = s;
        this.pool = SyntheticData.generate(s.spec(), s.pool(), s.problemSeed(), s.problemSeed() * 31 + 1);
        this.test = SyntheticData.generate(s.spec(), s.test(), s.problemSeed(), s.problemSeed() * 31 + 2);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < s.pool(); i++) {
            order.add(i);
        }
        SplittableRandom r = new SplittableRandom(s.problemSeed() * 31 + 3);
        for (int i = order.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            Integer t = order.get(i);
            order.set(i, order.get(j));
            order.set(j, t);
        }
        this.initial = List.copyOf(order.subList(0, s.initial()));
    }

    LabeledSamples pool() {
        return pool;
    }

    LabeledSamples test() {
        return test;
    }

    Result run(LiveProgress progress, Duration timeout, java.io.PrintStream log) throws InterruptedException {
        List<AlTask> tasks = new ArrayList<>();
        for (String strategy : STRATEGIES) {
            AlTask t = new AlTask("al-" + strategy, strategy);
            tasks.add(t);
            for (int i = 0; i < pool.size(); i++) {
                io.send(topics.pool(), t.name, Map.of("task", t.name, "id", "u-" + i, "x", pool.x()[i]));
            }
        }
        io.flush();
        for (AlTask t : tasks) {
            t.bar = progress.task(t.name, s.initial() + s.budget(), "labels");
            t.poolCheck();
        }
        io.flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (tasks.stream().anyMatch(t -> t.phase != Phase.DONE)) {
            if (System.nanoTime() > deadline) {
                StringBuilder b = new StringBuilder();
                tasks.forEach(t -> b.append(' ').append(t.name).append(": ").append(t.phase).append(' ').append(t.pending));
                throw new IllegalStateException("scenario 1 did not finish within " + timeout.toSeconds() + " s;" + b);
            }
            for (ConsumerRecord<String, String> r : io.poll(Duration.ofMillis(50))) {
                if (r.topic().equals(topics.deadLetter())) {
                    deadLetters++;
                    log.println("  dead letter: " + r.value());
                    continue;
                }
                for (AlTask t : tasks) {
                    if (r.topic().equals(topics.picks())) {
                        PicksJson p = OutputFormats.readPicks(r.value());
                        if (p.task().equals(t.name)) {
                            t.onPicks(p);
                        }
                    } else if (r.topic().equals(topics.predictions())) {
                        PredictionJson p = OutputFormats.readPrediction(r.value());
                        if (p.task().equals(t.name)) {
                            t.onPrediction(p);
                        }
                    }
                }
            }
            long now = System.nanoTime();
            for (AlTask t : tasks) {
                if (t.retryAt > 0 && now >= t.retryAt) {
                    t.retryAt = 0;
                    t.retry.run();
                }
            }
            io.flush();
        }
        List<TaskResult> results = tasks.stream().map(t -> new TaskResult(t.name, t.strategy, List.copyOf(t.rounds),
                List.copyOf(t.picks))).toList();
        return new Result(results, testQueries, testAnswers, pickRequests, retries, deadLetters, seconds());
    }

    /** The control-topic id of a task's pick request in round {@code round} (1, 2, ...). */
    static String pickRequestId(int round) {
        return "round-" + round;
    }

    /**
     * The scenario computed locally with ntk-core, as the job computes it: for each task the same
     * initial labels, then per round the same strategy, seed ({@link TaskLearnerFunction#pickSeed}) and
     * pool order, one label at a time, test predictions one at a time. {@code kernel} and
     * {@code settings} must be the job's (its model version, kernel mode, precision, ridge).
     */
    List<TaskResult> replay(FeatureKernel kernel, RegressorSettings settings) {
        long t0 = System.nanoTime();
        List<TaskResult> out = new ArrayList<>();
        for (String strategy : STRATEGIES) {
            String task = "al-" + strategy;
            List<Round> rounds = new ArrayList<>();
            List<List<String>> picked = new ArrayList<>();
            boolean[] labeled = new boolean[pool.size()];
            try (NtkRegressor learner = new NtkRegressor(kernel, settings)) {
                for (int i : initial) {
                    learner.learnOne("u-" + i, pool.x()[i], pool.labels()[i]);
                    labeled[i] = true;
                }
                rounds.add(new Round(learner.size(), accuracy(learner), (System.nanoTime() - t0) / 1e9));
                int round = 0;
                while (learner.size() < s.initial() + s.budget() && learner.size() < pool.size()) {
                    int k = Math.min(s.batch(), s.initial() + s.budget() - learner.size());
                    List<String> ids = new ArrayList<>();
                    List<double[]> x = new ArrayList<>();
                    for (int i = 0; i < pool.size(); i++) {
                        if (!labeled[i]) {
                            ids.add("u-" + i);
                            x.add(pool.x()[i]);
                        }
                    }
                    round++;
                    Query q;
                    try (Pool candidates = Pool.of(kernel, ids, x.toArray(new double[0][]))) {
                        long seed = TaskLearnerFunction.pickSeed(task, pickRequestId(round));
                        q = QueryStrategy.of(AcquisitionKind.parse(strategy), seed).query(learner, candidates,
                                Math.min(k, candidates.size()));
                    }
                    picked.add(List.copyOf(q.ids()));
                    for (String id : q.ids()) {
                        int i = Integer.parseInt(id.substring(2));
                        learner.learnOne(id, pool.x()[i], pool.labels()[i]);
                        labeled[i] = true;
                    }
                    rounds.add(new Round(learner.size(), accuracy(learner), (System.nanoTime() - t0) / 1e9));
                }
            }
            out.add(new TaskResult(task, strategy, List.copyOf(rounds), List.copyOf(picked)));
        }
        return out;
    }

    private double accuracy(NtkRegressor learner) {
        int correct = 0;
        for (int i = 0; i < test.size(); i++) {
            if (learner.predictOne(test.x()[i]).label() == test.labels()[i]) {
                correct++;
            }
        }
        return (double) correct / test.size();
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    enum Phase { POOL_CHECK, EVAL, PICK, DONE }

    /** One task's annotator: a small state machine driven by the committed outputs. */
    private final class AlTask {
        final String name;
        final String strategy;
        Phase phase = Phase.POOL_CHECK;
        LiveProgress.Task bar;
        int labels;
        int round;
        int attempt;
        String pending = "";
        final Map<Integer, Integer> answers = new HashMap<>();
        boolean stale;
        long retryAt;
        Runnable retry;
        final List<Round> rounds = new ArrayList<>();
        final List<List<String>> picks = new ArrayList<>();

        AlTask(String name, String strategy) {
            this.name = name;
            this.strategy = strategy;
        }

        void poolCheck() {
            phase = Phase.POOL_CHECK;
            pending = "pool-check-" + attempt;
            control(pending, 1, "variance");
        }

        void onPicks(PicksJson p) {
            if (!pending.equals(p.requestId())) {
                return;
            }
            if (phase == Phase.POOL_CHECK) {
                if (p.poolSize() == pool.size() && p.nTrain() == 0) {
                    attempt = 0;
                    for (int i : initial) {
                        label(i);
                    }
                    eval();
                } else {
                    later(this::poolCheck);
                }
            } else if (phase == Phase.PICK) {
                if (p.nTrain() == labels && p.poolSize() == pool.size() - labels) {
                    attempt = 0;
                    picks.add(List.copyOf(p.ids()));
                    for (String id : p.ids()) {
                        label(Integer.parseInt(id.substring(2)));
                    }
                    round++;
                    eval();
                } else {
                    later(this::pick);
                }
            }
        }

        void onPrediction(PredictionJson p) {
            if (phase != Phase.EVAL || !p.id().startsWith(pending)) {
                return;
            }
            answers.put(Integer.parseInt(p.id().substring(pending.length())), p.label());
            testAnswers++;
            stale |= p.nTrain() != labels;
            if (answers.size() < test.size()) {
                return;
            }
            if (stale) {
                later(this::eval);
                return;
            }
            int correct = 0;
            for (Map.Entry<Integer, Integer> e : answers.entrySet()) {
                if (e.getValue() != null && e.getValue() == test.labels()[e.getKey()]) {
                    correct++;
                }
            }
            double accuracy = (double) correct / test.size();
            rounds.add(new Round(labels, accuracy, seconds()));
            bar.update(labels, String.format(Locale.ROOT, "test accuracy %.3f", accuracy));
            attempt = 0;
            if (labels >= s.initial() + s.budget() || labels >= pool.size()) {
                phase = Phase.DONE;
            } else {
                pick();
            }
        }

        void eval() {
            phase = Phase.EVAL;
            pending = "e" + round + "." + attempt + "-";
            answers.clear();
            stale = false;
            for (int i = 0; i < test.size(); i++) {
                io.send(topics.queries(), name, Map.of("task", name, "id", pending + i, "x", test.x()[i]));
                testQueries++;
            }
        }

        void pick() {
            phase = Phase.PICK;
            // the same id when asked again: the job seeds random picks from it (only one request is open at a time)
            pending = pickRequestId(round + 1);
            int left = s.initial() + s.budget() - labels;
            control(pending, Math.min(s.batch(), left), strategy);
        }

        void label(int poolIndex) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("task", name);
            m.put("id", "u-" + poolIndex);
            m.put("x", pool.x()[poolIndex]);
            m.put("label", pool.labels()[poolIndex]);
            io.send(topics.samples(), name, m);
            labels++;
        }

        void control(String id, int count, String strategy) {
            io.send(topics.control(), name, Map.of("task", name, "id", id, "pick", count, "strategy", strategy));
            pickRequests++;
        }

        /** Asks again shortly (the answer came from before our last records were read). */
        void later(Runnable action) {
            attempt++;
            retries++;
            retry = action;
            retryAt = System.nanoTime() + 100_000_000L;
        }
    }
}
