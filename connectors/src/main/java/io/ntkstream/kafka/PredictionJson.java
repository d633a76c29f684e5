package io.ntkstream.kafka;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A prediction record (topic predictions):
 * {@code {"task","id","mean":[...],"variance":v,"probs":[...]?,"label":k?,"n_train":n,"model_version":m}};
 * {@code probs} and {@code label} (classification only) are omitted when null. Equality compares
 * the arrays by content, bit for bit.
 */
@JsonPropertyOrder({"task", "id", "mean", "variance", "probs", "label", "n_train", "model_version"})
public record PredictionJson(
        @JsonProperty(value = "task", required = true) String task,
        @JsonProperty(value = "id", required = true) String id,
        @JsonProperty(value = "mean", required = true) double[] mean,
        @JsonProperty(value = "variance", required = true) double variance,
        @JsonProperty("probs") @JsonInclude(JsonInclude.Include.NON_NULL) double[] probs,
        @JsonProperty("label") @JsonInclude(JsonInclude.Include.NON_NULL) Integer label,
        @JsonProperty(value = "n_train", required = true) int nTrain,
        @JsonProperty(value = "model_version", required = true) long modelVersion) {

    @Override
    public boolean equals(Object o) {
        return o instanceof PredictionJson p && Objects.equals(task, p.task) && Objects.equals(id, p.id)
                && Arrays.equals(mean, p.mean) && Double.compare(variance, p.variance) == 0
                && Arrays.equals(probs, p.probs) && Objects.equals(label, p.label) && nTrain == p.nTrain
                && modelVersion == p.modelVersion;
    }

    @Override
    public int hashCode() {
        return Objects.hash(task, id, Arrays.hashCode(mean), variance, Arrays.hashCode(probs), label, nTrain,
                modelVersion);
    }

    @Override
    public String toString() {
        return "PredictionJson[task=" + task + ", id=" + id + ", mean=" + Arrays.toString(mean) + ", variance="
                + variance + ", probs=" + Arrays.toString(probs) + ", label=" + label + ", nTrain=" + nTrain
                + ", modelVersion=" + modelVersion + "]";
    }
}
