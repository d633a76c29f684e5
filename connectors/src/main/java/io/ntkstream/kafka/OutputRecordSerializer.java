package io.ntkstream.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Kafka sink schema: an {@link OutputRecord} goes to its own topic, with its key (UTF-8; no key
 * when null, so the producer's partitioner spreads it) and its value (UTF-8). The partition is
 * left to the producer (by key hash); the record timestamp is passed on when there is one.
 */
public final class OutputRecordSerializer implements KafkaRecordSerializationSchema<OutputRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public ProducerRecord<byte[], byte[]> serialize(OutputRecord r, KafkaSinkContext context, Long timestamp) {
        if (r.topic == null || r.topic.isEmpty()) {
            throw new IllegalArgumentException("output record has no topic: " + r);
        }
        byte[] key = r.key == null ? null : r.key.getBytes(StandardCharsets.UTF_8);
        byte[] value = r.value == null ? null : r.value.getBytes(StandardCharsets.UTF_8);
        Long ts = timestamp == null || timestamp < 0 ? null : timestamp;
        return new ProducerRecord<>(r.topic, null, ts, key, value);
    }
}
