package io.ntkstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.job.JobConfig;
import io.ntkstream.job.NtkStreamJob;
import io.ntkstream.job.TaskFailureInjector;
import io.ntkstream.kafka.KafkaClients;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.PicksJson;
import io.ntkstream.kafka.PredictionJson;
import io.ntkstream.kafka.TaskEvent;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Networks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    /** A fresh topic set per test (prefix), so tests do not see each other's records. */
    static JobConfig config(String prefix, Path work) {
        JobConfig c = driver().config(prefix, work, RIDGE, 2, 300);
        // meta-learning scores are published, but every task starts (at its pool) before the first
        // aggregate exists, so all keep λ = RIDGE and outputs compare with a reference at RIDGE
        c.meta.every = META_EVERY;
        if (System.getProperty("debugNoRestart") != null) {
            c.flink.configuration.put("restart-strategy.type", "none");
        }
        return c;
    }

    static StreamDriver driver() {
        return new StreamDriver(KAFKA.broker());
    }

    static void produce(JobConfig c, List<StreamWorkload.Message> messages, int perBatch, long pauseMs)
            throws InterruptedException {
        driver().produce(c, messages, perBatch, pauseMs);
    }

    static List<String> values(List<ConsumerRecord<String, String>> records) {
        return StreamDriver.values(records);
    }

    /** Runs the workload through the job and checks the committed outputs against the reference. */
    static void runAndVerify(String prefix, Path work, TaskFailureInjector injector, int perBatch, long pauseMs)
            throws Exception {
        runAndVerify(prefix, work, injector, perBatch, pauseMs, null);
    }

    /** With {@code bad} set, its records are interleaved with phase 2 and must all come back as dead letters. */
    static void runAndVerify(String prefix, Path work, TaskFailureInjector injector, int perBatch, long pauseMs,
                             BadRecords bad) throws Exception {
        runAndVerify(prefix, work, injector, perBatch, pauseMs, bad, StreamWorkload.generate(work, 3, 40, 120, 7));
    }

    /** The same on workload {@code w} (its network, its tasks). */
    static void runAndVerify(String prefix, Path work, TaskFailureInjector injector, int perBatch, long pauseMs,
                             BadRecords bad, StreamWorkload w) throws Exception {
        JobConfig c = config(prefix, work);
        if (bad != null) {
            bad.configure(c);
        }
        JobClient job = NtkStreamJob.startLocal(c, injector, null);
        try {
            produce(c, List.of(new StreamWorkload.Message("ntk.models", null, w.modelJson())), 1, 0);
            produce(c, w.poolMessages(), 1000, 0);
            int barrierPicks = awaitPools(c, w);
            produce(c, bad == null ? w.streamMessages() : bad.interleave(w.streamMessages(), w), perBatch, pauseMs);
            int barrierQueries = awaitLearned(c, w);
            produce(c, w.finalPicks(), 1000, 0);
            List<PredictionJson> predictions = values(KafkaClients.readUntil(KAFKA.bootstrapServers(),
                    c.topics.predictions, w.queryCount() + barrierQueries, WAIT)).stream()
                    .map(OutputFormats::readPrediction).toList();
            List<PicksJson> picks = values(KafkaClients.readUntil(KAFKA.bootstrapServers(), c.topics.picks,
                    barrierPicks + w.pickCount(), WAIT)).stream().map(OutputFormats::readPicks).toList();
            // wait a few checkpoints more: nothing beyond the expected may be committed late
            Thread.sleep(4 * c.flink.checkpointIntervalMs);
            predictions = values(KafkaClients.readAll(KAFKA.bootstrapServers(), c.topics.predictions,
                    Duration.ofSeconds(1), WAIT)).stream().map(OutputFormats::readPrediction).toList();
            picks = values(KafkaClients.readAll(KAFKA.bootstrapServers(), c.topics.picks, Duration.ofSeconds(1), WAIT))
                    .stream().map(OutputFormats::readPicks).toList();
            StreamReference ref = new StreamReference(w, RIDGE);
            ref.verifyPredictions(predictions);
            ref.verifyPicks(picks);
            ref.verifyMeta(values(KafkaClients.readAll(KAFKA.bootstrapServers(), c.topics.meta,
                    Duration.ofMillis(500), WAIT)), c.meta.schedule());
            List<String> deadLetters = values(KafkaClients.readAll(KAFKA.bootstrapServers(), c.topics.deadLetter,
                    Duration.ofMillis(500), WAIT));
            if (bad == null) {
                assertThat(deadLetters).isEmpty();
            } else {
                bad.verify(deadLetters.stream().map(OutputFormats::readDeadLetter).toList(), c.topics.toTopics());
            }
        } catch (Throwable t) {
            System.err.println("JOB STATUS " + job.getJobStatus().get());
            for (String topic : List.of(c.topics.picks, c.topics.deadLetter)) {
                for (var r : KafkaClients.readAll(KAFKA.bootstrapServers(), topic, Duration.ofSeconds(1), WAIT)) {
                    System.err.println("DEBUG " + topic + " " + r.value());
                }
            }
            throw t;
        } finally {
            StreamDriver.stop(job, work);
        }
    }

    /** Barrier picks until every task's whole pool is in; returns how many were answered (see {@link StreamDriver}). */
    static int awaitPools(JobConfig c, StreamWorkload w) throws Exception {
        return driver().awaitPools(c, w);
    }

    /** Barrier queries until every task has learned all its samples; returns how many were answered. */
    static int awaitLearned(JobConfig c, StreamWorkload w) throws Exception {
        return driver().awaitLearned(c, w);
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

    /**
     * A small CNN with a residual block (795 parameters): input 2 x 6 x 6, which records carry as
     * x of C·H·W = 72 flat numbers (NCHW order), three outputs.
     */
    static final Architecture CNN = Architecture.parse("""
            {"input_shape":[2,6,6],"parametrization":"ntk","sigma_w":1.4,"sigma_b":0.1,"layers":[
             {"type":"conv2d","out":6,"kernel":3,"padding":1},{"type":"relu"},
             {"type":"residual","layers":[{"type":"conv2d","out":6,"kernel":3,"padding":1},{"type":"relu"},
                                          {"type":"conv2d","out":6,"kernel":3,"padding":1}]},
             {"type":"relu"},{"type":"global_avg_pool"},{"type":"flatten"},{"type":"dense","out":3}]}""");

    @Test
    void aConvolutionalNetworkWithAResidualBlockGivesTheBatchReferenceAndInputsOfTheWrongSizeAreDeadLettered(
            @TempDir Path work) throws Exception {
        // 3 tasks (two classification, one regression), 20 pool candidates and 40 samples each,
        // float32 safetensors checkpoint; a round of 4 bad records after every 40 good ones
        StreamWorkload w = StreamWorkload.generate(work, CNN, 3, 20, 40, 11);
        assertThat(w.d).isEqualTo(2 * 6 * 6);
        assertThat(Networks.randomTensors(CNN, 0).values().stream().mapToInt(t -> t.values().length).sum())
                .as("parameters").isEqualTo(795);
        runAndVerify("cnn", work, null, 1000, 0, BadRecords.wrongInputLength(w, 40, 12), w);
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
