package io.ntkstream.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.checkpoint.CheckpointException;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The architecture JSON of embedding, attention, per-position dense and last-axis layer norm, and
 * their checkpoints under PyTorch's names: the transformer encoder example of docs/networks.md, whose
 * {@code state_dict()} names and shapes (nn.Embedding: {@code weight}; nn.MultiheadAttention:
 * {@code in_proj_weight}, {@code in_proj_bias}, {@code out_proj.weight}, {@code out_proj.bias};
 * nn.LayerNorm(64): {@code weight}, {@code bias} [64]) are transcribed from the PyTorch module there.
 */
class AttentionArchitectureTest {
    @TempDir
    Path tmp;

    /** The transformer encoder example of docs/networks.md (a PyTorch-trained model: standard parametrization). */
    static final String DOCS_TRANSFORMER = """
            {"input_shape": [16], "parametrization": "standard",
             "layers": [{"type": "embedding", "num_embeddings": 1000, "embedding_dim": 64},
                        {"type": "residual", "layers": [{"type": "attention", "num_heads": 4}]},
                        {"type": "layer_norm", "over": "last"},
                        {"type": "residual",
                         "layers": [{"type": "dense", "out": 256}, {"type": "relu"}, {"type": "dense", "out": 64}]},
                        {"type": "layer_norm", "over": "last"},
                        {"type": "flatten"},
                        {"type": "dense", "out": 10}]}""";

    @Test
    void docsExample() {
        Architecture a = Architecture.parse(DOCS_TRANSFORMER);
        assertThat(a.shapeBefore(1)).isEqualTo(TensorShape.of(16, 64));
        assertThat(a.shapeBefore(5)).isEqualTo(TensorShape.of(16, 64));
        assertThat(a.shapeBefore(6)).isEqualTo(TensorShape.of(1024));
        assertThat(a.outputDim()).isEqualTo(10);
        Map<String, NamedTensor> t = Networks.randomTensors(a, 1);
        assertThat(t.keySet()).containsExactly("0.weight",
                "1.layers.0.in_proj_weight", "1.layers.0.in_proj_bias", "1.layers.0.out_proj.weight", "1.layers.0.out_proj.bias",
                "2.weight", "2.bias", "3.layers.0.weight", "3.layers.0.bias", "3.layers.2.weight", "3.layers.2.bias",
                "4.weight", "4.bias", "6.weight", "6.bias");
        assertThat(t.get("0.weight").shape()).containsExactly(1000, 64);
        assertThat(t.get("1.layers.0.in_proj_weight").shape()).containsExactly(192, 64);
        assertThat(t.get("1.layers.0.in_proj_bias").shape()).containsExactly(192);
        assertThat(t.get("1.layers.0.out_proj.weight").shape()).containsExactly(64, 64);
        assertThat(t.get("1.layers.0.out_proj.bias").shape()).containsExactly(64);
        assertThat(t.get("2.weight").shape()).containsExactly(64);
        assertThat(t.get("3.layers.0.weight").shape()).containsExactly(256, 64);
        assertThat(t.get("3.layers.2.weight").shape()).containsExactly(64, 256);
        assertThat(t.get("6.weight").shape()).containsExactly(10, 1024);
        Network net = Networks.fromTensors(a, t, Precision.FLOAT64);
        assertThat(net.paramCount()).isEqualTo(t.values().stream().mapToInt(v -> v.values().length).sum());
        assertThat(Networks.toTensors(net, Networks.flatten(net)).keySet()).containsExactlyElementsOf(t.keySet());
    }

    @Test
    void parsesAndRoundTrips() {
        Architecture a = Architecture.parse(DOCS_TRANSFORMER);
        assertThat(Architecture.parse(a.toJson())).isEqualTo(a);
        Architecture noBias = Architecture.parse(DOCS_TRANSFORMER.replace("\"num_heads\": 4", "\"num_heads\": 4, \"bias\": false"));
        assertThat(Architecture.parse(noBias.toJson())).isEqualTo(noBias);
        assertThat(Networks.randomTensors(noBias, 1)).doesNotContainKeys("1.layers.0.in_proj_bias", "1.layers.0.out_proj.bias");
        assertThat(((LayerSpec.LayerNorm) a.layers().get(2)).overLast()).isTrue();
        assertThat(((LayerSpec.Attention) ((LayerSpec.Residual) a.layers().get(1)).layers().get(0)).numHeads()).isEqualTo(4);
        assertThat(a.shapeString()).isEqualTo("16-emb:64-res(attn:4)-res(256-64)-10");
    }

    @Test
    void checkpointsRoundTripThroughSafetensors() {
        assertTokenModelRoundTrips(DOCS_TRANSFORMER, tmp.resolve("transformer.safetensors"));
    }

    /**
     * A token model of {@code json} (1,000 words over 16 positions, shrunk to 50 over 6) written as
     * safetensors and read back gives the same outputs.
     */
    static void assertTokenModelRoundTrips(String json, Path file) {
        Architecture a = Architecture.parse(json.replace("1000", "50").replace("[16]", "[6]"));
        Network net = TestNetworks.withRandomNorms(a, 3, Precision.FLOAT64);
        CheckpointFiles.write(file, Networks.toTensors(net, Networks.flatten(net)), DType.FLOAT64);
        Network loaded = Networks.fromTensors(a, CheckpointFiles.read(file), Precision.FLOAT64);
        Matrix ids = AttentionLayersTest.tokens(6, 3, 50, 4);
        assertThat(loaded.apply(ids).toColumnMajor()).containsExactly(net.apply(ids).toColumnMajor());
    }

    @Test
    void wrongShapesNameTheTensor() {
        Architecture a = Architecture.parse(DOCS_TRANSFORMER);
        Map<String, NamedTensor> tensors = Networks.randomTensors(a, 5);
        Map<String, NamedTensor> bad = new LinkedHashMap<>(tensors);
        bad.put("1.layers.0.in_proj_weight", new NamedTensor("1.layers.0.in_proj_weight", new int[] {64, 64}, new double[4096],
                DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'1.layers.0.in_proj_weight'").hasMessageContaining("[64, 64]")
                .hasMessageContaining("expected [192, 64]");
        bad.putAll(tensors);
        bad.put("1.layers.0.out_proj.bias", new NamedTensor("1.layers.0.out_proj.bias", new int[] {192}, new double[192],
                DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("'1.layers.0.out_proj.bias'").hasMessageContaining("expected [64]");
        bad.putAll(tensors);
        bad.put("0.weight", new NamedTensor("0.weight", new int[] {64, 1000}, new double[64000], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("'0.weight'").hasMessageContaining("expected [1000, 64]");
        bad.putAll(tensors);
        bad.put("2.weight", new NamedTensor("2.weight", new int[] {16, 64}, new double[1024], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("'2.weight'").hasMessageContaining("[16, 64]").hasMessageContaining("expected [64]");
        bad.putAll(tensors);
        bad.remove("1.layers.0.in_proj_bias");
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("missing tensor '1.layers.0.in_proj_bias'");
        bad.putAll(tensors);
        // a TransformerEncoderLayer-style name the nn.Sequential does not have
        bad.put("1.layers.0.self_attn.in_proj_weight", tensors.get("1.layers.0.in_proj_weight"));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("does not use").hasMessageContaining("1.layers.0.self_attn.in_proj_weight");
        Architecture noBias = Architecture.parse(DOCS_TRANSFORMER.replace("\"num_heads\": 4", "\"num_heads\": 4, \"bias\": false"));
        assertThatThrownBy(() -> Networks.fromTensors(noBias, tensors, Precision.FLOAT32))
                .hasMessageContaining("'1.layers.0.in_proj_bias'").hasMessageContaining("\"bias\": false");
    }

    @Test
    void rejectsWhatCannotWork() {
        assertThatThrownBy(() -> parse("[5, 6]", "{\"type\":\"attention\",\"num_heads\":4}"))
                .hasMessageContaining("layers[0]").hasMessageContaining("num_heads").hasMessageContaining("D = 6");
        assertThatThrownBy(() -> parse("[6]", "{\"type\":\"attention\",\"num_heads\":2}"))
                .hasMessageContaining("layers[0]: attention layer needs sequences of shape [L, D]").hasMessageContaining("embedding");
        assertThatThrownBy(() -> parse("[2, 3, 4]", "{\"type\":\"attention\",\"num_heads\":1}"))
                .hasMessageContaining("[L, D]").hasMessageContaining("2x3x4");
        assertThatThrownBy(() -> parse("[5, 6]", "{\"type\":\"attention\"}"))
                .hasMessageContaining("\"num_heads\" must be an integer");
        assertThatThrownBy(() -> parse("[5, 6]", "{\"type\":\"attention\",\"num_heads\":2,\"dropout\":0.1}"))
                .hasMessageContaining("unknown field \"dropout\"");
        assertThatThrownBy(() -> parse("[5, 6]", "{\"type\":\"embedding\",\"num_embeddings\":10,\"embedding_dim\":4}"))
                .hasMessageContaining("embedding layer needs samples of L token ids (shape [L]) but gets 5x6");
        assertThatThrownBy(() -> parse("[5]", "{\"type\":\"embedding\",\"num_embeddings\":0,\"embedding_dim\":4}"))
                .hasMessageContaining("\"num_embeddings\" must be a positive integer");
        assertThatThrownBy(() -> parse("[5, 6]", "{\"type\":\"layer_norm\",\"over\":\"first\"}"))
                .hasMessageContaining("\"over\" must be \"all\"").hasMessageContaining("\"last\"");
        // dense on an image still needs flatten; on [L, D] it acts per position
        assertThatThrownBy(() -> parse("[2, 3, 4]", "{\"type\":\"dense\",\"out\":3}")).hasMessageContaining("needs flat inputs");
        assertThat(parse("[5, 6]", "{\"type\":\"dense\",\"out\":3}").shapeBefore(1)).isEqualTo(TensorShape.of(5, 3));
    }

    private static Architecture parse(String shape, String layer) {
        return Architecture.parse("{\"input_shape\":" + shape + ",\"layers\":[" + layer + ",{\"type\":\"flatten\"},"
                + "{\"type\":\"dense\",\"out\":1}]}");
    }
}
