package io.ntkstream.cli.demo;

import io.ntkstream.kafka.KafkaClients;
import io.ntkstream.kafka.OutputFormats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * What a client of the job does: produce JSON records to input topics (keyed by task) and read the
 * output topics (read_committed, so only what the job's exactly-once sink committed at a
 * checkpoint). Records produced are counted per topic.
 */
final class StreamIo implements AutoCloseable {
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Map<String, Long> produced = new LinkedHashMap<>();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();

    /** Reads {@code outputs} from their current end (only what the job writes from now on). */
    StreamIo(String bootstrap, Collection<String> outputs) {
        producer = KafkaClients.producer(bootstrap);
        consumer = KafkaClients.consumer(bootstrap, null, true);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : outputs) {
            for (PartitionInfo p : consumer.partitionsFor(t, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(t, p.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        for (TopicPartition tp : partitions) {
            consumer.position(tp, Duration.ofSeconds(30));
        }
    }

    /** Sends one record (value: an object written as JSON), asynchronously; see {@link #flush()}. */
    void send(String topic, String key, Object value) {
        String json = value instanceof String s ? s : OutputFormats.json(value);
        producer.send(new ProducerRecord<>(topic, key, json), (m, e) -> {
            if (e != null) {
                sendFailure.compareAndSet(null, e);
            }
        });
        produced.merge(topic, 1L, Long::sum);
    }

    /** Waits until everything sent is acknowledged; throws if a send failed. */
    void flush() {
        producer.flush();
        if (sendFailure.get() != null) {
            throw new IllegalStateException("sending to Kafka failed: " + sendFailure.get().getMessage(),
                    sendFailure.get());
        }
    }

    /** Committed output records that arrived, waiting at most {@code timeout}. */
    List<ConsumerRecord<String, String>> poll(Duration timeout) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        consumer.poll(timeout).forEach(out::add);
        return out;
    }

    Map<String, Long> produced() {
        return produced;
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(10));
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
