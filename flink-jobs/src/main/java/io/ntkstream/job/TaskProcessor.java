package io.ntkstream.job;

import io.ntkstream.active.AcquisitionKind;
import io.ntkstream.active.Pool;
import io.ntkstream.active.Query;
import io.ntkstream.active.QueryStrategy;
import io.ntkstream.kafka.DeadLetter;
import io.ntkstream.kafka.HyperEvent;
import io.ntkstream.kafka.ModelEvent;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.OutputRecord;
import io.ntkstream.kafka.TaskEvent;
import io.ntkstream.kafka.Topics;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.Prediction;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.kernel.SampleRecord;
import io.ntkstream.kernel.TrainingTime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.meta.Displacement;
import io.ntkstream.meta.HyperParameters;
import io.ntkstream.meta.MetaLearner;
import io.ntkstream.meta.MetaSchedule;
import io.ntkstream.state.LearnerCache;
import io.ntkstream.state.PoolEntry;
import io.ntkstream.state.TaskHeader;
import io.ntkstream.state.TaskStateStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the task operator does with one task's records, in arrival order, given its state: the
 * Flink function only moves records and state here. Consecutive labeled samples are learned as one
 * run ({@link NtkRegressor#learnMany}: one network pass, one kernel block, a blocked Cholesky
 * update) and consecutive queries answered together; a run ends where a meta score or an automatic
 * pick falls due, so the outputs are those of one record at a time (to rounding).
 */
final class TaskProcessor {

    /** Where outputs go (the operator's collector, side output and metrics). */
    interface Outputs {
        void emit(OutputRecord record);

        void deadLetter(DeadLetter letter);

        void displacement(TaskDisplacement d);

        void learned(int samples, long micros, int n);

        void predicted(int queries, long micros);
    }

    private final JobConfig config;
    private final Topics topics;
    private final MetaSchedule metaSchedule;
    private final TaskStateStore store;
    private final LearnerCache cache;
    private final ModelRegistry models;

    TaskProcessor(JobConfig config, TaskStateStore store, LearnerCache cache, ModelRegistry models) {
        this.config = config;
        this.topics = config.topics.toTopics();
        this.metaSchedule = config.meta.schedule();
        this.store = store;
        this.cache = cache;
        this.models = models;
    }

    /** Handles the current task's records in order under {@code model} (and its meta choice, if any). */
    void process(List<TaskEvent> events, ModelEvent model, HyperEvent hyper, Outputs out) throws Exception {
        if (events.isEmpty()) {
            return;
        }
        FeatureKernel kernel;
        try {
            kernel = models.kernel(model);
        } catch (RuntimeException ex) {
            for (TaskEvent e : events) {
                out.deadLetter(e.deadLetter("model version " + model.version + " cannot be loaded: " + ex.getMessage()));
            }
            return;
        }
        TaskHeader header = store.header();
        if (Double.isNaN(header.ridge)) { // a new task starts from the meta-learned choice, if any
            header.ridge = hyper != null ? hyper.ridge : config.learning.ridge;
            header.flowTime = hyper != null ? hyper.flowTime : Double.POSITIVE_INFINITY;
        }
        Runs runs = new Runs(header, model, kernel, out);
        for (TaskEvent e : events) {
            if (e.x != null && e.x.length != kernel.inputDim()) {
                out.deadLetter(e.deadLetter("field \"x\": expected " + kernel.inputDescription()
                        + " for model version " + model.version + ", got " + e.x.length));
                continue;
            }
            switch (e.kind) {
                case SAMPLE -> runs.sample(e);
                case QUERY -> runs.query(e);
                default -> {
                    runs.flush();
                    single(e, header, model, kernel, out);
                }
            }
        }
        runs.flush();
        store.saveHeader(header);
    }

    /** The record kinds handled one at a time. */
    private void single(TaskEvent e, TaskHeader header, ModelEvent model, FeatureKernel kernel, Outputs out)
            throws Exception {
        switch (e.kind) {
            case POOL_ADD -> addToPool(e, header, model, kernel, out);
            case POOL_REMOVE -> {
                if (!store.removeFromPool(e.id)) {
                    out.deadLetter(e.deadLetter("pool: id '" + e.id + "' is not in task '" + e.task + "''s pool"));
                }
            }
            case PICK -> pick(e.id, e.pick, e.strategy, e, header, model, kernel, out);
            default -> out.deadLetter(e.deadLetter("unknown event kind " + e.kind));
        }
    }

    /** The pending run of samples or of queries (never both). */
    private final class Runs {
        private final TaskHeader header;
        private final ModelEvent model;
        private final FeatureKernel kernel;
        private final Outputs out;
        private final List<TaskEvent> samples = new ArrayList<>();
        private final Set<String> sampleIds = new HashSet<>();
        private final List<TaskEvent> queries = new ArrayList<>();

        Runs(TaskHeader header, ModelEvent model, FeatureKernel kernel, Outputs out) {
            this.header = header;
            this.model = model;
            this.kernel = kernel;
            this.out = out;
        }

        void sample(TaskEvent e) throws Exception {
            flushQueries();
            int o = kernel.outputs();
            int classes = e.label != null ? o : 0;
            if (e.label != null && e.label >= o) {
                out.deadLetter(e.deadLetter("field \"label\": expected a class index in [0, " + o + ") (the model has "
                        + o + " outputs), got " + e.label));
                return;
            }
            if (e.y != null && e.y.length != o) {
                out.deadLetter(e.deadLetter("field \"y\": expected O = " + o + " values, got " + e.y.length));
                return;
            }
            if (header.classes != TaskHeader.CLASSES_UNKNOWN && header.classes != classes) {
                out.deadLetter(e.deadLetter(header.classes == 0
                        ? "field \"label\": task '" + e.task + "' does regression (its samples carry \"y\")"
                        : "field \"y\": task '" + e.task + "' classifies (its samples carry \"label\")"));
                return;
            }
            if (header.classes == TaskHeader.CLASSES_UNKNOWN) {
                header.classes = classes;
                cache.invalidate(e.task); // (an empty learner made for queries had no kind yet)
            }
            if (sampleIds.contains(e.id) || learner(e.task, header, model, kernel).state().contains(e.id)) {
                out.deadLetter(e.deadLetter("field \"id\": sample '" + e.id + "' is already labeled in task '"
                        + e.task + "'"));
                return;
            }
            samples.add(e);
            sampleIds.add(e.id);
            if (endsRun(samples.size())) {
                flushSamples();
            }
        }

        /** Whether the k-th sample of the run is where a meta score or an automatic pick falls due. */
        private boolean endsRun(int k) {
            int n = header.n + k;
            if (config.learning.window > 0) {
                n = Math.min(n, config.learning.window);
            }
            return metaSchedule.isDue(n)
                    || (config.picks.every > 0 && header.labelsSincePick + k >= config.picks.every)
                    || k >= config.batch.maxRecords;
        }

        void query(TaskEvent e) throws Exception {
            flushSamples();
            queries.add(e);
        }

        void flush() throws Exception {
            flushSamples();
            flushQueries();
        }

        private void flushSamples() throws Exception {
            if (samples.isEmpty()) {
                return;
            }
            String task = samples.get(0).task;
            NtkRegressor learner = learner(task, header, model, kernel);
            List<String> ids = new ArrayList<>(samples.size());
            for (TaskEvent e : samples) {
                ids.add(e.id);
            }
            long start = System.nanoTime();
            List<NtkRegressor.LearnResult> results;
            try (Matrix x = columns(samples, kernel.inputDim())) {
                if (header.classes > 0) {
                    long[] labels = new long[samples.size()];
                    for (int i = 0; i < labels.length; i++) {
                        labels[i] = samples.get(i).label;
                    }
                    results = learner.learnManyLabels(ids, x, labels);
                } else {
                    double[][] y = new double[samples.size()][];
                    for (int i = 0; i < y.length; i++) {
                        y[i] = samples.get(i).y;
                    }
                    results = learner.learnMany(ids, x, y);
                }
            } catch (IllegalArgumentException bad) { // the network rejects an input (before any change of state)
                List<TaskEvent> run = new ArrayList<>(samples);
                samples.clear();
                sampleIds.clear();
                if (run.size() == 1) {
                    out.deadLetter(rejected(run.get(0), model, bad));
                    return;
                }
                // learn them one by one: the bad ones go to the dead-letter topic, the rest are learned in order
                for (TaskEvent e : run) {
                    samples.add(e);
                    sampleIds.add(e.id);
                    flushSamples();
                }
                return;
            }
            int oldN = header.n;
            header.n = learner.size();
            out.learned(samples.size(), (System.nanoTime() - start) / 1_000, header.n);
            boolean evicted = results.stream().anyMatch(r -> !r.evicted().isEmpty());
            if (evicted) {
                store.rewriteRows(learner.state().records(), oldN);
            } else {
                for (int i = oldN; i < header.n; i++) {
                    store.writeRow(i, learner.state().record(i));
                }
            }
            for (String id : ids) {
                store.removeFromPool(id); // the annotator's answer to a pick
            }
            TaskEvent last = samples.get(samples.size() - 1);
            header.labelsSincePick += samples.size();
            samples.clear();
            sampleIds.clear();
            if (metaSchedule.isDue(header.n)) {
                out.emit(new OutputRecord(topics.meta(), task, metaScores(task, header, model, learner)));
                if (config.meta.reptile.enabled && header.n >= config.meta.reptile.minLabels) {
                    out.displacement(displacement(task, header, model, learner));
                }
            }
            if (config.picks.every > 0 && header.labelsSincePick >= config.picks.every) {
                header.labelsSincePick = 0;
                pick("auto-" + header.n, config.picks.count, null, last, header, model, kernel, out);
            }
        }

        private void flushQueries() throws Exception {
            if (queries.isEmpty()) {
                return;
            }
            String task = queries.get(0).task;
            NtkRegressor learner = learner(task, header, model, kernel);
            long start = System.nanoTime();
            List<Prediction> predictions;
            try (Matrix x = columns(queries, kernel.inputDim())) {
                predictions = learner.predict(x);
            } catch (IllegalArgumentException bad) { // the network rejects an input
                List<TaskEvent> run = new ArrayList<>(queries);
                queries.clear();
                if (run.size() == 1) {
                    out.deadLetter(rejected(run.get(0), model, bad));
                    return;
                }
                for (TaskEvent e : run) { // answer them one by one: the bad ones go to the dead-letter topic
                    queries.add(e);
                    flushQueries();
                }
                return;
            }
            out.predicted(queries.size(), (System.nanoTime() - start) / 1_000);
            for (int i = 0; i < queries.size(); i++) {
                TaskEvent e = queries.get(i);
                Prediction p = predictions.get(i);
                out.emit(new OutputRecord(topics.predictions(), e.task, OutputFormats.prediction(e.task, e.id, p.mean(),
                        p.variance(), p.probabilities(), p.isClassification() ? p.label() : null, learner.size(),
                        model.version)));
            }
            queries.clear();
        }
    }

    /** The dead letter of a record whose x the network rejects (e.g. a token id out of range). */
    private static DeadLetter rejected(TaskEvent e, ModelEvent model, IllegalArgumentException why) {
        return e.deadLetter("field \"x\": not a valid input for model version " + model.version + ": "
                + why.getMessage());
    }

    /** The events' x as the columns of an input_dim x m float64 matrix. */
    private static Matrix columns(List<TaskEvent> events, int d) {
        double[] x = new double[events.size() * d];
        for (int i = 0; i < events.size(); i++) {
            System.arraycopy(events.get(i).x, 0, x, i * d, d);
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, d, events.size(), x);
    }

    private void addToPool(TaskEvent e, TaskHeader header, ModelEvent model, FeatureKernel kernel, Outputs out)
            throws Exception {
        if (store.inPool(e.id)) {
            out.deadLetter(e.deadLetter("field \"id\": '" + e.id + "' is already in task '" + e.task + "''s pool"));
            return;
        }
        if (header.n > 0 && learner(e.task, header, model, kernel).state().contains(e.id)) {
            out.deadLetter(e.deadLetter("field \"id\": '" + e.id + "' is already labeled in task '" + e.task + "'"));
            return;
        }
        try (Matrix x = columns(List.of(e), kernel.inputDim())) {
            kernel.checkInput(x); // so that a later pick never meets an input the network rejects
        } catch (IllegalArgumentException bad) {
            out.deadLetter(rejected(e, model, bad));
            return;
        }
        store.addToPool(e.id, new PoolEntry(header.poolSeq++, e.x));
    }

    private void pick(String requestId, int count, String strategyName, TaskEvent e, TaskHeader header,
                      ModelEvent model, FeatureKernel kernel, Outputs out) throws Exception {
        AcquisitionKind kind = strategyName == null ? config.picks.defaultStrategy() : AcquisitionKind.parse(strategyName);
        if (kind.needsClasses() && header.classes <= 0) {
            out.deadLetter(e.deadLetter("field \"strategy\": '" + kind.cliName() + "' needs a classification task "
                    + "(samples with \"label\"); task '" + e.task + "' " + (header.classes == 0 ? "does regression"
                    : "has no labeled sample yet")));
            return;
        }
        NtkRegressor learner = learner(e.task, header, model, kernel);
        List<Map.Entry<String, PoolEntry>> entries = store.poolInOrder();
        List<String> ids = new ArrayList<>();
        double[] scores = new double[0];
        if (!entries.isEmpty()) {
            double[][] x = new double[entries.size()][];
            List<String> poolIds = new ArrayList<>(entries.size());
            for (int i = 0; i < x.length; i++) {
                poolIds.add(entries.get(i).getKey());
                x[i] = entries.get(i).getValue().x;
            }
            long seed = TaskLearnerFunction.pickSeed(e.task, requestId);
            try (Pool pool = Pool.of(kernel, poolIds, x)) {
                Query q = QueryStrategy.of(kind, seed).query(learner, pool, Math.min(count, pool.size()));
                ids.addAll(q.ids());
                scores = q.scores();
            } catch (IllegalArgumentException bad) { // a pool entry this model version rejects (checked at add time
                // against the version then current)
                out.deadLetter(e.deadLetter("pick: the pool of task '" + e.task + "' holds an input model version "
                        + model.version + " rejects (withdraw it with \"remove\"): " + bad.getMessage()));
                return;
            }
        }
        out.emit(new OutputRecord(topics.picks(), e.task, OutputFormats.picks(e.task, requestId, ids, scores,
                learner.size(), model.version, kind.cliName(), entries.size())));
    }

    /**
     * The task's learner for this model version: from the heap cache, else restored from its stored
     * rows, else (rows of an older version) rebuilt from the stored raw samples, rows rewritten.
     */
    private NtkRegressor learner(String task, TaskHeader header, ModelEvent model, FeatureKernel kernel)
            throws Exception {
        NtkRegressor cached = cache.get(task, model.version, header.n);
        if (cached != null) {
            return cached;
        }
        RegressorSettings settings = config.learning.settings(Math.max(header.classes, 0)).withRidge(header.ridge)
                .withTime(Double.isInfinite(header.flowTime) ? TrainingTime.INFINITE
                        : TrainingTime.of(header.flowTime, 1.0));
        NtkRegressor learner;
        if (header.n == 0) {
            learner = new NtkRegressor(kernel, settings);
        } else if (header.modelVersion == model.version) {
            learner = NtkRegressor.restore(kernel, settings, store.readRows(header.n));
        } else {
            learner = rebuild(kernel, settings, store.readRows(header.n));
            store.rewriteRows(learner.state().records(), header.n);
        }
        header.modelVersion = model.version;
        cache.put(task, model.version, learner);
        return learner;
    }

    /**
     * The task's closed-form leave-one-out scores of the meta grid (exact LOO for ridge points, GCV
     * for flow times; {@link MetaLearner}), as a {@code "kind":"task"} record of the meta topic; the
     * aggregator averages the latest scores of every task.
     */
    private static String metaScores(String task, TaskHeader header, ModelEvent model, NtkRegressor learner) {
        MetaLearner.TaskEvaluation ev = new MetaLearner().evaluate(learner.state());
        HyperParameters best = ev.best();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "task");
        m.put("task", task);
        m.put("model_version", model.version);
        m.put("n_train", header.n);
        m.put("scores", ev.scores());
        m.put("best_ridge", best.ridge());
        m.put("best_flow_time", best.isRidge() ? null : best.time().flowTime());
        m.put("best_score", ev.scores()[ev.bestIndex()]);
        m.put("ridge", header.ridge);
        m.put("flow_time", Double.isInfinite(header.flowTime) ? null : header.flowTime);
        return OutputFormats.json(m);
    }

    /** Δθ = J(X)ᵀC of the task's fine-tune under its own hyper-parameters (one VJP; {@link Displacement}). */
    private static TaskDisplacement displacement(String task, TaskHeader header, ModelEvent model, NtkRegressor learner) {
        TaskDisplacement d = new TaskDisplacement();
        d.task = task;
        d.modelVersion = model.version;
        d.arch = model.arch;
        d.paramsUri = model.paramsUri;
        d.nTrain = header.n;
        d.delta = Displacement.of(learner.state(), new HyperParameters(header.ridge,
                Double.isInfinite(header.flowTime) ? TrainingTime.INFINITE : TrainingTime.of(header.flowTime, 1.0)));
        return d;
    }

    /** The stored samples (raw x and targets, in order) learned again under {@code kernel}. */
    private static NtkRegressor rebuild(FeatureKernel kernel, RegressorSettings settings, List<SampleRecord> rows) {
        NtkRegressor learner = new NtkRegressor(kernel, settings);
        int d = kernel.inputDim();
        List<String> ids = new ArrayList<>(rows.size());
        double[] x = new double[rows.size() * d];
        double[][] targets = new double[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            ids.add(rows.get(i).id());
            System.arraycopy(rows.get(i).x(), 0, x, i * d, d);
            targets[i] = rows.get(i).target();
        }
        try (Matrix m = Matrix.fromColumnMajor(Precision.FLOAT64, d, rows.size(), x)) {
            learner.state().addAll(ids, m, targets);
        }
        return learner;
    }
}
