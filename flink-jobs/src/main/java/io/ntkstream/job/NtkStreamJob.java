package io.ntkstream.job;

import io.ntkstream.kafka.BroadcastEvent;
import io.ntkstream.kafka.DeadLetter;
import io.ntkstream.kafka.ModelEvent;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.OutputRecord;
import io.ntkstream.kafka.OutputRecordSerializer;
import io.ntkstream.kafka.RawRecord;
import io.ntkstream.kafka.RawRecordDeserializer;
import io.ntkstream.kafka.RecordDecoder;
import io.ntkstream.kafka.TaskEvent;
import io.ntkstream.kafka.Topics;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.client.deployment.executors.LocalExecutor;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The streaming job graph:
 * <pre>
 * Kafka (samples, pool, queries, control, models, meta) ─► decode ─► keyBy(task) ─► task learner ─┬──► Kafka sink
 *                  │ models, meta choices ── broadcast ───────────────────────┘                     │    (exactly once,
 *                  │                                  meta aggregator (keyBy model version) ◄─ scores │     by topic)
 *                  └ dead letters ──────────────────────────────────────────────────────────────────►┘
 * </pre>
 * Every operator has a stable uid, so a savepoint or checkpoint can be restored into a newer build.
 */
public final class NtkStreamJob {
    public static final String JOB_NAME = "ntkstream";

    private NtkStreamJob() {
    }

    /** The Flink configuration the job needs: RocksDB incremental checkpoints, retained on cancel. */
    public static Configuration flinkConfiguration(JobConfig config) {
        Configuration c = new Configuration();
        c.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        c.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.flink.checkpointDir);
        c.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, java.time.Duration.ofMillis(config.flink.checkpointIntervalMs));
        // flush network buffers after 5 ms at most (Flink's default, 100 ms, would dominate the latency)
        c.setString("execution.buffer-timeout.interval", "5 ms");
        for (Map.Entry<String, String> e : config.flink.configuration.entrySet()) {
            c.setString(e.getKey(), e.getValue());
        }
        return c;
    }

    /** A job on an in-process Flink cluster, and where that cluster's REST API and web UI listen. */
    public record LocalJob(JobClient client, URI restAddress) {
    }

    /**
     * Starts the job on an in-process Flink cluster (MiniCluster) bound to 127.0.0.1 only, with
     * the RocksDB backend and checkpointing on, and returns without waiting for it to end.
     * {@code restoreFrom} (a checkpoint or savepoint path, or null) resumes from saved state.
     */
    public static JobClient startLocal(JobConfig config, TaskFailureInjector injector, String restoreFrom)
            throws Exception {
        return startLocalCluster(config, injector, restoreFrom).client();
    }

    /**
     * {@link #startLocal}, and the address of the MiniCluster's REST endpoint, which also serves Flink's
     * web UI (flink-runtime-web is on the command line's class path). Unless the configuration's
     * {@code flink.configuration} says otherwise, every endpoint binds 127.0.0.1, the REST port is
     * chosen by the system ({@code rest.bind-port: 0}: it never clashes with another process), and
     * jars cannot be uploaded through the web UI ({@code web.submit.enable: false}). The MiniCluster
     * shuts down when the job ends (cancelled, failed or finished).
     */
    public static LocalJob startLocalCluster(JobConfig config, TaskFailureInjector injector, String restoreFrom)
            throws Exception {
        Configuration c = flinkConfiguration(config);
        Map<String, String> own = config.flink.configuration;
        for (String key : List.of("jobmanager.bind-host", "jobmanager.rpc.address", "taskmanager.bind-host",
                "taskmanager.host", "rest.bind-address", "rest.address")) {
            if (!own.containsKey(key)) {
                c.setString(key, "127.0.0.1");
            }
        }
        if (!own.containsKey("rest.bind-port") && !own.containsKey("rest.port")) {
            c.setString("rest.bind-port", "0");
        }
        if (!own.containsKey("web.submit.enable")) {
            c.setString("web.submit.enable", "false");
        }
        if (!own.containsKey("restart-strategy.type")) {
            c.setString("restart-strategy.type", "fixed-delay");
            c.setString("restart-strategy.fixed-delay.attempts", "1000");
            c.setString("restart-strategy.fixed-delay.delay", "200 ms");
        }
        if (restoreFrom != null) {
            c.setString("execution.state-recovery.path", restoreFrom);
        }
        c.set(DeploymentOptions.TARGET, "local");
        c.set(DeploymentOptions.ATTACHED, true);
        // Flink's local executor, with a factory that remembers the MiniCluster it creates for the job
        AtomicReference<MiniCluster> cluster = new AtomicReference<>();
        PipelineExecutorFactory factory = new PipelineExecutorFactory() {
            @Override
            public String getName() {
                return "local";
            }

            @Override
            public boolean isCompatibleWith(Configuration configuration) {
                return true;
            }

            @Override
            public PipelineExecutor getExecutor(Configuration configuration) {
                return LocalExecutor.createWithFactory(configuration, mc -> {
                    MiniCluster m = new MiniCluster(mc);
                    cluster.set(m);
                    return m;
                });
            }
        };
        PipelineExecutorServiceLoader loader = new PipelineExecutorServiceLoader() {
            @Override
            public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
                return factory;
            }

            @Override
            public Stream<String> getExecutorNames() {
                return Stream.of("local");
            }
        };
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(loader, c, NtkStreamJob.class.getClassLoader());
        build(env, config, injector);
        JobClient client = env.executeAsync(JOB_NAME);
        MiniCluster m = cluster.get();
        URI rest = m == null ? null : m.getRestAddress().get(60, TimeUnit.SECONDS);
        return new LocalJob(client, rest);
    }

    /** Adds the job to {@code env} (whose configuration should include {@link #flinkConfiguration}). */
    public static void build(StreamExecutionEnvironment env, JobConfig config, TaskFailureInjector injector) {
        Topics topics = config.topics.toTopics();
        env.setParallelism(config.flink.parallelism);

        List<String> inputs = new ArrayList<>(topics.taskInputs());
        inputs.add(topics.models());
        if (config.meta.every > 0 && config.meta.apply) {
            inputs.add(topics.meta()); // the aggregator's choices come back through Kafka (no cycles in a Flink graph)
        }
        KafkaSource<RawRecord> source = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(config.kafka.bootstrapServers)
                .setGroupId(config.kafka.groupId)
                .setTopics(inputs)
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperties(kafkaProperties(config))
                .setProperty("isolation.level", "read_committed")
                .build();
        DataStream<RawRecord> raw = env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka-inputs")
                .uid("kafka-inputs");

        SingleOutputStreamOperator<TaskEvent> events = raw
                .process(new DecodeFunction(new RecordDecoder(topics, config.limits.toDecoderLimits())))
                .uid("decode").name("decode + validate");
        BroadcastStream<BroadcastEvent> models = events.getSideOutput(DecodeFunction.BROADCAST)
                .broadcast(TaskLearnerFunction.MODELS, TaskLearnerFunction.HYPER);
        SingleOutputStreamOperator<OutputRecord> taskOutputs = events
                .keyBy(e -> e.task)
                .connect(models)
                .process(new TaskLearnerFunction(config, injector), TypeInformation.of(OutputRecord.class))
                .uid("task-learner").name("task learner (NTK regression, active learning)");
        DataStream<OutputRecord> decodeDeadLetters = events.getSideOutput(DecodeFunction.DEAD_LETTERS)
                .map(d -> deadLetterRecord(topics, d), TypeInformation.of(OutputRecord.class))
                .uid("dead-letters").name("dead letters");

        KafkaSink<OutputRecord> sink = KafkaSink.<OutputRecord>builder()
                .setBootstrapServers(config.kafka.bootstrapServers)
                .setKafkaProducerConfig(kafkaProperties(config))
                .setProperty("transaction.timeout.ms", Long.toString(config.kafka.transactionTimeoutMs))
                .setRecordSerializer(new OutputRecordSerializer())
                .setDeliveryGuarantee(config.kafka.deliveryGuarantee())
                .setTransactionalIdPrefix(config.kafka.transactionalIdPrefix)
                .build();
        DataStream<OutputRecord> metaChoices = taskOutputs
                .filter(r -> r.topic.equals(topics.meta())).uid("meta-task-records").name("meta task records")
                .map(r -> TaskScores.parse(r.value), TypeInformation.of(TaskScores.class)).uid("meta-scores")
                .filter(s -> s != null).uid("meta-scores-only")
                .keyBy(s -> s.modelVersion)
                .process(new MetaAggregatorFunction(topics.meta()), TypeInformation.of(OutputRecord.class))
                .uid("meta-aggregator").name("meta aggregator (hyper-parameters across tasks)");
        DataStream<OutputRecord> outputs = taskOutputs.union(decodeDeadLetters, metaChoices);
        if (config.meta.reptile.enabled) {
            outputs = outputs.union(taskOutputs.getSideOutput(TaskLearnerFunction.DISPLACEMENTS)
                    .keyBy(d -> d.modelVersion)
                    .process(new ReptileFunction(config.meta.reptile, topics.models(), topics.meta()),
                            TypeInformation.of(OutputRecord.class))
                    .uid("reptile").name("Reptile checkpoint meta-update"));
        }
        outputs.sinkTo(sink).uid("kafka-outputs").name("kafka outputs");
    }

    private static OutputRecord deadLetterRecord(Topics topics, DeadLetter d) {
        return new OutputRecord(topics.deadLetter(), null, OutputFormats.deadLetter(d));
    }

    private static Properties kafkaProperties(JobConfig config) {
        Properties p = new Properties();
        p.putAll(config.kafka.properties);
        return p;
    }
}
