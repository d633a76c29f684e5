package io.ntkstream.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ntkstream.active.AcquisitionKind;
import io.ntkstream.kafka.DecoderLimits;
import io.ntkstream.kafka.Topics;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.linalg.Precision;
import io.ntkstream.meta.MetaSchedule;
import io.ntkstream.ntk.NtkMode;
import java.io.IOException;
import java.io.Serializable;
import org.apache.flink.connector.base.DeliveryGuarantee;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The streaming job's configuration, bound from YAML ({@code config/ntkstream.yaml} documents
 * every key). Keys are kebab-case; an unknown key is an error that names it. Every section has
 * defaults, so an empty file is a valid local configuration.
 */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public Kafka kafka = new Kafka();
    public TopicNames topics = new TopicNames();
    public Model model = new Model();
    public Learning learning = new Learning();
    public Picks picks = new Picks();
    public Limits limits = new Limits();
    public Meta meta = new Meta();
    public State state = new State();
    public Batch batch = new Batch();
    public Flink flink = new Flink();

    /** Kafka: where the broker is, the consumer group, and any client property passed through. */
    public static final class Kafka implements Serializable {
        private static final long serialVersionUID = 1L;
        public String bootstrapServers = "127.0.0.1:9092";
        public String groupId = "ntkstream";
        /** Prefix of the sink's transactional ids (unique per job on a cluster). */
        public String transactionalIdPrefix = "ntkstream";
        /** Must not exceed the broker's transaction.max.timeout.ms (15 min by default). */
        public long transactionTimeoutMs = 600_000;
        /**
         * exactly-once (transactions: an output is visible to read_committed consumers once the
         * checkpoint that holds it completes) or at-least-once (visible at once; after a restart an
         * output may repeat — predictions and picks are idempotent by their id).
         */
        public String delivery = "exactly-once";
        /** Any Kafka client property (security.protocol, sasl.*, ssl.*, ...), for sources and sink. */
        public Map<String, String> properties = new LinkedHashMap<>();

        public DeliveryGuarantee deliveryGuarantee() {
            return switch (delivery == null ? "" : delivery.toLowerCase(Locale.ROOT)) {
                case "exactly-once", "exactly_once" -> DeliveryGuarantee.EXACTLY_ONCE;
                case "at-least-once", "at_least_once" -> DeliveryGuarantee.AT_LEAST_ONCE;
                default -> throw new IllegalArgumentException("kafka.delivery: expected exactly-once or at-least-once, "
                        + "got '" + delivery + "'");
            };
        }
    }

    public static final class TopicNames implements Serializable {
        private static final long serialVersionUID = 1L;
        public String samples = "ntk.samples";
        public String pool = "ntk.pool";
        public String queries = "ntk.queries";
        public String control = "ntk.control";
        public String models = "ntk.models";
        public String predictions = "ntk.predictions";
        public String picks = "ntk.picks";
        public String meta = "ntk.meta";
        @JsonProperty("dead-letter")
        public String deadLetter = "ntk.dead-letter";

        public Topics toTopics() {
            return new Topics(samples, pool, queries, control, models, predictions, picks, meta, deadLetter);
        }
    }

    /** How the checkpoint's network and its kernel are evaluated. */
    public static final class Model implements Serializable {
        private static final long serialVersionUID = 1L;
        /** float64 or float32 (the network; Gram, Cholesky and regression are always float64). */
        public String precision = "float64";
        /** pseudo ((1/O)·Σ_{o,o'} Θ[o,o'], cheapest: one cotangent per sample) or trace (Σ_o Θ[o,o]). */
        public String kernel = "pseudo";

        public Precision precision() {
            return switch (precision.toLowerCase(Locale.ROOT)) {
                case "float64", "f64", "double" -> Precision.FLOAT64;
                case "float32", "f32", "float" -> Precision.FLOAT32;
                default -> throw new IllegalArgumentException("model.precision: expected float64 or float32, got '"
                        + precision + "'");
            };
        }

        public NtkMode mode() {
            NtkMode m;
            try {
                m = NtkMode.valueOf(kernel.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model.kernel: expected pseudo or trace, got '" + kernel + "'");
            }
            if (m != NtkMode.PSEUDO && m != NtkMode.TRACE) {
                throw new IllegalArgumentException("model.kernel: the streaming job supports pseudo or trace, got '"
                        + kernel + "'");
            }
            return m;
        }
    }

    /** NTK regression per task. */
    public static final class Learning implements Serializable {
        private static final long serialVersionUID = 1L;
        public double ridge = RegressorSettings.DEFAULT_RIDGE;
        /** Keep only the last n labeled samples per task (0 = keep all). */
        public int window = 0;

        public RegressorSettings settings(int classes) {
            if (!(ridge > 0) || !Double.isFinite(ridge)) {
                throw new IllegalArgumentException("learning.ridge: expected a positive number, got " + ridge);
            }
            if (window < 0) {
                throw new IllegalArgumentException("learning.window: expected 0 (no window) or a positive size, got "
                        + window);
            }
            return RegressorSettings.defaults().withRidge(ridge).withWindow(window).withClasses(classes);
        }
    }

    /** Active learning. */
    public static final class Picks implements Serializable {
        private static final long serialVersionUID = 1L;
        /** Emit automatic picks every this many labels per task (0 = only on request). */
        public int every = 0;
        /** How many candidates an automatic pick names. */
        public int count = 5;
        /** Strategy when a request names none, and for automatic picks. */
        public String strategy = "lookahead";

        public AcquisitionKind defaultStrategy() {
            try {
                return AcquisitionKind.parse(strategy);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("picks.strategy: " + e.getMessage());
            }
        }
    }

    /** Meta-learning of the adaptation hyper-parameters across tasks. */
    public static final class Meta implements Serializable {
        private static final long serialVersionUID = 1L;
        /**
         * Each task scores the hyper-parameter grid by closed-form leave-one-out every this many labels
         * (0 = meta-learning off); the scores go to the meta topic and to the aggregator.
         */
        public int every = 20;
        /**
         * Beyond this many labels a task scores only at n = every·2^k (a score costs O(n³)), so large
         * tasks keep their per-label cost O(n²).
         */
        public int denseUntil = 200;

        public MetaSchedule schedule() {
            return new MetaSchedule(every, denseUntil);
        }
        /** New tasks start from the aggregated choice (fed back through the meta topic). */
        public boolean apply = true;
        /** The first-order meta-update of the checkpoint itself (off by default: it publishes new versions). */
        public Reptile reptile = new Reptile();
    }

    /** Reptile: θ0 ← θ0 + ε·mean(Δθ) over tasks' closed-form fine-tune displacements, as a new model version. */
    public static final class Reptile implements Serializable {
        private static final long serialVersionUID = 1L;
        public boolean enabled = false;
        /** ε (1 moves the checkpoint onto the mean fine-tuned parameters). */
        public double stepSize = 0.5;
        /** Distinct tasks whose latest Δθ make one update. */
        public int tasksPerUpdate = 10;
        /** A task reports Δθ (at its meta points) once it has this many labels. */
        public int minLabels = 5;
        /** Where new versions are written (a Flink file-system URI the whole cluster can read). */
        public String checkpointDir = "file:///tmp/ntkstream/models";
    }

    /** Input limits: a record over them goes to the dead-letter topic. */
    public static final class Limits implements Serializable {
        private static final long serialVersionUID = 1L;
        public int maxVectorLength = DecoderLimits.defaults().maxVectorLength();
        public int maxPick = DecoderLimits.defaults().maxPick();
        public int maxIdLength = DecoderLimits.defaults().maxIdLength();

        public DecoderLimits toDecoderLimits() {
            return new DecoderLimits(maxVectorLength, maxPick, maxIdLength);
        }
    }

    /** Keyed state. */
    public static final class State implements Serializable {
        private static final long serialVersionUID = 1L;
        /** Tasks whose matrices stay on the heap per slot (the rest are rebuilt from RocksDB on use). */
        public int cacheTasks = 64;
    }

    /**
     * Micro-batching per task: a task's records are gathered in keyed state (checkpointed, so none
     * is lost) and processed together — consecutive samples in one network pass, one kernel block
     * and one blocked Cholesky update, consecutive queries in one prediction — when max-records have
     * gathered or max-delay-ms after the first, whichever comes first. The outputs are the same as
     * one record at a time (to rounding); max-records 1 turns it off.
     */
    public static final class Batch implements Serializable {
        private static final long serialVersionUID = 1L;
        public int maxRecords = 32;
        public long maxDelayMs = 5;

        public boolean enabled() {
            return maxRecords > 1;
        }
    }

    /** Flink: parallelism, checkpoints, and any Flink option passed through. */
    public static final class Flink implements Serializable {
        private static final long serialVersionUID = 1L;
        public int parallelism = 1;
        public long checkpointIntervalMs = 5_000;
        /** Where checkpoints go (a URI: file://, s3://, hdfs://); retained on cancellation. */
        public String checkpointDir = "file:///tmp/ntkstream/checkpoints";
        /** Any Flink configuration option (e.g. "state.backend.rocksdb.memory.managed": "true"). */
        public Map<String, String> configuration = new LinkedHashMap<>();
    }

    // ------------------------------------------------------------------ loading

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // a key left without a value (its section commented out) keeps its default
            .setDefaultSetterInfo(com.fasterxml.jackson.annotation.JsonSetter.Value.forValueNulls(
                    com.fasterxml.jackson.annotation.Nulls.SKIP));

    public static JobConfig defaults() {
        return new JobConfig();
    }

    /** Reads and validates a YAML file; errors name the file, the key path and what was expected. */
    public static JobConfig read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("config " + file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public static JobConfig parse(String yaml, String where) {
        JobConfig c;
        try {
            // blank, or only comments (a copy with everything commented out): all defaults
            com.fasterxml.jackson.databind.JsonNode tree = YAML.readTree(yaml);
            c = tree == null || tree.isMissingNode() || tree.isNull() ? new JobConfig()
                    : YAML.readValue(yaml, JobConfig.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException("config " + where + ": " + path(e) + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("config " + where + ": not valid YAML (" + e.getMessage() + ")", e);
        }
        if (c == null) {
            c = new JobConfig();
        }
        try {
            c.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config " + where + ": " + e.getMessage(), e);
        }
        return c;
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.length() == 0 ? "(top level)" : b.toString();
    }

    /** Checks every value that has a constraint; the message names the key. */
    public void validate() {
        if (kafka.bootstrapServers == null || kafka.bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("kafka.bootstrap-servers: expected host:port[,host:port...]");
        }
        if (kafka.transactionTimeoutMs < 1_000 || kafka.transactionTimeoutMs > 900_000) {
            throw new IllegalArgumentException("kafka.transaction-timeout-ms: expected 1000..900000 (the broker's "
                    + "default transaction.max.timeout.ms is 15 min), got " + kafka.transactionTimeoutMs);
        }
        model.precision();
        model.mode();
        learning.settings(0);
        picks.defaultStrategy();
        if (picks.every < 0 || picks.count < 1) {
            throw new IllegalArgumentException("picks: expected every >= 0 and count >= 1, got every = " + picks.every
                    + ", count = " + picks.count);
        }
        if (limits.maxVectorLength < 1 || limits.maxPick < 1 || limits.maxIdLength < 1) {
            throw new IllegalArgumentException("limits: every limit must be positive");
        }
        if (meta.every < 0) {
            throw new IllegalArgumentException("meta.every: expected 0 (off) or a positive number of labels, got "
                    + meta.every);
        }
        if (meta.reptile.enabled && (meta.every == 0 || !(meta.reptile.stepSize > 0) || meta.reptile.tasksPerUpdate < 1
                || meta.reptile.minLabels < 1)) {
            throw new IllegalArgumentException("meta.reptile: needs meta.every > 0, step-size > 0, tasks-per-update >= 1 "
                    + "and min-labels >= 1");
        }
        if (meta.denseUntil < 0) {
            throw new IllegalArgumentException("meta.dense-until: expected >= 0 labels, got " + meta.denseUntil);
        }
        if (batch.maxRecords < 1 || batch.maxDelayMs < 0) {
            throw new IllegalArgumentException("batch: expected max-records >= 1 and max-delay-ms >= 0, got max-records = "
                    + batch.maxRecords + ", max-delay-ms = " + batch.maxDelayMs);
        }
        kafka.deliveryGuarantee();
        if (state.cacheTasks < 1) {
            throw new IllegalArgumentException("state.cache-tasks: expected >= 1, got " + state.cacheTasks);
        }
        if (flink.parallelism < 1) {
            throw new IllegalArgumentException("flink.parallelism: expected >= 1, got " + flink.parallelism);
        }
        if (flink.checkpointIntervalMs < 10) {
            throw new IllegalArgumentException("flink.checkpoint-interval-ms: expected >= 10, got "
                    + flink.checkpointIntervalMs);
        }
    }
}
