package io.ntkstream.kafka;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka source schema: every consumed record becomes one {@link RawRecord} (topic, partition,
 * offset, value bytes); decoding happens later, in {@link RecordDecoder}, so that a bad record is
 * dead-lettered instead of failing the source. A null value (a tombstone) becomes an empty value,
 * which the decoder dead-letters; nothing is dropped. Keys are ignored.
 */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;
    private static final byte[] EMPTY = new byte[0];

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        byte[] value = record.value();
        out.collect(new RawRecord(record.topic(), record.partition(), record.offset(),
                value == null ? EMPTY : value));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
