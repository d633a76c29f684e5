package io.ntkstream.job;

import io.ntkstream.kafka.BroadcastEvent;
import io.ntkstream.kafka.DeadLetter;
import io.ntkstream.kafka.HyperEvent;
import io.ntkstream.kafka.ModelEvent;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.OutputRecord;
import io.ntkstream.kafka.TaskEvent;
import io.ntkstream.kafka.Topics;
import io.ntkstream.state.LearnerCache;
import io.ntkstream.state.TaskStateStore;
import java.util.List;
import java.util.function.Consumer;
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

/**
 * The per-task operator (keyed by task, models broadcast). It moves records and state; what a
 * record does (learn a sample, answer a query, pick from the pool) is {@link TaskProcessor}'s.
 *
 * <p>Micro-batches ({@code batch} in the config): a task's records gather in keyed state (so a
 * checkpoint holds them and none is lost) until max-records have arrived or a processing-time
 * timer max-delay-ms after the first fires, then go to the processor together.
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
    private transient TaskProcessor processor;
    private transient volatile long modelVersion = -1;
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
        processor = new TaskProcessor(config, store, cache, models);
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
        ModelEvent model = ctx.getBroadcastState(MODELS).get(CURRENT);
        if (model == null) { // buffered until the first model arrives
            store.buffer(event);
            return;
        }
        if (!config.batch.enabled()) {
            processor.process(List.of(event), model, hyper(ctx, model), outputs(out, d -> ctx.output(DISPLACEMENTS, d)));
            return;
        }
        int pending = store.buffer(event);
        if (pending >= config.batch.maxRecords) {
            flush(ctx, model, out, d -> ctx.output(DISPLACEMENTS, d));
        } else if (pending == 1) {
            long now = ctx.timerService().currentProcessingTime();
            ctx.timerService().registerProcessingTimeTimer(now + config.batch.maxDelayMs);
        }
    }

    /** The micro-batch's deadline: process whatever the task has gathered (nothing if already done). */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<OutputRecord> out) throws Exception {
        ModelEvent model = ctx.getBroadcastState(MODELS).get(CURRENT);
        if (model != null) {
            flush(ctx, model, out, d -> ctx.output(DISPLACEMENTS, d));
        }
    }

    private void flush(ReadOnlyContext ctx, ModelEvent model, Collector<OutputRecord> out,
                       Consumer<TaskDisplacement> displacements) throws Exception {
        processor.process(store.drainPending(), model, hyper(ctx, model), outputs(out, displacements));
    }

    /**
     * The seed of a pick request's strategy (only {@code random} uses it): a function of the task and the
     * request id alone, so the same request on the same state picks the same candidates, also in a replay.
     */
    public static long pickSeed(String task, String requestId) {
        return (task + "/" + requestId).hashCode();
    }

    private static HyperEvent hyper(ReadOnlyContext ctx, ModelEvent model) throws Exception {
        return ctx.getBroadcastState(HYPER).get("v" + model.version);
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
            TaskProcessor.Outputs outputs = outputs(out, d -> ctx.output(DISPLACEMENTS, d));
            ctx.applyToKeyedState(TaskStateStore.PENDING, (task, pending) -> // (the task is the current key)
                    processor.process(store.drainPending(), model, null, outputs));
        }
    }

    private void deadLetter(Collector<OutputRecord> out, DeadLetter d) {
        deadLetters.inc();
        out.collect(new OutputRecord(topics.deadLetter(), null, OutputFormats.deadLetter(d)));
    }

    /** The processor's outputs for this call: the collector, the side output, the metrics. */
    private TaskProcessor.Outputs outputs(Collector<OutputRecord> out, Consumer<TaskDisplacement> displacements) {
        return new TaskProcessor.Outputs() {
            @Override
            public void emit(OutputRecord record) {
                out.collect(record);
            }

            @Override
            public void deadLetter(DeadLetter letter) {
                TaskLearnerFunction.this.deadLetter(out, letter);
            }

            @Override
            public void displacement(TaskDisplacement d) {
                displacements.accept(d);
            }

            @Override
            public void learned(int samples, long micros, int n) {
                samplesLearned.inc(samples);
                learnMicros.update(micros / samples);
                taskSize.update(n);
            }

            @Override
            public void predicted(int queries, long micros) {
                predictMicros.update(micros / queries);
            }
        };
    }
}
