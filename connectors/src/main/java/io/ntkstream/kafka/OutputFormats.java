package io.ntkstream.kafka;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of the output topics (predictions, picks, dead-letter, and generic meta records), and
 * parsers for them (for tests and tools). Field names are snake_case in a fixed order. Doubles are
 * written so that they parse back to the same bits; a non-finite double is written as the string
 * {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"} (Jackson's default), which the readers
 * accept.
 */
public final class OutputFormats {
    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER) // shortest round-tripping digits (Schubfach)
            .build();

    private OutputFormats() {
    }

    /** The dead-letter record's JSON shape. */
    @JsonPropertyOrder({"source_topic", "partition", "offset", "raw", "error"})
    private record DeadLetterJson(@JsonProperty("source_topic") String sourceTopic,
                                  @JsonProperty(value = "partition", required = true) int partition,
                                  @JsonProperty(value = "offset", required = true) long offset,
                                  @JsonProperty("raw") String raw,
                                  @JsonProperty(value = "error", required = true) String error) {
    }

    /**
     * {@code {"task","id","mean":[...],"variance":v,"probs":[...]?,"label":k?,"n_train":n,"model_version":m}};
     * {@code probs} and {@code label} are omitted when null.
     */
    public static String prediction(String task, String id, double[] mean, double variance, double[] probs,
                                    Integer label, int nTrain, long modelVersion) {
        return json(new PredictionJson(task, id, mean, variance, probs, label, nTrain, modelVersion));
    }

    /**
     * {@code {"task","request_id","strategy","picks":[{"id","score"}...],"n_train","pool_size","model_version"}},
     * picks in the order given ({@code ids[i]} scored {@code scores[i]}); a null request id or strategy is
     * written as null.
     */
    public static String picks(String task, String requestId, List<String> ids, double[] scores, int nTrain,
                               long modelVersion, String strategy, int poolSize) {
        if (ids.size() != scores.length) {
            throw new IllegalArgumentException("picks: " + ids.size() + " ids but " + scores.length + " scores");
        }
        List<PicksJson.Pick> picks = new ArrayList<>(ids.size());
        for (int i = 0; i < scores.length; i++) {
            picks.add(new PicksJson.Pick(ids.get(i), scores[i]));
        }
        return json(new PicksJson(task, requestId, strategy, picks, nTrain, poolSize, modelVersion));
    }

    /** {@code {"source_topic","partition","offset","raw","error"}}. */
    public static String deadLetter(DeadLetter d) {
        return json(new DeadLetterJson(d.sourceTopic, d.partition, d.offset, d.raw, d.error));
    }

    /**
     * Any value as JSON: records and beans with snake_case property names (records in component
     * order), maps in their iteration order (use a LinkedHashMap or TreeMap for a fixed order).
     */
    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** Parses a prediction record; an IllegalArgumentException names what is wrong. */
    public static PredictionJson readPrediction(String json) {
        return read(json, PredictionJson.class, "prediction");
    }

    /** Parses a picks record; an IllegalArgumentException names what is wrong. */
    public static PicksJson readPicks(String json) {
        return read(json, PicksJson.class, "picks");
    }

    /** Parses a dead-letter record; an IllegalArgumentException names what is wrong. */
    public static DeadLetter readDeadLetter(String json) {
        DeadLetterJson d = read(json, DeadLetterJson.class, "dead-letter");
        return new DeadLetter(d.sourceTopic(), d.partition(), d.offset(), d.raw(), d.error());
    }

    private static <T> T read(String json, Class<T> type, String what) {
        try {
            T value = JSON.readValue(json, type);
            if (value == null) {
                throw new IllegalArgumentException("not a " + what + " record: null");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a " + what + " record: " + e.getOriginalMessage()
                    + " in " + abbreviate(json), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
