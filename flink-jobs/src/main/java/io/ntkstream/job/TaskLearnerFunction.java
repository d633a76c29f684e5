package io.ntkstream.job;

import io.ntkstream.active.AcquisitionKind;
import io.ntkstream.active.Pool;
import io.ntkstream.active.Query;
import io.ntkstream.active.QueryStrategy;
import io.ntkstream.kafka.BroadcastEvent;
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
import io.ntkstream.meta.Displacement;
import io.ntkstream.meta.HyperParameters;
import io.ntkstream.meta.MetaLearner;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.state.LearnerCache;
import io.ntkstream.state.PoolEntry;
import io.ntkstream.state.TaskHeader;
import io.ntkstream.state.TaskStateStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import java.util.function.Consumer;

/**
 * The per-task operator (keyed by task, models broadcast). It moves records and state and calls
 * {@code ntk-core}: a labeled sample is learned ({@link NtkRegressor#learnOne}: one kernel row, one
 * Cholesky row) and its row written to RocksDB; a query is answered with the NTK-regression
 * prediction; a pick request scores the task's pool ({@link QueryStrategy}, greedy batch).
 *
 * <p>Models (Flink ML's pattern): the latest version lives in broadcast state; records that arrive
 * before the first model are buffered in keyed state and replayed when it arrives. A new version
 * makes a task rebuild its kernel from its stored raw samples lazily, on the task's next record;
 * every output names the version it came from. Anything unusable goes to the dead-letter topic.
 */
public class TaskLearnerFunction extends KeyedBroadcastProcessFunction<String, TaskEvent, BroadcastEvent, OutputRecord> {
    private static final long serialVersionUID = 1L;
    public static final MapStateDescriptor<String, ModelEvent> MODELS =
            new MapStateDescriptor<>("models", Types.STRING, Types.POJO(ModelEvent.class));
    /** Meta-learned hyper-parameters, by model version ("v3"). */
    public static final MapStateDescriptor<String, HyperEvent> HYPER =
            new MapStateDescriptor<>("hyper", Types.STRING, Types.POJO(HyperEvent.class));
    static final String CURRENT = "current";
    /** Tasks' fine-tune displacements for the Reptile meta-update (when enabled). */
    public static final OutputTag<TaskDisplacement> DISPLACEMENTS = new OutputTag<>("displacements") { };

    private final JobConfig config;
    private final Topics topics;
    private final TaskFailureInjector injector;

    private transient TaskStateStore store;
    private transient LearnerCache cache;
    private transient ModelRegistry models;
    private transient volatile long modelVersion = -1;
    /** Where displacements go for the record being processed (the current call's context). */
    private transient Consumer<TaskDisplacement> displacements;
    private transient Counter deadLetters;
    private transient Counter samplesLearned;
    private transient Histogram learnMicros;
    private transient Histogram predictMicros;
    private transient Histogram taskSize;

    public TaskLearnerFunction(JobConfig config, TaskFailureInjector injector) {
        this.config = config;
        this.topics = config.topics.toTopics();
        this.injector = injector == null ? TaskFailureInjector.NONE : injector;
    }

    @Override
    public void open(OpenContext openContext) {
        store = new TaskStateStore(getRuntimeContext());
        cache = new LearnerCache(config.state.cacheTasks);
        models = new ModelRegistry(config.model.precision(), config.model.mode());
        var metrics = getRuntimeContext().getMetricGroup();
        metrics.gauge("modelVersion", () -> modelVersion);
        deadLetters = metrics.counter("deadLetters");
        samplesLearned = metrics.counter("samplesLearned");
        learnMicros = metrics.histogram("kernelRowLatencyMicros", new DescriptiveStatisticsHistogram(1000));
        predictMicros = metrics.histogram("predictionLatencyMicros", new DescriptiveStatisticsHistogram(1000));
        taskSize = metrics.histogram("samplesPerTask", new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    public void close() {
        if (cache != null) {
            cache.close();
        }
    }

    @Override
    public void processElement(TaskEvent event, ReadOnlyContext ctx, Collector<OutputRecord> out) throws Exception {
        injector.beforeEvent(event);
        displacements = d -> ctx.output(DISPLACEMENTS, d);
        ModelEvent model = ctx.getBroadcastState(MODELS).get(CURRENT);
        if (model == null) {
            store.buffer(event);
            return;
        }
        handle(event, model, ctx.getBroadcastState(HYPER).get("v" + model.version), out);
    }

    @Override
    public void processBroadcastElement(BroadcastEvent event, Context ctx, Collector<OutputRecord> out)
            throws Exception {
        if (event.hyper != null) {
            if (config.meta.apply) { // new tasks of that model version start from it
                ctx.getBroadcastState(HYPER).put("v" + event.hyper.modelVersion, event.hyper);
            }
            return;
        }
        ModelEvent model = event.model;
        displacements = d -> ctx.output(DISPLACEMENTS, d);
        BroadcastState<String, ModelEvent> state = ctx.getBroadcastState(MODELS);
        ModelEvent current = state.get(CURRENT);
        boolean reportHere = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0; // report once, not per instance
        if (current != null && model.version <= current.version) {
            if (reportHere) {
                deadLetter(out, model.deadLetter("field \"version\": expected a version newer than the current "
                        + current.version + ", got " + model.version));
            }
            return;
        }
        try {
            models.kernel(model);
        } catch (RuntimeException e) {
            if (reportHere) {
                deadLetter(out, model.deadLetter("checkpoint " + model.paramsUri + " cannot be used: " + e.getMessage()));
            }
            return;
        }
        state.put(CURRENT, model);
        modelVersion = model.version;
        if (current == null) { // replay what the tasks buffered while waiting for a first model
            ctx.applyToKeyedState(TaskStateStore.PENDING, (task, pending) -> {
                List<TaskEvent> buffered = new ArrayList<>();
                pending.get().forEach(buffered::add);
                pending.clear();
                for (TaskEvent e : buffered) {
                    handle(e, model, null, out);
                }
            });
        }
    }

    // ------------------------------------------------------------------ per record

    private void handle(TaskEvent e, ModelEvent model, HyperEvent hyper, Collector<OutputRecord> out)
            throws Exception {
        FeatureKernel kernel;
        try {
            kernel = models.kernel(model);
        } catch (RuntimeException ex) {
            deadLetter(out, e.deadLetter("model version " + model.version + " cannot be loaded: " + ex.getMessage()));
            return;
        }
        if (e.x != null && e.x.length != kernel.inputDim()) {
            deadLetter(out, e.deadLetter("field \"x\": expected input_dim = " + kernel.inputDim()
                    + " values for model version " + model.version + ", got " + e.x.length));
            return;
        }
        TaskHeader header = store.header();
        if (Double.isNaN(header.ridge)) { // a new task starts from the meta-learned choice, if any
            header.ridge = hyper != null ? hyper.ridge : config.learning.ridge;
            header.flowTime = hyper != null ? hyper.flowTime : Double.POSITIVE_INFINITY;
            store.saveHeader(header);
        }
        switch (e.kind) {
            case SAMPLE -> learn(e, header, model, kernel, out);
            case QUERY -> predict(e, header, model, kernel, out);
            case POOL_ADD -> addToPool(e, header, model, kernel, out);
            case POOL_REMOVE -> {
                if (!store.removeFromPool(e.id)) {
                    deadLetter(out, e.deadLetter("pool: id '" + e.id + "' is not in task '" + e.task + "''s pool"));
                }
            }
            case PICK -> pick(e.id, e.pick, e.strategy, e, header, model, kernel, out);
            default -> deadLetter(out, e.deadLetter("unknown event kind " + e.kind));
        }
    }

    private void learn(TaskEvent e, TaskHeader header, ModelEvent model, FeatureKernel kernel,
                       Collector<OutputRecord> out) throws Exception {
        int o = kernel.outputs();
        int classes = e.label != null ? o : 0;
        if (e.label != null && e.label >= o) {
            deadLetter(out, e.deadLetter("field \"label\": expected a class index in [0, " + o + ") (the model has "
                    + o + " outputs), got " + e.label));
            return;
        }
        if (e.y != null && e.y.length != o) {
            deadLetter(out, e.deadLetter("field \"y\": expected O = " + o + " values, got " + e.y.length));
            return;
        }
        if (header.classes != TaskHeader.CLASSES_UNKNOWN && header.classes != classes) {
            deadLetter(out, e.deadLetter(header.classes == 0
                    ? "field \"label\": task '" + e.task + "' does regression (its samples carry \"y\")"
                    : "field \"y\": task '" + e.task + "' classifies (its samples carry \"label\")"));
            return;
        }
        if (header.classes == TaskHeader.CLASSES_UNKNOWN) {
            header.classes = classes;
            cache.invalidate(e.task); // (an empty learner made for queries had no kind yet)
        }
        NtkRegressor learner = learner(e.task, header, model, kernel);
        if (learner.state().contains(e.id)) {
            deadLetter(out, e.deadLetter("field \"id\": sample '" + e.id + "' is already labeled in task '" + e.task
                    + "'"));
            return;
        }
        long start = System.nanoTime();
        NtkRegressor.LearnResult r = e.label != null ? learner.learnOne(e.id, e.x, e.label)
                : learner.learnOne(e.id, e.x, e.y);
        learnMicros.update((System.nanoTime() - start) / 1_000);
        int oldN = header.n;
        header.n = learner.size();
        if (r.evicted().isEmpty()) {
            store.writeRow(header.n - 1, learner.state().record(header.n - 1));
        } else {
            store.rewriteRows(learner.state().records(), oldN);
        }
        store.removeFromPool(e.id); // the annotator's answer to a pick
        samplesLearned.inc();
        taskSize.update(header.n);
        if (config.meta.every > 0 && header.n >= 2 && header.n % config.meta.every == 0) {
            out.collect(new OutputRecord(topics.meta(), e.task, metaScores(e.task, header, model, learner)));
            if (config.meta.reptile.enabled && header.n >= config.meta.reptile.minLabels) {
                displacements.accept(displacement(e.task, header, model, learner));
            }
        }
        header.labelsSincePick++;
        if (config.picks.every > 0 && header.labelsSincePick >= config.picks.every) {
            header.labelsSincePick = 0;
            pick("auto-" + header.n, config.picks.count, null, e, header, model, kernel, out);
        }
        store.saveHeader(header);
    }

    private void predict(TaskEvent e, TaskHeader header, ModelEvent model, FeatureKernel kernel,
                         Collector<OutputRecord> out) throws Exception {
        NtkRegressor learner = learner(e.task, header, model, kernel);
        long start = System.nanoTime();
        Prediction p = learner.predictOne(e.x);
        predictMicros.update((System.nanoTime() - start) / 1_000);
        out.collect(new OutputRecord(topics.predictions(), e.task, OutputFormats.prediction(e.task, e.id, p.mean(),
                p.variance(), p.probabilities(), p.isClassification() ? p.label() : null, learner.size(),
                model.version)));
    }

    private void addToPool(TaskEvent e, TaskHeader header, ModelEvent model, FeatureKernel kernel,
                           Collector<OutputRecord> out) throws Exception {
        if (store.inPool(e.id)) {
            deadLetter(out, e.deadLetter("field \"id\": '" + e.id + "' is already in task '" + e.task + "''s pool"));
            return;
        }
        if (header.n > 0 && learner(e.task, header, model, kernel).state().contains(e.id)) {
            deadLetter(out, e.deadLetter("field \"id\": '" + e.id + "' is already labeled in task '" + e.task + "'"));
            return;
        }
        store.addToPool(e.id, new PoolEntry(header.poolSeq++, e.x));
        store.saveHeader(header);
    }

    private void pick(String requestId, int count, String strategyName, TaskEvent e, TaskHeader header,
                      ModelEvent model, FeatureKernel kernel, Collector<OutputRecord> out) throws Exception {
        AcquisitionKind kind = strategyName == null ? config.picks.defaultStrategy() : AcquisitionKind.parse(strategyName);
        if (kind.needsClasses() && header.classes <= 0) {
            deadLetter(out, e.deadLetter("field \"strategy\": '" + kind.cliName() + "' needs a classification task "
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
            long seed = pickSeed(e.task, requestId); // deterministic, so a replay picks the same
            try (Pool pool = Pool.of(kernel, poolIds, x)) {
                Query q = QueryStrategy.of(kind, seed).query(learner, pool, Math.min(count, pool.size()));
                ids.addAll(q.ids());
                scores = q.scores();
            }
        }
        out.collect(new OutputRecord(topics.picks(), e.task, OutputFormats.picks(e.task, requestId, ids, scores,
                learner.size(), model.version, kind.cliName(), entries.size())));
    }

    /**
     * The seed of a pick request's strategy (only {@code random} uses it): a function of the task and the
     * request id alone, so the same request on the same state picks the same candidates, also in a replay.
     */
    public static long pickSeed(String task, String requestId) {
        return (task + "/" + requestId).hashCode();
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
        if (header.modelVersion != model.version) {
            header.modelVersion = model.version;
            store.saveHeader(header);
        }
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

    private void deadLetter(Collector<OutputRecord> out, DeadLetter d) {
        deadLetters.inc();
        out.collect(new OutputRecord(topics.deadLetter(), null, OutputFormats.deadLetter(d)));
    }
}
