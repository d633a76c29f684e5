package io.ntkstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.job.JobConfig;
import io.ntkstream.job.NtkStreamJob;
import io.ntkstream.job.TaskFailureInjector;
import io.ntkstream.kafka.EmbeddedKafkaBroker;
import io.ntkstream.kafka.KafkaClients;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.PicksJson;
import io.ntkstream.kafka.PredictionJson;
import io.ntkstream.kafka.TaskEvent;
import io.ntkstream.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole engine on real components: an in-process Kafka broker (KRaft, 127.0.0.1) and a Flink
 * MiniCluster with the RocksDB backend and an exactly-once Kafka sink. The committed outputs (read
 * with read_committed) are checked against a batch reference computed directly with ntk-core.
 */
class StreamingEndToEndTest {
    static final double RIDGE = 1e-2;
    static final int META_EVERY = 20;
    static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** A fresh topic set per test (prefix), so tests do not see each other's records. */
    static JobConfig config(String prefix, Path work) {
        JobConfig c = JobConfig.defaults();
        c.kafka.bootstrapServers = broker.bootstrapServers();
        c.kafka.groupId = prefix;
        c.kafka.transactionalIdPrefix = prefix;
        for (var f : List.of("samples", "pool", "queries", "control", "models", "predictions", "picks", "meta")) {
            setTopic(c.topics, f, prefix + ".ntk." + f);
        }
        c.topics.deadLetter = prefix + ".ntk.dead-letter";
        c.learning.ridge = RIDGE;
        // meta-learning scores are published, but every task starts (at its pool) before the first
        // aggregate exists, so all keep λ = RIDGE and outputs compare with a reference at RIDGE
        c.meta.every = META_EVERY;
        c.flink.parallelism = 2;
        c.flink.checkpointIntervalMs = 300;
        c.flink.checkpointDir = work.resolve("checkpoints").toUri().toString();
        if (System.getProperty("debugNoRestart") != null) {
            c.flink.configuration.put("restart-strategy.type", "none");
        }
        broker.createTopics(c.topics.toTopics().all(), 2);
        return c;
    }

    private static void setTopic(JobConfig.TopicNames t, String field, String value) {
        try {
            JobConfig.TopicNames.class.getField(field).set(t, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static void produce(JobConfig c, List<StreamWorkload.Message> messages, int perBatch, long pauseMs)
            throws InterruptedException {
        Topics topics = c.topics.toTopics();
        try (KafkaProducer<String, String> p = KafkaClients.producer(broker.bootstrapServers())) {
            int sent = 0;
            for (StreamWorkload.Message m : messages) {
                p.send(new ProducerRecord<>(rename(topics, m.topic()), m.key(), m.value()));
                if (++sent % perBatch == 0 && pauseMs > 0) {
                    p.flush();
                    Thread.sleep(pauseMs);
                }
            }
            p.flush();
        }
    }

    private static String rename(Topics topics, String defaultName) {
        Topics d = Topics.defaults();
        List<String> from = d.all();
        return topics.all().get(from.indexOf(defaultName));
    }

    static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /** Runs the workload through the job and checks the committed outputs against the reference. */
    static void runAndVerify(String prefix, Path work, TaskFailureInjector injector, int perBatch, long pauseMs)
            throws Exception {
        runAndVerify(prefix, work, injector, perBatch, pauseMs, null);
    }

    /** With {@code bad} set, its records are interleaved with phase 2 and must all come back as dead letters. */
    static void runAndVerify(String prefix, Path work, TaskFailureInjector injector, int perBatch, long pauseMs,
                             BadRecords bad) throws Exception {
        JobConfig c = config(prefix, work);
        if (bad != null) {
            c.limits.maxVectorLength = BadRecords.MAX_VECTOR;
        }
        StreamWorkload w = StreamWorkload.generate(work, 3, 40, 120, 7);
        JobClient job = NtkStreamJob.startLocal(c, injector, null);
        try {
            produce(c, List.of(new StreamWorkload.Message("ntk.models", null, w.modelJson())), 1, 0);
            produce(c, w.poolMessages(), 1000, 0);
            int barrierPicks = awaitPools(c, w);
            produce(c, bad == null ? w.streamMessages() : bad.interleave(w.streamMessages(), w), perBatch, pauseMs);
            int barrierQueries = awaitLearned(c, w);
            produce(c, w.finalPicks(), 1000, 0);
            List<PredictionJson> predictions = values(KafkaClients.readUntil(broker.bootstrapServers(),
                    c.topics.predictions, w.queryCount() + barrierQueries, WAIT)).stream()
                    .map(OutputFormats::readPrediction).toList();
            List<PicksJson> picks = values(KafkaClients.readUntil(broker.bootstrapServers(), c.topics.picks,
                    barrierPicks + w.pickCount(), WAIT)).stream().map(OutputFormats::readPicks).toList();
            // wait a few checkpoints more: nothing beyond the expected may be committed late
            Thread.sleep(4 * c.flink.checkpointIntervalMs);
            predictions = values(KafkaClients.readAll(broker.bootstrapServers(), c.topics.predictions,
                    Duration.ofSeconds(1), WAIT)).stream().map(OutputFormats::readPrediction).toList();
            picks = values(KafkaClients.readAll(broker.bootstrapServers(), c.topics.picks, Duration.ofSeconds(1), WAIT))
                    .stream().map(OutputFormats::readPicks).toList();
            StreamReference ref = new StreamReference(w, RIDGE);
            ref.verifyPredictions(predictions);
            ref.verifyPicks(picks);
            ref.verifyMeta(values(KafkaClients.readAll(broker.bootstrapServers(), c.topics.meta,
                    Duration.ofMillis(500), WAIT)), META_EVERY);
            List<String> deadLetters = values(KafkaClients.readAll(broker.bootstrapServers(), c.topics.deadLetter,
                    Duration.ofMillis(500), WAIT));
            if (bad == null) {
                assertThat(deadLetters).isEmpty();
            } else {
                bad.verify(deadLetters.stream().map(OutputFormats::readDeadLetter).toList(), c.topics.toTopics());
            }
        } catch (Throwable t) {
            System.err.println("JOB STATUS " + job.getJobStatus().get());
            for (String topic : List.of(c.topics.picks, c.topics.deadLetter)) {
                for (var r : KafkaClients.readAll(broker.bootstrapServers(), topic, Duration.ofSeconds(1), WAIT)) {
                    System.err.println("DEBUG " + topic + " " + r.value());
                }
            }
            throw t;
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Sends barrier pick requests until every task answers with its whole pool in (so the phase-2
     * picks have a known pool); returns how many barrier picks were answered.
     */
    static int awaitPools(JobConfig c, StreamWorkload w) throws Exception {
        java.util.Set<String> waiting = new java.util.HashSet<>();
        w.tasks.forEach(t -> waiting.add(t.name));
        int sent = 0;
        for (int round = 0; !waiting.isEmpty(); round++) {
            assertThat(round).as("rounds of barrier picks").isLessThan(50);
            for (String t : waiting) {
                produce(c, List.of(StreamWorkload.barrierPick(t, round)), 1, 0);
                sent++;
            }
            for (PicksJson p : values(KafkaClients.readUntil(broker.bootstrapServers(), c.topics.picks, sent, WAIT))
                    .stream().map(OutputFormats::readPicks).toList()) {
                if (p.poolSize() == w.task(p.task()).pool.size()) {
                    waiting.remove(p.task());
                }
            }
        }
        return sent;
    }

    /** Sends barrier queries until every task has learned all its samples; returns how many were answered. */
    static int awaitLearned(JobConfig c, StreamWorkload w) throws Exception {
        java.util.Set<String> waiting = new java.util.HashSet<>();
        w.tasks.forEach(t -> waiting.add(t.name));
        int sent = 0;
        for (int round = 0; !waiting.isEmpty(); round++) {
            assertThat(round).as("rounds of barrier queries").isLessThan(100);
            if (round > 0) {
                Thread.sleep(500);
            }
            for (String t : waiting) {
                produce(c, List.of(StreamWorkload.barrierQuery(t, round)), 1, 0);
                sent++;
            }
            for (PredictionJson p : values(KafkaClients.readUntil(broker.bootstrapServers(), c.topics.predictions,
                    w.queryCount() + sent, WAIT)).stream().map(OutputFormats::readPrediction).toList()) {
                if (p.id().startsWith("barrier-") && p.nTrain() == w.task(p.task()).samples.size()) {
                    waiting.remove(p.task());
                }
            }
        }
        return sent;
    }

    @Test
    void tasksStreamingSamplesQueriesAndPicksGiveExactlyTheBatchReference(@TempDir Path work) throws Exception {
        runAndVerify("plain", work, null, 1000, 0);
    }

    @Test
    void badRecordsOfEveryKindGoToTheDeadLetterTopicWithTheReasonAndGoodOnesAreAllProcessed(@TempDir Path work)
            throws Exception {
        runAndVerify("bad", work, null, 1000, 0, new BadRecords(work));
    }

    /** Throws once each time the shared counter reaches 150, 300 and 450 records (three task failures). */
    static final class FailThreeTimes implements TaskFailureInjector {
        private static final long serialVersionUID = 1L;
        static final AtomicLong SEEN = new AtomicLong();
        static final AtomicInteger FAILURES = new AtomicInteger();

        @Override
        public void beforeEvent(TaskEvent event) {
            long n = SEEN.incrementAndGet();
            if (n % 150 == 0 && n <= 450) {
                FAILURES.incrementAndGet();
                throw new IllegalStateException("injected failure #" + FAILURES.get() + " at record " + n);
            }
        }
    }

    @Test
    void threeInducedTaskFailuresLoseAndDuplicateNothing(@TempDir Path work) throws Exception {
        FailThreeTimes.SEEN.set(0);
        FailThreeTimes.FAILURES.set(0);
        runAndVerify("failures", work, new FailThreeTimes(), 40, 150);
        assertThat(FailThreeTimes.FAILURES.get()).isEqualTo(3);
    }
}
