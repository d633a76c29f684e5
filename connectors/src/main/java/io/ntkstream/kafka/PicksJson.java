package io.ntkstream.kafka;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * A picks record (topic picks): the pool candidates an annotator should label next, best first,
 * {@code {"task","request_id","strategy","picks":[{"id","score"}...],"n_train","pool_size","model_version"}}.
 * {@code request_id} is null for automatic picks; {@code strategy} is the acquisition used.
 */
@JsonPropertyOrder({"task", "request_id", "strategy", "picks", "n_train", "pool_size", "model_version"})
public record PicksJson(
        @JsonProperty(value = "task", required = true) String task,
        @JsonProperty("request_id") String requestId,
        @JsonProperty("strategy") String strategy,
        @JsonProperty(value = "picks", required = true) List<Pick> picks,
        @JsonProperty(value = "n_train", required = true) int nTrain,
        @JsonProperty(value = "pool_size", required = true) int poolSize,
        @JsonProperty(value = "model_version", required = true) long modelVersion) {

    public PicksJson {
        picks = List.copyOf(picks);
    }

    /** One picked candidate and its acquisition score. */
    @JsonPropertyOrder({"id", "score"})
    public record Pick(@JsonProperty(value = "id", required = true) String id,
                       @JsonProperty(value = "score", required = true) double score) {
    }

    /** The picked ids, best first. */
    public List<String> ids() {
        return picks.stream().map(Pick::id).toList();
    }
}
