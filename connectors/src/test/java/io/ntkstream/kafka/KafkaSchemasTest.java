package io.ntkstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class KafkaSchemasTest {

    private static List<RawRecord> deserialize(ConsumerRecord<byte[], byte[]> record) throws Exception {
        List<RawRecord> out = new ArrayList<>();
        new RawRecordDeserializer().deserialize(record, new Collector<>() {
            @Override
            public void collect(RawRecord r) {
                out.add(r);
            }

            @Override
            public void close() {
            }
        });
        return out;
    }

    @Test
    void deserializerKeepsWhereTheRecordCameFrom() throws Exception {
        byte[] value = "{\"task\":\"t\"}".getBytes(StandardCharsets.UTF_8);
        List<RawRecord> out = deserialize(new ConsumerRecord<>("ntk.samples", 4, 1234L, "k".getBytes(), value));
        assertThat(out).containsExactly(new RawRecord("ntk.samples", 4, 1234L, value));
    }

    @Test
    void nullValueBecomesAnEmptyRecordThatIsDeadLettered() throws Exception {
        List<RawRecord> out = deserialize(new ConsumerRecord<>("ntk.pool", 0, 5L, null, null));
        assertThat(out).hasSize(1);
        assertThat(out.get(0).value).isEmpty();
        Decoded d = new RecordDecoder(Topics.defaults(), DecoderLimits.defaults()).decode(out.get(0));
        assertThat(d).isInstanceOf(Decoded.Bad.class);
        assertThat(((Decoded.Bad) d).deadLetter().offset).isEqualTo(5L);
    }

    @Test
    void producedTypeIsAPojo() {
        assertThat(new RawRecordDeserializer().getProducedType()).isInstanceOf(PojoTypeInfo.class);
        assertThat(new RawRecordDeserializer().getProducedType().getTypeClass()).isEqualTo(RawRecord.class);
    }

    @Test
    void serializerUsesTheRecordsTopicKeyAndValue() {
        OutputRecordSerializer s = new OutputRecordSerializer();
        ProducerRecord<byte[], byte[]> p = s.serialize(new OutputRecord("ntk.predictions", "t\u00e9", "{\"a\":\"\u00e9\"}"),
                null, 77L);
        assertThat(p.topic()).isEqualTo("ntk.predictions");
        assertThat(p.partition()).isNull();
        assertThat(p.timestamp()).isEqualTo(77L);
        assertThat(new String(p.key(), StandardCharsets.UTF_8)).isEqualTo("t\u00e9");
        assertThat(new String(p.value(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":\"\u00e9\"}");

        ProducerRecord<byte[], byte[]> noKey = s.serialize(new OutputRecord("ntk.meta", null, "{}"), null, null);
        assertThat(noKey.key()).isNull();
        assertThat(noKey.timestamp()).isNull();
        assertThat(noKey.value()).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
        assertThat(s.serialize(new OutputRecord("ntk.meta", null, "{}"), null, -1L).timestamp()).isNull();

        assertThatThrownBy(() -> s.serialize(new OutputRecord(null, "k", "{}"), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no topic");
    }
}
