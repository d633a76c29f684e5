package io.ntkstream.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.data.DType;
import io.ntkstream.infinite.InfiniteNetworks;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.checkpoint.CheckpointException;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The architecture JSON of {@code positional_embedding} and {@code positional_encoding}, and the learned
 * one's checkpoint tensor under the name of docs/networks.md's PyTorch module ({@code PositionalEmbedding}:
 * {@code self.weight = nn.Parameter(torch.randn(L, D))}, so {@code "{i}.weight"} [L, D] in an nn.Sequential).
 */
class PositionalArchitectureTest {
    @TempDir
    Path tmp;

    /** The transformer example of docs/networks.md with a learned positional embedding after the token embedding. */
    static final String TRANSFORMER = """
            {"input_shape": [16], "parametrization": "standard",
             "layers": [{"type": "embedding", "num_embeddings": 1000, "embedding_dim": 64},
                        {"type": "positional_embedding"},
                        {"type": "residual", "layers": [{"type": "attention", "num_heads": 4}]},
                        {"type": "layer_norm", "over": "last"},
                        {"type": "residual",
                         "layers": [{"type": "dense", "out": 256}, {"type": "relu"}, {"type": "dense", "out": 64}]},
                        {"type": "layer_norm", "over": "last"},
                        {"type": "flatten"},
                        {"type": "dense", "out": 10}]}""";

    @Test
    void parsesShapesAndRoundTrips() {
        Architecture a = Architecture.parse(TRANSFORMER);
        assertThat(a.layers().get(1)).isInstanceOf(LayerSpec.PositionalEmbedding.class);
        assertThat(a.layers().get(1).type()).isEqualTo("positional_embedding");
        assertThat(a.layers().get(1).hasParameters()).isTrue();
        assertThat(a.shapeBefore(1)).isEqualTo(TensorShape.of(16, 64));
        assertThat(a.shapeBefore(2)).isEqualTo(TensorShape.of(16, 64));
        assertThat(Architecture.parse(a.toJson())).isEqualTo(a);
        Architecture sin = Architecture.parse(TRANSFORMER.replace("positional_embedding", "positional_encoding"));
        assertThat(sin.layers().get(1)).isInstanceOf(LayerSpec.PositionalEncoding.class);
        assertThat(sin.layers().get(1).hasParameters()).isFalse();
        assertThat(sin.shapeBefore(2)).isEqualTo(TensorShape.of(16, 64));
        assertThat(Architecture.parse(sin.toJson())).isEqualTo(sin);
        assertThat(a.toJson()).contains("\"positional_embedding\"");
        assertThat(sin.toJson()).contains("\"positional_encoding\"");
    }

    @Test
    void checkpointTensorIsWeightOfShapeLD() {
        Architecture a = Architecture.parse(TRANSFORMER);
        Map<String, NamedTensor> t = Networks.randomTensors(a, 1);
        assertThat(t).containsKey("1.weight").doesNotContainKey("1.bias");
        assertThat(t.get("1.weight").shape()).containsExactly(16, 64);
        assertThat(t.keySet()).contains("2.layers.0.in_proj_weight", "3.weight", "7.weight");
        Network net = Networks.fromTensors(a, t, Precision.FLOAT64);
        assertThat(net.paramCount()).isEqualTo(t.values().stream().mapToInt(v -> v.values().length).sum());
        assertThat(net.layers().get(1)).isInstanceOf(PositionalEmbeddingLayer.class);
        assertThat(((PositionalEmbeddingLayer) net.layers().get(1)).module()).isEqualTo("1");
        assertThat(Networks.toTensors(net, Networks.flatten(net)).keySet()).containsExactlyElementsOf(t.keySet());
        assertThat(Networks.toTensors(net, Networks.flatten(net)).get("1.weight").values())
                .containsExactly(t.get("1.weight").values());
        // inside a residual branch: "{i}.layers.{j}.weight"
        Architecture inner = Architecture.parse("{\"input_shape\":[3,4],\"layers\":[{\"type\":\"residual\",\"layers\":["
                + "{\"type\":\"positional_embedding\"}]},{\"type\":\"positional_encoding\"},{\"type\":\"flatten\"},"
                + "{\"type\":\"dense\",\"out\":1}]}");
        Map<String, NamedTensor> it = Networks.randomTensors(inner, 2);
        assertThat(it.keySet()).containsExactly("0.layers.0.weight", "3.weight", "3.bias");
        assertThat(it.get("0.layers.0.weight").shape()).containsExactly(3, 4);
    }

    /** torch.randn(L, D) in either parametrization: N(0, 1), not scaled by σ_w or fan_in. */
    @Test
    void randomWeightIsStandardNormalInEitherParametrization() {
        for (String p : new String[] {"standard", "ntk"}) {
            Architecture a = Architecture.parse("{\"input_shape\":[64,64],\"parametrization\":\"" + p
                    + "\",\"sigma_w\":3.0,\"layers\":[{\"type\":\"positional_embedding\"},{\"type\":\"flatten\"},"
                    + "{\"type\":\"dense\",\"out\":1}]}");
            double[] w = Networks.randomTensors(a, 4).get("0.weight").values();
            double mean = 0;
            double square = 0;
            for (double v : w) {
                mean += v / w.length;
                square += v * v / w.length;
            }
            assertThat(mean).as(p).isBetween(-0.05, 0.05);
            assertThat(square - mean * mean).as(p).isBetween(0.9, 1.1);
        }
    }

    @Test
    void checkpointsRoundTripThroughSafetensors() {
        AttentionArchitectureTest.assertTokenModelRoundTrips(TRANSFORMER, tmp.resolve("transformer_pos.safetensors"));
    }

    @Test
    void wrongShapesNameTheTensor() {
        Architecture a = Architecture.parse(TRANSFORMER);
        Map<String, NamedTensor> tensors = Networks.randomTensors(a, 5);
        Map<String, NamedTensor> bad = new LinkedHashMap<>(tensors);
        bad.put("1.weight", new NamedTensor("1.weight", new int[] {64, 16}, new double[1024], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'1.weight'").hasMessageContaining("[64, 16]").hasMessageContaining("expected [16, 64]");
        bad.put("1.weight", new NamedTensor("1.weight", new int[] {1, 16, 64}, new double[1024], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("'1.weight'").hasMessageContaining("expected [16, 64]");
        bad.remove("1.weight");
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("missing tensor '1.weight'").hasMessageContaining("[16, 64]");
        // the sinusoidal encoding owns no tensor
        Architecture sin = Architecture.parse(TRANSFORMER.replace("positional_embedding", "positional_encoding"));
        assertThatThrownBy(() -> Networks.fromTensors(sin, tensors, Precision.FLOAT32))
                .hasMessageContaining("does not use").hasMessageContaining("1.weight");
    }

    @Test
    void rejectsWhatIsNotASequence() {
        for (String type : new String[] {"positional_embedding", "positional_encoding"}) {
            assertThatThrownBy(() -> parse("[6]", "{\"type\":\"" + type + "\"}"))
                    .hasMessageContaining("layers[0]: " + type + " layer needs sequences of shape [L, D]")
                    .hasMessageContaining("gets 6").hasMessageContaining("embedding");
            assertThatThrownBy(() -> parse("[2, 3, 4]", "{\"type\":\"" + type + "\"}"))
                    .hasMessageContaining("layers[0]: " + type + " layer needs sequences of shape [L, D]")
                    .hasMessageContaining("2x3x4");
            assertThatThrownBy(() -> parse("[5, 6]", "{\"type\":\"" + type + "\",\"max_len\":5}"))
                    .hasMessageContaining("layers[0]").hasMessageContaining("unknown field \"max_len\"");
            // after a flatten, inside a residual block: the message names where
            assertThatThrownBy(() -> Architecture.parse("{\"input_shape\":[5,6],\"layers\":[{\"type\":\"flatten\"},"
                    + "{\"type\":\"residual\",\"layers\":[{\"type\":\"" + type + "\"}]},{\"type\":\"dense\",\"out\":1}]}"))
                    .hasMessageContaining("layers[1]").hasMessageContaining("layers[0]: " + type + " layer needs sequences");
            assertThat(parse("[5, 6]", "{\"type\":\"" + type + "\"}").shapeBefore(1)).isEqualTo(TensorShape.of(5, 6));
        }
        assertThatThrownBy(() -> parse("[5, 6]", "{\"type\":\"positional\"}"))
                .hasMessageContaining("positional_embedding, positional_encoding");
    }

    @Test
    void infiniteWidthKernelRefusesBoth() {
        for (String type : new String[] {"positional_embedding", "positional_encoding"}) {
            Architecture a = Architecture.parse("{\"input_shape\":[6,8],\"parametrization\":\"ntk\",\"layers\":["
                    + "{\"type\":\"" + type + "\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}]}");
            assertThatThrownBy(() -> InfiniteNetworks.kernel(a)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("layers[0] (" + type + ")").hasMessageContaining("no closed-form");
        }
    }

    private static Architecture parse(String shape, String layer) {
        return Architecture.parse("{\"input_shape\":" + shape + ",\"layers\":[" + layer + ",{\"type\":\"flatten\"},"
                + "{\"type\":\"dense\",\"out\":1}]}");
    }
}
