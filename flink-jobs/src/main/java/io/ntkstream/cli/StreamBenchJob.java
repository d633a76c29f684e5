package io.ntkstream.cli;

import io.ntkstream.job.JobConfig;
import io.ntkstream.job.NtkStreamJob;
import io.ntkstream.kafka.DeadLetter;
import io.ntkstream.kafka.EmbeddedKafkaBroker;
import io.ntkstream.kafka.KafkaClients;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.PredictionJson;
import io.ntkstream.kafka.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.utils.Utils;

/**
 * One streaming job under benchmark: the job running in-process ({@link NtkStreamJob#startLocal}) on
 * its own topics of a shared in-process broker, a producer for its inputs, and two consumers of its
 * predictions — {@code read_uncommitted} (when the job emitted an answer: processing) and
 * {@code read_committed} (when the answer became visible, i.e. its exactly-once transaction
 * committed at a checkpoint: end to end). Every query is timed from just before it is handed to
 * the producer to the moment each consumer receives its answer (one JVM, one clock).
 */
final class StreamBenchJob implements AutoCloseable {
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(60);

    /** One query whose answer is awaited. */
    static final class Expected {
        final String task;
        final long sentNanos;
        final Tracker tracker;
        volatile long processedNanos;
        volatile long committedNanos;
        volatile int nTrain = -1;

        Expected(String task, long sentNanos, Tracker tracker) {
            this.task = task;
            this.sentNanos = sentNanos;
            this.tracker = tracker;
        }
    }

    /** The queries of one phase and how many of them were answered. */
    static final class Tracker {
        final List<Expected> all = new ArrayList<>();
        final AtomicInteger processed = new AtomicInteger();
        final AtomicInteger committed = new AtomicInteger();
        final AtomicLong lastProcessedNanos = new AtomicLong();
        final AtomicLong lastCommittedNanos = new AtomicLong();
        /** Answers as the read_uncommitted consumer sees them, for phases that watch n_train. */
        final ConcurrentLinkedQueue<Expected> processedQueue = new ConcurrentLinkedQueue<>();

        synchronized int size() {
            return all.size();
        }

        synchronized List<Expected> snapshot() {
            return new ArrayList<>(all);
        }
    }

    final JobConfig config;
    final Topics topics;
    final Path checkpointDir;
    final int partitions;
    private final String bootstrap;
    private final JobClient job;
    private final KafkaProducer<String, String> producer;
    private final ConcurrentHashMap<String, Expected> expected = new ConcurrentHashMap<>();
    private final List<ConsumerLoop> consumers = new ArrayList<>();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicReference<String> firstProblem = new AtomicReference<>();
    private long samplesStored;

    private StreamBenchJob(JobConfig config, Path checkpointDir, String bootstrap, JobClient job) {
        this.config = config;
        this.topics = config.topics.toTopics();
        this.checkpointDir = checkpointDir;
        this.partitions = config.flink.parallelism;
        this.bootstrap = bootstrap;
        this.job = job;
        Properties p = KafkaClients.producerProperties(bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L << 20));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 << 20));
        this.producer = new KafkaProducer<>(p);
    }

    /**
     * Creates the job's topics ({@code <prefix>.ntk.*}, one partition per slot), starts the job with
     * {@code config} (topics, Kafka and checkpoint settings filled in here), starts the consumers,
     * publishes the model and waits until the job answers a first query.
     */
    static StreamBenchJob start(EmbeddedKafkaBroker broker, String prefix, Path work, JobConfig config,
                                String modelJson, Duration timeout) throws Exception {
        config.kafka.bootstrapServers = broker.bootstrapServers();
        config.kafka.groupId = prefix;
        config.kafka.transactionalIdPrefix = prefix;
        JobConfig.TopicNames t = config.topics;
        t.samples = prefix + ".ntk.samples";
        t.pool = prefix + ".ntk.pool";
        t.queries = prefix + ".ntk.queries";
        t.control = prefix + ".ntk.control";
        t.models = prefix + ".ntk.models";
        t.predictions = prefix + ".ntk.predictions";
        t.picks = prefix + ".ntk.picks";
        t.meta = prefix + ".ntk.meta";
        t.deadLetter = prefix + ".ntk.dead-letter";
        Path checkpoints = work.resolve(prefix).resolve("checkpoints");
        Files.createDirectories(checkpoints);
        config.flink.checkpointDir = checkpoints.toUri().toString();
        config.validate();
        broker.createTopics(config.topics.toTopics().all(), config.flink.parallelism);

        JobClient job = NtkStreamJob.startLocal(config, null, null);
        StreamBenchJob b = new StreamBenchJob(config, checkpoints, broker.bootstrapServers(), job);
        try {
            b.consumers.add(new ConsumerLoop(b, false));
            b.consumers.add(new ConsumerLoop(b, true));
            b.consumers.forEach(c -> c.thread.start());
            b.producer.send(new ProducerRecord<>(b.topics.models(), null, modelJson)).get();
            Tracker ready = new Tracker();
            b.query(ready, "ready", "ready-0", new StreamBenchData(b.inputDim(modelJson), 1, 0).query("ready",
                    "ready-0"));
            b.producer.flush();
            b.awaitProcessed(ready, 1, System.nanoTime() + timeout.toNanos(), null);
            return b;
        } catch (Exception | Error e) {
            b.close();
            throw e;
        }
    }

    private int inputDim(String modelJson) throws IOException {
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(modelJson);
        return tree.get("arch").get("input_dim").asInt();
    }

    // ------------------------------------------------------------------ inputs

    /** Sends a labeled sample (JSON) for {@code task}; counts it as stored. */
    void sample(String task, String json) {
        producer.send(new ProducerRecord<>(topics.samples(), task, json), (m, e) -> {
            if (e != null) {
                problem("producing a sample failed: " + e);
            }
        });
        samplesStored++;
    }

    /** Sends a query and registers it with {@code tracker}; its answer's times are recorded. */
    Expected query(Tracker tracker, String task, String id, String json) {
        Expected e = new Expected(task, System.nanoTime(), tracker);
        synchronized (tracker) {
            tracker.all.add(e);
        }
        expected.put(id, e);
        producer.send(new ProducerRecord<>(topics.queries(), task, json), (m, ex) -> {
            if (ex != null) {
                problem("producing a query failed: " + ex);
            }
        });
        return e;
    }

    void flush() {
        producer.flush();
    }

    /** Labeled samples sent so far (every task starts empty, and nothing is evicted). */
    long samplesStored() {
        return samplesStored;
    }

    /**
     * Where a task's records meet in the job: input partition (the producer's default partitioner)
     * and keyed subtask (Flink's key groups). Within one route records are processed in order.
     */
    long route(String task) {
        int partition = Utils.toPositive(Utils.murmur2(task.getBytes(StandardCharsets.UTF_8))) % partitions;
        int p = config.flink.parallelism;
        int subtask = KeyGroupRangeAssignment.assignKeyToParallelOperator(task,
                KeyGroupRangeAssignment.computeDefaultMaxParallelism(p), p);
        return (long) partition * p + subtask;
    }

    // ------------------------------------------------------------------ waiting

    /** Waits until {@code count} of the tracker's queries were answered (read_uncommitted). */
    void awaitProcessed(Tracker t, int count, long deadlineNanos, Runnable onTick) {
        await(t.processed, count, deadlineNanos, onTick, "answers emitted");
    }

    /** Waits until {@code count} of the tracker's answers are committed (read_committed). */
    void awaitCommitted(Tracker t, int count, long deadlineNanos, Runnable onTick) {
        await(t.committed, count, deadlineNanos, onTick, "answers committed");
    }

    private void await(AtomicInteger counter, int count, long deadlineNanos, Runnable onTick, String what) {
        while (counter.get() < count) {
            check();
            if (onTick != null) {
                onTick.run();
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("bench stream: timed out waiting for " + count + " " + what + " (got "
                        + counter.get() + "); job status " + jobStatus());
            }
            LockSupport.parkNanos(1_000_000);
        }
        check();
    }

    /** Throws if the job sent a dead letter or a record could not be produced. */
    void check() {
        String p = firstProblem.get();
        if (p != null) {
            throw new IllegalStateException("bench stream: " + p);
        }
    }

    String jobStatus() {
        try {
            return String.valueOf(job.getJobStatus().get(5, TimeUnit.SECONDS));
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    private void problem(String message) {
        firstProblem.compareAndSet(null, message);
    }

    long deadLetters() {
        return deadLetters.get();
    }

    /** Bytes of every file under this job's checkpoint directory (retained checkpoint + shared incremental files). */
    long checkpointBytes() {
        AtomicLong sum = new AtomicLong();
        try {
            Files.walkFileTree(checkpointDir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    sum.addAndGet(attrs.size());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE; // deleted meanwhile (a subsumed checkpoint)
                }
            });
        } catch (IOException e) {
            return -1;
        }
        return sum.get();
    }

    /** Waits for one more completed checkpoint (a new chk-N directory with its _metadata). */
    void awaitNextCheckpoint(long timeoutMs) {
        int start = latestCheckpoint();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (latestCheckpoint() <= start && System.currentTimeMillis() < deadline) {
            LockSupport.parkNanos(5_000_000);
        }
    }

    private int latestCheckpoint() {
        int best = -1;
        try (var jobs = Files.list(checkpointDir)) {
            for (Path jobDir : jobs.toList()) {
                try (var chks = Files.list(jobDir)) {
                    for (Path c : chks.toList()) {
                        String name = c.getFileName().toString();
                        if (name.startsWith("chk-") && Files.exists(c.resolve("_metadata"))) {
                            best = Math.max(best, Integer.parseInt(name.substring(4)));
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return best;
        }
        return best;
    }

    @Override
    public void close() {
        try {
            job.cancel().get(CANCEL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            // already finished or failed: nothing to cancel
        }
        consumers.forEach(ConsumerLoop::stop);
        producer.close(Duration.ofSeconds(10));
    }

    // ------------------------------------------------------------------ consumers

    /** Reads the predictions (and, read_uncommitted, the dead letters) and stamps the awaited answers. */
    private static final class ConsumerLoop implements Runnable {
        final StreamBenchJob owner;
        final boolean committed;
        final KafkaConsumer<String, String> consumer;
        final Thread thread;
        volatile boolean running = true;

        ConsumerLoop(StreamBenchJob owner, boolean committed) {
            this.owner = owner;
            this.committed = committed;
            Properties p = KafkaClients.consumerProperties(owner.bootstrap, null, committed);
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
            this.consumer = new KafkaConsumer<>(p);
            List<TopicPartition> parts = new ArrayList<>();
            List<String> names = committed ? List.of(owner.topics.predictions())
                    : List.of(owner.topics.predictions(), owner.topics.deadLetter());
            for (String topic : names) {
                for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                    parts.add(new TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            this.thread = new Thread(this, "bench-stream-" + (committed ? "committed" : "uncommitted") + "-reader");
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (running) {
                    var records = consumer.poll(Duration.ofMillis(50));
                    long now = System.nanoTime();
                    for (ConsumerRecord<String, String> r : records) {
                        if (r.topic().equals(owner.topics.deadLetter())) {
                            owner.deadLetters.incrementAndGet();
                            DeadLetter d = OutputFormats.readDeadLetter(r.value());
                            owner.problem("the job sent a dead letter (" + d.sourceTopic + "): " + d.error);
                            continue;
                        }
                        PredictionJson p = OutputFormats.readPrediction(r.value());
                        Expected e = owner.expected.get(p.id());
                        if (e == null) {
                            continue;
                        }
                        if (committed) {
                            if (e.committedNanos == 0) {
                                e.committedNanos = now;
                                e.tracker.lastCommittedNanos.accumulateAndGet(now, Math::max);
                                e.tracker.committed.incrementAndGet();
                            }
                        } else if (e.processedNanos == 0) {
                            e.nTrain = p.nTrain();
                            e.processedNanos = now;
                            e.tracker.lastProcessedNanos.accumulateAndGet(now, Math::max);
                            e.tracker.processedQueue.add(e);
                            e.tracker.processed.incrementAndGet();
                        }
                    }
                }
            } catch (WakeupException e) {
                // stopping
            } catch (RuntimeException e) {
                owner.problem("reading the job's outputs failed: " + e);
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }

        void stop() {
            running = false;
            consumer.wakeup();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
