package io.ntkstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.ntkstream.network.Architecture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {
    static final Topics T = Topics.defaults();
    static final String ARCH = "{\"input_dim\":3,\"layers\":[{\"type\":\"dense\",\"out\":8},{\"type\":\"relu\"},"
            + "{\"type\":\"dense\",\"out\":2}]}";
    static final RecordDecoder DECODER = new RecordDecoder(T, DecoderLimits.defaults());

    static RawRecord raw(String topic, String json) {
        return new RawRecord(topic, 2, 41L, json.getBytes(StandardCharsets.UTF_8));
    }

    static TaskEvent task(String topic, String json) {
        Decoded d = DECODER.decode(raw(topic, json));
        assertThat(d).as(json).isInstanceOf(Decoded.Task.class);
        TaskEvent e = ((Decoded.Task) d).event();
        assertThat(e.sourceTopic).isEqualTo(topic);
        assertThat(e.sourcePartition).isEqualTo(2);
        assertThat(e.sourceOffset).isEqualTo(41L);
        assertThat(e.rawText()).isEqualTo(json);
        return e;
    }

    static DeadLetter bad(RecordDecoder decoder, RawRecord r) {
        Decoded d = decoder.decode(r);
        assertThat(d).as(r.toString()).isInstanceOf(Decoded.Bad.class);
        DeadLetter dl = ((Decoded.Bad) d).deadLetter();
        assertThat(dl.sourceTopic).isEqualTo(r.topic);
        assertThat(dl.partition).isEqualTo(r.partition);
        assertThat(dl.offset).isEqualTo(r.offset);
        return dl;
    }

    /** The dead letter's error for a record of {@code topic}; also checks raw is the JSON text. */
    static String error(String topic, String json) {
        DeadLetter dl = bad(DECODER, raw(topic, json));
        assertThat(dl.raw).isEqualTo(json);
        return dl.error;
    }

    @Nested
    class GoodRecords {
        @Test
        void sampleWithTargets() {
            TaskEvent e = task(T.samples(), "{\"task\":\"t1\",\"id\":\"s-17\",\"x\":[1.5,-2,0.1,3e-5],\"y\":[0.25,-1E2]}");
            assertThat(e.kind).isEqualTo(EventKind.SAMPLE);
            assertThat(e.task).isEqualTo("t1");
            assertThat(e.id).isEqualTo("s-17");
            assertThat(e.x).containsExactly(1.5, -2.0, 0.1, 3e-5);
            assertThat(e.y).containsExactly(0.25, -100.0);
            assertThat(e.label).isNull();
        }

        @Test
        void sampleWithLabelAndNullY() {
            TaskEvent e = task(T.samples(), "{\"task\":\"t1\",\"id\":\"s-18\",\"x\":[0],\"label\":3,\"y\":null}");
            assertThat(e.kind).isEqualTo(EventKind.SAMPLE);
            assertThat(e.x).containsExactly(0.0);
            assertThat(e.y).isNull();
            assertThat(e.label).isEqualTo(3);
        }

        @Test
        void poolAddAndRemove() {
            TaskEvent add = task(T.pool(), "{\"task\":\"t1\",\"id\":\"u-9\",\"x\":[4,5]}");
            assertThat(add.kind).isEqualTo(EventKind.POOL_ADD);
            assertThat(add.x).containsExactly(4.0, 5.0);
            TaskEvent keep = task(T.pool(), "{\"task\":\"t1\",\"id\":\"u-9\",\"x\":[4,5],\"remove\":false}");
            assertThat(keep.kind).isEqualTo(EventKind.POOL_ADD);
            TaskEvent rm = task(T.pool(), "{\"task\":\"t1\",\"id\":\"u-9\",\"remove\":true}");
            assertThat(rm.kind).isEqualTo(EventKind.POOL_REMOVE);
            assertThat(rm.id).isEqualTo("u-9");
            assertThat(rm.x).isNull();
        }

        @Test
        void query() {
            TaskEvent e = task(T.queries(), "{\"task\":\"t2\",\"id\":\"q-3\",\"x\":[0.1,0.2,0.30000000000000004]}");
            assertThat(e.kind).isEqualTo(EventKind.QUERY);
            assertThat(e.task).isEqualTo("t2");
            assertThat(e.x).containsExactly(0.1, 0.2, 0.30000000000000004);
        }

        @Test
        void pickWithAndWithoutStrategy() {
            TaskEvent e = task(T.control(), "{\"task\":\"t1\",\"id\":\"r-1\",\"pick\":5,\"strategy\":\"LookAhead\"}");
            assertThat(e.kind).isEqualTo(EventKind.PICK);
            assertThat(e.pick).isEqualTo(5);
            assertThat(e.strategy).isEqualTo("lookahead");
            assertThat(e.x).isNull();
            TaskEvent d = task(T.control(), "{\"task\":\"t1\",\"id\":\"r-2\",\"pick\":1000}");
            assertThat(d.pick).isEqualTo(1000);
            assertThat(d.strategy).isNull();
        }

        @Test
        void model() {
            String json = "{\"version\":3,\"arch\":" + ARCH + ",\"params_uri\":\"file:///m/v3.safetensors\"}";
            Decoded d = DECODER.decode(raw(T.models(), json));
            assertThat(d).isInstanceOf(Decoded.Model.class);
            ModelEvent m = ((Decoded.Model) d).event();
            assertThat(m.version).isEqualTo(3L);
            assertThat(m.paramsUri).isEqualTo("file:///m/v3.safetensors");
            assertThat(m.arch).isEqualTo(ARCH);
            assertThat(Architecture.parse(m.arch).shapeString()).isEqualTo("3-8-2");
            assertThat(m.sourceTopic).isEqualTo(T.models());
            assertThat(m.sourcePartition).isEqualTo(2);
            assertThat(m.sourceOffset).isEqualTo(41L);
            assertThat(m.raw).isEqualTo(json);
        }

        @Test
        void extraFieldsAreIgnored() {
            TaskEvent e = task(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[1],\"note\":{\"a\":[null]},\"ts\":9}");
            assertThat(e.x).containsExactly(1.0);
        }

        @Test
        void customTopicNames() {
            Topics custom = new Topics("a", "b", "c", "d", "e", "f", "g", "h", "i");
            Decoded d = new RecordDecoder(custom, DecoderLimits.defaults())
                    .decode(raw("c", "{\"task\":\"t\",\"id\":\"q\",\"x\":[1]}"));
            assertThat(((Decoded.Task) d).event().kind).isEqualTo(EventKind.QUERY);
        }
    }

    @Nested
    class BadBytes {
        @Test
        void invalidUtf8IsDeadLetteredWithLossyRaw() {
            byte[] v = {'{', '"', 't', (byte) 0xC3, (byte) 0x28, '"', '}'};
            DeadLetter dl = bad(DECODER, new RawRecord(T.samples(), 0, 7L, v));
            assertThat(dl.error).contains("not valid UTF-8");
            assertThat(dl.raw).isEqualTo("{\"t\uFFFD(\"}");
        }

        @Test
        void emptyAndNullValues() {
            assertThat(bad(DECODER, new RawRecord(T.pool(), 0, 1L, null)).error).contains("empty value");
            assertThat(bad(DECODER, new RawRecord(T.pool(), 0, 1L, new byte[0])).error).contains("empty value");
            assertThat(error(T.pool(), "   ")).contains("empty value");
        }

        @Test
        void malformedJson() {
            assertThat(error(T.samples(), "{\"task\":\"t1\",")).startsWith("not valid JSON");
            assertThat(error(T.samples(), "{\"task\":\"t1\"} trailing")).startsWith("not valid JSON");
            assertThat(error(T.samples(), "{\"task\":\"a\",\"task\":\"b\"}")).startsWith("not valid JSON")
                    .contains("task");
        }

        @Test
        void nonStandardNumberTokensAreRejected() {
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[NaN]}")).startsWith("not valid JSON");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[Infinity]}")).startsWith("not valid JSON");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[-Infinity]}")).startsWith("not valid JSON");
        }

        @Test
        void notAnObject() {
            assertThat(error(T.queries(), "[1,2]")).isEqualTo("expected a JSON object, got array");
            assertThat(error(T.queries(), "\"x\"")).isEqualTo("expected a JSON object, got string");
            assertThat(error(T.models(), "17")).isEqualTo("expected a JSON object, got number");
            assertThat(error(T.models(), "null")).isEqualTo("expected a JSON object, got null");
        }

        @Test
        void unknownTopic() {
            assertThat(error("ntk.other", "{}")).contains("unknown topic 'ntk.other'").contains("ntk.samples");
            assertThat(bad(DECODER, new RawRecord(null, 0, 0L, "{}".getBytes(StandardCharsets.UTF_8))).error)
                    .contains("unknown topic 'null'");
        }

        @Test
        void neverThrowsOnRandomBytes() {
            SplittableRandom r = new SplittableRandom(5);
            String[] topics = {T.samples(), T.pool(), T.queries(), T.control(), T.models(), "x"};
            String alphabet = "{}[]\":,0123456789.eE-+ntrufalsxyidtask\\\u00ff";
            for (int i = 0; i < 2000; i++) {
                byte[] v = new byte[r.nextInt(40)];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
                }
                RawRecord rec = new RawRecord(topics[r.nextInt(topics.length)], 0, i, v);
                assertNoSurprise(rec);
            }
            String[][] good = {
                    {T.samples(), "{\"task\":\"t1\",\"id\":\"s\",\"x\":[1.5,-2],\"label\":3}"},
                    {T.control(), "{\"task\":\"t1\",\"id\":\"r\",\"pick\":5,\"strategy\":\"margin\"}"},
                    {T.models(), "{\"version\":3,\"arch\":" + ARCH + ",\"params_uri\":\"file:///v.npz\"}"}};
            for (int i = 0; i < 3000; i++) {
                String[] g = good[r.nextInt(good.length)];
                byte[] v = g[1].getBytes(StandardCharsets.UTF_8);
                for (int k = 0; k < 1 + r.nextInt(3); k++) {
                    v[r.nextInt(v.length)] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
                }
                RawRecord rec = new RawRecord(g[0], 0, i, v);
                assertNoSurprise(rec);
            }
            assertThat(DECODER.decode(null)).isInstanceOf(Decoded.Bad.class);
        }

        /** Decodes without throwing and without hitting the decoder's catch-all for unexpected exceptions. */
        private void assertNoSurprise(RawRecord rec) {
            Decoded[] d = new Decoded[1];
            assertThatCode(() -> d[0] = DECODER.decode(rec)).doesNotThrowAnyException();
            if (d[0] instanceof Decoded.Bad b) {
                assertThat(b.deadLetter().error).as(new String(rec.value, StandardCharsets.UTF_8))
                        .doesNotStartWith("cannot decode the record");
            }
        }

        @Test
        void deeplyNestedJsonIsADeadLetter() {
            String deep = "{\"task\":\"t\",\"id\":\"q\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
            assertThat(error(T.queries(), deep)).isNotBlank();
        }
    }

    @Nested
    class BadFields {
        @Test
        void missingFields() {
            assertThat(error(T.queries(), "{\"id\":\"q\",\"x\":[1]}"))
                    .isEqualTo("missing field \"task\": expected a non-empty string of at most 256 characters");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"x\":[1]}")).startsWith("missing field \"id\"");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\"}"))
                    .isEqualTo("missing field \"x\": expected a non-empty array of finite numbers");
            assertThat(error(T.pool(), "{\"task\":\"t\",\"id\":\"q\"}")).startsWith("missing field \"x\"");
            assertThat(error(T.control(), "{\"task\":\"t\",\"id\":\"r\"}")).startsWith("missing field \"pick\"");
        }

        @Test
        void sampleNeedsExactlyOneOfYAndLabel() {
            assertThat(error(T.samples(), "{\"task\":\"t\",\"id\":\"s\",\"x\":[1]}"))
                    .contains("\"y\"").contains("\"label\"").endsWith("got neither");
            assertThat(error(T.samples(), "{\"task\":\"t\",\"id\":\"s\",\"x\":[1],\"y\":[1],\"label\":1}"))
                    .contains("\"y\"").contains("\"label\"").endsWith("got both");
        }

        @Test
        void wrongTypes() {
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":\"1,2\"}"))
                    .isEqualTo("field \"x\": expected a non-empty array of finite numbers, got string");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":{\"0\":1}}"))
                    .isEqualTo("field \"x\": expected a non-empty array of finite numbers, got object");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[1,true]}"))
                    .isEqualTo("field \"x\": expected a non-empty array of finite numbers, got boolean true at index 1");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[[1]]}"))
                    .isEqualTo("field \"x\": expected a non-empty array of finite numbers, got array at index 0");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[1,null]}"))
                    .isEqualTo("field \"x\": expected a non-empty array of finite numbers, got null at index 1");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":17,\"x\":[1]}"))
                    .isEqualTo("field \"id\": expected a non-empty string of at most 256 characters, got number 17");
            assertThat(error(T.queries(), "{\"task\":null,\"id\":\"q\",\"x\":[1]}"))
                    .isEqualTo("field \"task\": expected a non-empty string of at most 256 characters, got null");
            assertThat(error(T.samples(), "{\"task\":\"t\",\"id\":\"s\",\"x\":[1],\"y\":2.5}"))
                    .isEqualTo("field \"y\": expected a non-empty array of finite numbers, got number");
            assertThat(error(T.pool(), "{\"task\":\"t\",\"id\":\"u\",\"remove\":\"yes\"}"))
                    .isEqualTo("field \"remove\": expected true or false, got string \"yes\"");
        }

        @Test
        void nonFiniteNumbers() {
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[1,\"NaN\"]}"))
                    .isEqualTo("field \"x\": expected a non-empty array of finite numbers, got string \"NaN\" at index 1");
            assertThat(error(T.samples(), "{\"task\":\"t\",\"id\":\"s\",\"x\":[1],\"y\":[\"Infinity\"]}"))
                    .startsWith("field \"y\": expected a non-empty array of finite numbers, got string \"Infinity\"");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[1e999]}"))
                    .isEqualTo("field \"x\": expected a non-empty array of finite numbers, got Infinity (not finite as a double) at index 0");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[-1e400]}"))
                    .startsWith("field \"x\"").contains("not finite");
        }

        @Test
        void emptyVectors() {
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[]}"))
                    .isEqualTo("field \"x\": expected a non-empty array of finite numbers, got an empty array");
            assertThat(error(T.samples(), "{\"task\":\"t\",\"id\":\"s\",\"x\":[1],\"y\":[]}"))
                    .isEqualTo("field \"y\": expected a non-empty array of finite numbers, got an empty array");
        }

        @Test
        void vectorOverTheLimit() {
            RecordDecoder small = new RecordDecoder(T, new DecoderLimits(3, 10, 8));
            DeadLetter dl = bad(small, raw(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[1,2,3,4]}"));
            assertThat(dl.error).isEqualTo(
                    "field \"x\": expected a non-empty array of finite numbers, got 4 entries, more than the limit of 3");
            assertThat(bad(small, raw(T.samples(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[1],\"y\":[1,2,3,4]}")).error)
                    .startsWith("field \"y\"").contains("limit of 3");
            assertThat(small.decode(raw(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[1,2,3]}")))
                    .isInstanceOf(Decoded.Task.class);
        }

        @Test
        void emptyOrTooLongIds() {
            assertThat(error(T.queries(), "{\"task\":\"\",\"id\":\"q\",\"x\":[1]}"))
                    .isEqualTo("field \"task\": expected a non-empty string of at most 256 characters, got an empty string");
            assertThat(error(T.queries(), "{\"task\":\"t\",\"id\":\"  \",\"x\":[1]}"))
                    .startsWith("field \"id\"").endsWith("got an empty string");
            RecordDecoder small = new RecordDecoder(T, new DecoderLimits(3, 10, 8));
            assertThat(bad(small, raw(T.queries(), "{\"task\":\"123456789\",\"id\":\"q\",\"x\":[1]}")).error)
                    .isEqualTo("field \"task\": expected a non-empty string of at most 8 characters, got 9 characters");
            assertThat(bad(small, raw(T.pool(), "{\"task\":\"t\",\"id\":\"123456789\",\"remove\":true}")).error)
                    .startsWith("field \"id\"");
        }

        @Test
        void badLabels() {
            String head = "{\"task\":\"t\",\"id\":\"s\",\"x\":[1],\"label\":";
            assertThat(error(T.samples(), head + "-1}"))
                    .isEqualTo("field \"label\": expected a non-negative integer class index, got number -1");
            assertThat(error(T.samples(), head + "2.5}")).startsWith("field \"label\"").endsWith("got number 2.5");
            assertThat(error(T.samples(), head + "\"3\"}")).startsWith("field \"label\"").endsWith("got string \"3\"");
            assertThat(error(T.samples(), head + "4294967296}")).startsWith("field \"label\"");
        }

        @Test
        void badPicks() {
            String head = "{\"task\":\"t\",\"id\":\"r\",\"pick\":";
            assertThat(error(T.control(), head + "0}"))
                    .isEqualTo("field \"pick\": expected an integer from 1 to 1000, got number 0");
            assertThat(error(T.control(), head + "1001}")).startsWith("field \"pick\"").endsWith("got number 1001");
            assertThat(error(T.control(), head + "\"5\"}")).startsWith("field \"pick\"");
            assertThat(error(T.control(), head + "5.0}")).startsWith("field \"pick\"");
        }

        @Test
        void unknownStrategyNamesTheValidOnes() {
            String head = "{\"task\":\"t\",\"id\":\"r\",\"pick\":2,\"strategy\":";
            assertThat(error(T.control(), head + "\"best\"}"))
                    .startsWith("field \"strategy\": unknown acquisition strategy 'best'")
                    .contains("lookahead").contains("variance").contains("random");
            assertThat(error(T.control(), head + "3}"))
                    .startsWith("field \"strategy\": expected a string, one of lookahead").endsWith("got number 3");
        }

        @Test
        void badModels() {
            String uri = ",\"params_uri\":\"file:///m/v1.npz\"}";
            assertThat(error(T.models(), "{\"arch\":" + ARCH + uri))
                    .isEqualTo("missing field \"version\": expected a non-negative integer");
            assertThat(error(T.models(), "{\"version\":-1,\"arch\":" + ARCH + uri))
                    .isEqualTo("field \"version\": expected a non-negative integer, got number -1");
            assertThat(error(T.models(), "{\"version\":\"3\",\"arch\":" + ARCH + uri)).startsWith("field \"version\"");
            assertThat(error(T.models(), "{\"version\":1" + uri)).startsWith("missing field \"arch\"");
            assertThat(error(T.models(), "{\"version\":1,\"arch\":\"mlp\"" + uri))
                    .isEqualTo("field \"arch\": expected a JSON object (the architecture), got string \"mlp\"");
            assertThat(error(T.models(), "{\"version\":1,\"arch\":{\"input_dim\":0,\"layers\":[{\"type\":\"dense\",\"out\":1}]}" + uri))
                    .isEqualTo("field \"arch\": input_dim must be a positive integer, got 0");
            assertThat(error(T.models(), "{\"version\":1,\"arch\":{\"input_dim\":2,\"layers\":[{\"type\":\"conv\"}]}" + uri))
                    .startsWith("field \"arch\": layers[0]: unknown layer type \"conv\"");
            String head = "{\"version\":1,\"arch\":" + ARCH;
            assertThat(error(T.models(), head + "}")).startsWith("missing field \"params_uri\"");
            assertThat(error(T.models(), head + ",\"params_uri\":\"\"}")).startsWith("field \"params_uri\"");
            assertThat(error(T.models(), head + ",\"params_uri\":7}")).startsWith("field \"params_uri\"");
            assertThat(error(T.models(), head + ",\"params_uri\":\"models/v1.npz\"}"))
                    .startsWith("field \"params_uri\"").endsWith("(no scheme)");
            assertThat(error(T.models(), head + ",\"params_uri\":\"file:///a b.npz\"}"))
                    .startsWith("field \"params_uri\": not a valid URI");
        }
    }

    @Test
    void decoderIsSerializable() throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(DECODER);
        }
        RecordDecoder back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (RecordDecoder) in.readObject();
        }
        assertThat(back.topics()).isEqualTo(T);
        assertThat(back.limits()).isEqualTo(DecoderLimits.defaults());
        assertThat(back.decode(raw(T.queries(), "{\"task\":\"t\",\"id\":\"q\",\"x\":[1]}"))).isInstanceOf(Decoded.Task.class);
    }
}
