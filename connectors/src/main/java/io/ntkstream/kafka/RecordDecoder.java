package io.ntkstream.kafka;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ntkstream.active.AcquisitionKind;
import io.ntkstream.network.Architecture;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * Decodes and validates the JSON records of the input topics into {@link TaskEvent}s and
 * {@link ModelEvent}s. It never throws: anything unusable becomes a {@link DeadLetter} whose error
 * names the field and what was expected, e.g.
 * {@code field "x": expected a non-empty array of finite numbers, got string}.
 *
 * <p>Formats by topic (extra fields are ignored; a JSON {@code null} counts as absent only for the
 * optional fields {@code y}, {@code label}, {@code remove} and {@code strategy}):
 * <ul>
 * <li>samples: {@code {"task","id","x":[...],"y":[...]}} or {@code "label":k} instead of
 *     {@code y} (exactly one) → {@link EventKind#SAMPLE};</li>
 * <li>pool: {@code {"task","id","x"}} → POOL_ADD; {@code {"task","id","remove":true}} →
 *     POOL_REMOVE ({@code x} is then ignored);</li>
 * <li>queries: {@code {"task","id","x"}} → QUERY;</li>
 * <li>control: {@code {"task","id","pick":n,"strategy":"lookahead"}} → PICK, {@code strategy}
 *     optional and stored by its canonical lower-case name;</li>
 * <li>models: {@code {"version":v,"arch":{...},"params_uri":"scheme:..."}} → a ModelEvent with the
 *     architecture re-serialized as JSON text.</li>
 * </ul>
 * Every event and dead letter keeps its source topic, partition and offset and the value as text
 * ({@code raw}). A value that is not valid UTF-8 is dead-lettered with {@code raw} decoded
 * <em>lossily</em> (each malformed byte sequence replaced by U+FFFD), so the dead letter stays
 * readable JSON text.
 */
public final class RecordDecoder implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER) // FastDoubleParser: x is hundreds of numbers
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final String VECTOR = "a non-empty array of finite numbers";

    private final Topics topics;
    private final DecoderLimits limits;

    public RecordDecoder(Topics topics, DecoderLimits limits) {
        this.topics = Objects.requireNonNull(topics, "topics");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public Topics topics() {
        return topics;
    }

    public DecoderLimits limits() {
        return limits;
    }

    /** The event of {@code r}, or a dead letter saying why there is none. Never throws. */
    public Decoded decode(RawRecord r) {
        if (r == null) {
            return new Decoded.Bad(new DeadLetter(null, -1, -1L, "", "no record (null)"));
        }
        byte[] value = r.value == null ? new byte[0] : r.value;
        String raw;
        try {
            raw = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            return bad(r, new String(value, StandardCharsets.UTF_8),
                    "value is not valid UTF-8 (raw shows it with invalid bytes replaced by U+FFFD); "
                            + "expected a UTF-8 JSON object");
        }
        try {
            return decode(r, raw);
        } catch (Invalid e) {
            return bad(r, raw, e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            return bad(r, raw, "cannot decode the record: " + e);
        }
    }

    private Decoded decode(RawRecord r, String raw) throws Invalid {
        String topic = r.topic;
        boolean models = topics.models().equals(topic);
        boolean meta = topics.meta().equals(topic);
        if (!models && !meta && (topic == null || !topics.taskInputs().contains(topic))) {
            throw new Invalid("unknown topic '" + topic + "'; expected one of " + topics.taskInputs()
                    + ", " + topics.models() + " or " + topics.meta());
        }
        JsonNode root = parse(raw);
        if (meta) {
            return hyper(root);
        }
        if (models) {
            ModelEvent m = model(root);
            m.sourceTopic = r.topic;
            m.sourcePartition = r.partition;
            m.sourceOffset = r.offset;
            m.raw = raw;
            return new Decoded.Model(m);
        }
        TaskEvent e = new TaskEvent();
        e.task = text(root, "task");
        e.id = text(root, "id");
        if (topic.equals(topics.samples())) {
            sample(root, e);
        } else if (topic.equals(topics.pool())) {
            if (flag(root, "remove")) {
                e.kind = EventKind.POOL_REMOVE;
            } else {
                e.kind = EventKind.POOL_ADD;
                e.x = vector(root, "x");
            }
        } else if (topic.equals(topics.queries())) {
            e.kind = EventKind.QUERY;
            e.x = vector(root, "x");
        } else {
            pick(root, e);
        }
        e.sourceTopic = r.topic;
        e.sourcePartition = r.partition;
        e.sourceOffset = r.offset;
        e.raw = raw.getBytes(StandardCharsets.UTF_8); // (valid UTF-8 here: the value's own bytes)
        return new Decoded.Task(e);
    }

    private static JsonNode parse(String raw) throws Invalid {
        JsonNode root;
        try {
            root = JSON.readTree(raw);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            throw new Invalid("not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (root == null || root.isMissingNode()) {
            throw new Invalid("empty value; expected a JSON object");
        }
        if (!root.isObject()) {
            throw new Invalid("expected a JSON object, got " + type(root));
        }
        return root;
    }

    private void sample(JsonNode o, TaskEvent e) throws Invalid {
        e.kind = EventKind.SAMPLE;
        e.x = vector(o, "x");
        boolean hasY = present(o, "y");
        boolean hasLabel = present(o, "label");
        if (hasY == hasLabel) {
            throw new Invalid("fields \"y\" and \"label\": a sample needs exactly one of \"y\" (" + VECTOR
                    + ") or \"label\" (a non-negative integer class index), got "
                    + (hasY ? "both" : "neither"));
        }
        if (hasY) {
            e.y = vector(o, "y");
        } else {
            e.label = (int) integer(o, "label", 0, Integer.MAX_VALUE, "a non-negative integer class index");
        }
    }

    private void pick(JsonNode o, TaskEvent e) throws Invalid {
        e.kind = EventKind.PICK;
        e.pick = (int) integer(o, "pick", 1, limits.maxPick(), "an integer from 1 to " + limits.maxPick());
        if (present(o, "strategy")) {
            JsonNode s = o.get("strategy");
            if (!s.isTextual()) {
                throw new Invalid("field \"strategy\": expected a string, one of " + AcquisitionKind.validNames()
                        + ", got " + describe(s));
            }
            try {
                e.strategy = AcquisitionKind.parse(s.textValue()).cliName();
            } catch (IllegalArgumentException ex) {
                throw new Invalid("field \"strategy\": " + ex.getMessage());
            }
        }
    }

    /**
     * The meta topic: {@code {"kind":"global","model_version":v,"ridge":λ,"flow_time":ηt|null,"tasks":k}}
     * becomes a {@link HyperEvent}; any other kind (per-task records) is ignored.
     */
    private static Decoded hyper(JsonNode o) throws Invalid {
        JsonNode kind = o.get("kind");
        if (kind == null || !"global".equals(kind.asText())) {
            return new Decoded.Ignored();
        }
        long version = integer(o, "model_version", 0, Long.MAX_VALUE, "a non-negative integer");
        JsonNode r = o.get("ridge");
        if (r == null || !r.isNumber() || !(r.doubleValue() >= 0) || !Double.isFinite(r.doubleValue())) {
            throw new Invalid("field \"ridge\": expected a finite number >= 0, got " + (r == null ? "nothing"
                    : describe(r)));
        }
        JsonNode t = o.get("flow_time");
        double flow = Double.POSITIVE_INFINITY;
        if (t != null && !t.isNull()) {
            if (!t.isNumber() || !(t.doubleValue() > 0) || !Double.isFinite(t.doubleValue())) {
                throw new Invalid("field \"flow_time\": expected a positive number, or null for t = ∞, got "
                        + describe(t));
            }
            flow = t.doubleValue();
        }
        int tasks = (int) integer(o, "tasks", 0, Integer.MAX_VALUE, "a non-negative integer");
        return new Decoded.Hyper(new HyperEvent(version, r.doubleValue(), flow, tasks));
    }

    private static ModelEvent model(JsonNode o) throws Invalid {
        long version = integer(o, "version", 0, Long.MAX_VALUE, "a non-negative integer");
        JsonNode a = o.get("arch");
        if (a == null) {
            throw new Invalid("missing field \"arch\": expected a JSON object (the architecture)");
        }
        if (!a.isObject()) {
            throw new Invalid("field \"arch\": expected a JSON object (the architecture), got " + describe(a));
        }
        String arch = a.toString();
        try {
            Architecture.parse(arch);
        } catch (RuntimeException ex) {
            throw new Invalid("field \"arch\": " + ex.getMessage());
        }
        JsonNode u = o.get("params_uri");
        String expected = "a URI with a scheme, e.g. \"file:///models/v3.safetensors\"";
        if (u == null) {
            throw new Invalid("missing field \"params_uri\": expected " + expected);
        }
        if (!u.isTextual() || u.textValue().isBlank()) {
            throw new Invalid("field \"params_uri\": expected " + expected + ", got " + describe(u));
        }
        String uri = u.textValue();
        try {
            if (new URI(uri).getScheme() == null) {
                throw new Invalid("field \"params_uri\": expected " + expected + ", got " + describe(u)
                        + " (no scheme)");
            }
        } catch (URISyntaxException ex) {
            throw new Invalid("field \"params_uri\": not a valid URI (" + ex.getMessage() + "); expected " + expected);
        }
        return new ModelEvent(version, arch, uri);
    }

    /** A required non-blank string of at most {@code maxIdLength} characters. */
    private String text(JsonNode o, String field) throws Invalid {
        String expected = "a non-empty string of at most " + limits.maxIdLength() + " characters";
        JsonNode v = o.get(field);
        if (v == null) {
            throw new Invalid("missing field \"" + field + "\": expected " + expected);
        }
        if (!v.isTextual()) {
            throw new Invalid("field \"" + field + "\": expected " + expected + ", got " + describe(v));
        }
        String s = v.textValue();
        if (s.isBlank()) {
            throw new Invalid("field \"" + field + "\": expected " + expected + ", got an empty string");
        }
        if (s.length() > limits.maxIdLength()) {
            throw new Invalid("field \"" + field + "\": expected " + expected + ", got " + s.length() + " characters");
        }
        return s;
    }

    /** A required non-empty array of finite numbers, at most {@code maxVectorLength} long. */
    private double[] vector(JsonNode o, String field) throws Invalid {
        JsonNode v = o.get(field);
        String what = "field \"" + field + "\": expected " + VECTOR;
        if (v == null) {
            throw new Invalid("missing " + what);
        }
        if (!v.isArray()) {
            throw new Invalid(what + ", got " + type(v));
        }
        if (v.isEmpty()) {
            throw new Invalid(what + ", got an empty array");
        }
        if (v.size() > limits.maxVectorLength()) {
            throw new Invalid(what + ", got " + v.size() + " entries, more than the limit of "
                    + limits.maxVectorLength());
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = v.get(i);
            if (!n.isNumber()) {
                throw new Invalid(what + ", got " + describe(n) + " at index " + i);
            }
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw new Invalid(what + ", got " + n.asText() + " (not finite as a double) at index " + i);
            }
            out[i] = d;
        }
        return out;
    }

    /** A required JSON integer (no fraction, no exponent) in {@code [min, max]}. */
    private static long integer(JsonNode o, String field, long min, long max, String expected) throws Invalid {
        JsonNode v = o.get(field);
        if (v == null) {
            throw new Invalid("missing field \"" + field + "\": expected " + expected);
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw new Invalid("field \"" + field + "\": expected " + expected + ", got " + describe(v));
        }
        return v.longValue();
    }

    /** An optional boolean; absent or null is false. */
    private static boolean flag(JsonNode o, String field) throws Invalid {
        if (!present(o, field)) {
            return false;
        }
        JsonNode v = o.get(field);
        if (!v.isBoolean()) {
            throw new Invalid("field \"" + field + "\": expected true or false, got " + describe(v));
        }
        return v.booleanValue();
    }

    private static boolean present(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v != null && !v.isNull();
    }

    /** The JSON type of a node, lower case: string, number, boolean, null, array, object. */
    private static String type(JsonNode n) {
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** The type and, for scalars, the value (shortened), e.g. {@code string "NaN"}. */
    private static String describe(JsonNode n) {
        if (n.isContainerNode() || n.isNull()) {
            return type(n);
        }
        String s = n.toString();
        return type(n) + " " + (s.length() > 40 ? s.substring(0, 40) + "..." : s);
    }

    private static Decoded bad(RawRecord r, String raw, String error) {
        return new Decoded.Bad(new DeadLetter(r.topic, r.partition, r.offset, raw, error));
    }

    /** A validation failure; its message is the dead letter's error. */
    private static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }
}
