package io.ntkstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.job.JobConfig;
import io.ntkstream.kafka.EmbeddedKafkaBroker;
import io.ntkstream.kafka.KafkaClients;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.PicksJson;
import io.ntkstream.kafka.PredictionJson;
import io.ntkstream.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Drives a {@link StreamWorkload} through a running job over a broker, whoever runs the job (this
 * JVM or a child process): a config on fresh topics, producing phase by phase, the barrier waits,
 * and reading the committed outputs (read_committed).
 */
final class StreamDriver {
    static final Duration WAIT = Duration.ofSeconds(120);

    private final EmbeddedKafkaBroker broker;

    StreamDriver(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    String bootstrap() {
        return broker.bootstrapServers();
    }

    /** A config on a fresh topic set (prefix), created with 2 partitions each, checkpoints under {@code work}. */
    JobConfig config(String prefix, Path work, double ridge, int parallelism, long checkpointIntervalMs) {
        JobConfig c = JobConfig.defaults();
        c.kafka.bootstrapServers = broker.bootstrapServers();
        c.kafka.groupId = prefix;
        c.kafka.transactionalIdPrefix = prefix;
        Topics d = Topics.defaults();
        c.topics.samples = prefix + "." + d.samples();
        c.topics.pool = prefix + "." + d.pool();
        c.topics.queries = prefix + "." + d.queries();
        c.topics.control = prefix + "." + d.control();
        c.topics.models = prefix + "." + d.models();
        c.topics.predictions = prefix + "." + d.predictions();
        c.topics.picks = prefix + "." + d.picks();
        c.topics.meta = prefix + "." + d.meta();
        c.topics.deadLetter = prefix + "." + d.deadLetter();
        c.learning.ridge = ridge;
        c.flink.parallelism = parallelism;
        c.flink.checkpointIntervalMs = checkpointIntervalMs;
        c.flink.checkpointDir = work.resolve("checkpoints").toUri().toString();
        broker.createTopics(c.topics.toTopics().all(), 2);
        return c;
    }

    /** Produces {@code messages} (topics by their default names) to {@code c}'s topics, pausing after each batch. */
    void produce(JobConfig c, List<StreamWorkload.Message> messages, int perBatch, long pauseMs)
            throws InterruptedException {
        Topics topics = c.topics.toTopics();
        List<String> defaults = Topics.defaults().all();
        try (KafkaProducer<String, String> p = KafkaClients.producer(broker.bootstrapServers())) {
            int sent = 0;
            for (StreamWorkload.Message m : messages) {
                String topic = topics.all().get(defaults.indexOf(m.topic()));
                p.send(new ProducerRecord<>(topic, m.key(), m.value()));
                if (++sent % perBatch == 0 && pauseMs > 0) {
                    p.flush();
                    Thread.sleep(pauseMs);
                }
            }
            p.flush();
        }
    }

    static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /** Waits until at least {@code count} predictions are committed; returns all committed so far. */
    List<PredictionJson> predictionsAtLeast(JobConfig c, int count) {
        return values(KafkaClients.readUntil(broker.bootstrapServers(), c.topics.predictions, count, WAIT)).stream()
                .map(OutputFormats::readPrediction).toList();
    }

    /** Waits until at least {@code count} picks are committed; returns all committed so far. */
    List<PicksJson> picksAtLeast(JobConfig c, int count) {
        return values(KafkaClients.readUntil(broker.bootstrapServers(), c.topics.picks, count, WAIT)).stream()
                .map(OutputFormats::readPicks).toList();
    }

    /** Every committed prediction (read until the topic is quiet for {@code quiet}). */
    List<PredictionJson> predictions(JobConfig c, Duration quiet) {
        return values(KafkaClients.readAll(broker.bootstrapServers(), c.topics.predictions, quiet, WAIT)).stream()
                .map(OutputFormats::readPrediction).toList();
    }

    /** Every committed pick (read until the topic is quiet for {@code quiet}). */
    List<PicksJson> picks(JobConfig c, Duration quiet) {
        return values(KafkaClients.readAll(broker.bootstrapServers(), c.topics.picks, quiet, WAIT)).stream()
                .map(OutputFormats::readPicks).toList();
    }

    /** Every committed meta record, raw JSON (read until the topic is quiet for {@code quiet}). */
    List<String> meta(JobConfig c, Duration quiet) {
        return values(KafkaClients.readAll(broker.bootstrapServers(), c.topics.meta, quiet, WAIT));
    }

    /** Every committed dead letter, raw JSON (read until the topic is quiet for {@code quiet}). */
    List<String> deadLetters(JobConfig c, Duration quiet) {
        return values(KafkaClients.readAll(broker.bootstrapServers(), c.topics.deadLetter, quiet, WAIT));
    }

    /**
     * Sends barrier pick requests until every task answers with its whole pool in (so the phase-2
     * picks have a known pool); returns how many barrier picks were answered.
     */
    int awaitPools(JobConfig c, StreamWorkload w) throws Exception {
        Set<String> waiting = new HashSet<>();
        w.tasks.forEach(t -> waiting.add(t.name));
        int sent = 0;
        for (int round = 0; !waiting.isEmpty(); round++) {
            assertThat(round).as("rounds of barrier picks").isLessThan(50);
            for (String t : waiting) {
                produce(c, List.of(StreamWorkload.barrierPick(t, round)), 1, 0);
                sent++;
            }
            for (PicksJson p : picksAtLeast(c, sent)) {
                if (p.poolSize() == w.task(p.task()).pool.size()) {
                    waiting.remove(p.task());
                }
            }
        }
        return sent;
    }

    /** Sends barrier queries until every task has learned all its samples; returns how many were answered. */
    int awaitLearned(JobConfig c, StreamWorkload w) throws Exception {
        Set<String> waiting = new HashSet<>();
        w.tasks.forEach(t -> waiting.add(t.name));
        int sent = 0;
        for (int round = 0; !waiting.isEmpty(); round++) {
            assertThat(round).as("rounds of barrier queries").isLessThan(100);
            if (round > 0) {
                Thread.sleep(500);
            }
            for (String t : waiting) {
                produce(c, List.of(w.barrierQuery(t, round)), 1, 0);
                sent++;
            }
            for (PredictionJson p : predictionsAtLeast(c, w.queryCount() + sent)) {
                if (p.id().startsWith("barrier-") && p.nTrain() == w.task(p.task()).samples.size()) {
                    waiting.remove(p.task());
                }
            }
        }
        return sent;
    }

    /**
     * Cancels a job and waits until it has ended and its checkpoint directory has stopped changing
     * (an in-flight checkpoint is discarded after the cancellation), so the test's temporary
     * directory can be deleted.
     */
    static void stop(org.apache.flink.core.execution.JobClient job, Path work) throws Exception {
        job.cancel().get(60, java.util.concurrent.TimeUnit.SECONDS);
        try {
            job.getJobExecutionResult().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException cancelled) {
            // a cancelled job ends with an exception: expected
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long previous = -1;
        while (System.nanoTime() < deadline) {
            long files;
            try (var walk = java.nio.file.Files.walk(work)) {
                files = walk.count();
            } catch (java.io.IOException | java.io.UncheckedIOException changing) {
                files = -2; // a file vanished while counting: still changing
            }
            if (files == previous) {
                return;
            }
            previous = files;
            Thread.sleep(300);
        }
    }
}
