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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The architecture JSON of convolutional networks, and their checkpoints under PyTorch tensor names. */
class ConvArchitectureTest {
    @TempDir
    Path tmp;

    /** The example of the README (a PyTorch nn.Sequential of the same modules has the same state-dict keys). */
    static final String EXAMPLE = """
            {"input_shape":[3,8,8],"parametrization":"ntk","sigma_w":1.4,"sigma_b":0.1,"layers":[
             {"type":"conv2d","out":8,"kernel":3,"padding":1},{"type":"relu"},{"type":"max_pool","kernel":2},
             {"type":"conv2d","out":16,"kernel":3,"stride":2,"padding":1,"groups":2,"bias":false},{"type":"relu"},
             {"type":"global_avg_pool"},{"type":"flatten"},{"type":"dense","out":10}]}""";

    @Test
    void parsesShapesAndRoundTrips() {
        Architecture a = Architecture.parse(EXAMPLE);
        assertThat(a.inputDim()).isEqualTo(3 * 8 * 8);
        assertThat(a.inputShape()).isEqualTo(TensorShape.of(3, 8, 8));
        assertThat(a.shapeBefore(3)).isEqualTo(TensorShape.of(8, 4, 4));
        assertThat(a.shapeBefore(4)).isEqualTo(TensorShape.of(16, 2, 2));
        assertThat(a.shapeBefore(6)).isEqualTo(TensorShape.of(16, 1, 1));
        assertThat(a.outputDim()).isEqualTo(10);
        assertThat(a.shapeString()).isEqualTo("3x8x8-conv2d:8-conv2d:16-10");
        Architecture back = Architecture.parse(a.toJson());
        assertThat(back).isEqualTo(a);
        // the flat form keeps its old JSON and shape string
        Architecture mlp = Architecture.parse("{\"input_dim\":4,\"layers\":[{\"type\":\"dense\",\"out\":3},{\"type\":\"relu\"},{\"type\":\"dense\",\"out\":2}]}");
        assertThat(mlp.toJson()).doesNotContain("input_shape");
        assertThat(mlp.shapeString()).isEqualTo("4-3-2");
        assertThat(Architecture.parse(mlp.toJson())).isEqualTo(mlp);
    }

    /** The example of docs/networks.md, with the shapes and tensors that page lists. */
    @Test
    void docsExample() {
        Architecture a = Architecture.parse("""
                {"input_shape": [3, 32, 32], "parametrization": "ntk", "sigma_w": 1.4, "sigma_b": 0.1,
                 "layers": [{"type": "conv2d", "out": 16, "kernel": 3, "padding": 1},
                            {"type": "relu"},
                            {"type": "avg_pool", "kernel": 2},
                            {"type": "conv2d", "out": 32, "kernel": 3, "stride": 2, "padding": 1, "groups": 2},
                            {"type": "relu"},
                            {"type": "global_avg_pool"},
                            {"type": "flatten"},
                            {"type": "dense", "out": 10}]}""");
        assertThat(List.of(a.shapeBefore(1), a.shapeBefore(3), a.shapeBefore(4), a.shapeBefore(6), a.shapeBefore(7),
                a.shapeBefore(8))).containsExactly(TensorShape.of(16, 32, 32), TensorShape.of(16, 16, 16),
                TensorShape.of(32, 8, 8), TensorShape.of(32, 1, 1), TensorShape.of(32), TensorShape.of(10));
        Map<String, NamedTensor> t = Networks.randomTensors(a, 1);
        assertThat(t.keySet()).containsExactly("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias");
        assertThat(t.get("3.weight").shape()).containsExactly(32, 8, 3, 3);
        assertThat(t.get("7.weight").shape()).containsExactly(10, 32);
    }

    @Test
    void conv1dWithLists() {
        Architecture a = Architecture.parse("""
                {"input_shape":[2,16],"input_dim":32,"layers":[{"type":"conv1d","out":4,"kernel":[5],"stride":3,
                 "dilation":2},{"type":"avg_pool","kernel":2,"stride":1},{"type":"flatten"}]}""");
        // L: (16 − 2·4 − 1)/3 + 1 = 3; pool: 3 − 2 + 1 = 2
        assertThat(a.shapeBefore(1)).isEqualTo(TensorShape.of(4, 3));
        assertThat(a.outputDim()).isEqualTo(8);
        assertThat(Architecture.parse(a.toJson())).isEqualTo(a);
    }

    @Test
    void rejectsWhatCannotWork() {
        assertThatThrownBy(() -> parse("[3,8,8]", "{\"type\":\"dense\",\"out\":2}"))
                .hasMessageContaining("layers[0]").hasMessageContaining("flatten").hasMessageContaining("3x8x8");
        assertThatThrownBy(() -> Architecture.parse("{\"input_dim\":12,\"layers\":[{\"type\":\"conv2d\",\"out\":2,\"kernel\":1},{\"type\":\"flatten\"}]}"))
                .hasMessageContaining("layers[0]").hasMessageContaining("input_shape");
        assertThatThrownBy(() -> parse("[3,8,8]", "{\"type\":\"conv2d\",\"out\":4,\"kernel\":3,\"groups\":2}"))
                .hasMessageContaining("groups").hasMessageContaining("input channels (3)");
        assertThatThrownBy(() -> parse("[3,8,8]", "{\"type\":\"conv2d\",\"out\":4,\"kernel\":3,\"groups\":3}"))
                .hasMessageContaining("divisor of \"out\"");
        assertThatThrownBy(() -> parse("[3,8]", "{\"type\":\"conv1d\",\"out\":4,\"kernel\":[3,3]}"))
                .hasMessageContaining("layers[0]").hasMessageContaining("kernel");
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"conv2d\",\"out\":4,\"kernel\":5}"))
                .hasMessageContaining("smaller than the (dilated) kernel");
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"conv2d\",\"out\":4,\"kernel\":3,\"padd\":1}"))
                .hasMessageContaining("unknown field \"padd\"");
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"max_pool\",\"kernel\":2,\"padding\":2}"))
                .hasMessageContaining("at most half the kernel");
        assertThatThrownBy(() -> Architecture.parse("{\"input_shape\":[3,4,4],\"layers\":[{\"type\":\"conv2d\",\"out\":4,\"kernel\":3}]}"))
                .hasMessageContaining("must be flat");
        assertThatThrownBy(() -> Architecture.parse("{\"input_shape\":[3,4,4],\"input_dim\":47,\"layers\":[{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}]}"))
                .hasMessageContaining("input_dim (47)").hasMessageContaining("48");
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"conv3d\",\"out\":4,\"kernel\":3}"))
                .hasMessageContaining("unknown layer type \"conv3d\"").hasMessageContaining("conv2d");
    }

    private static Architecture parse(String shape, String layer) {
        return Architecture.parse("{\"input_shape\":" + shape + ",\"layers\":[" + layer + ",{\"type\":\"flatten\"},"
                + "{\"type\":\"dense\",\"out\":1}]}");
    }

    @Test
    void checkpointsUsePyTorchNamesAndShapesAndRoundTripThroughSafetensors() {
        Architecture a = Architecture.parse(EXAMPLE);
        Map<String, NamedTensor> tensors = Networks.randomTensors(a, 5);
        // nn.Sequential state-dict keys and shapes: Conv2d weight out x in/groups x kh x kw
        assertThat(tensors.keySet()).containsExactly("0.weight", "0.bias", "3.weight", "7.weight", "7.bias");
        assertThat(tensors.get("0.weight").shape()).containsExactly(8, 3, 3, 3);
        assertThat(tensors.get("3.weight").shape()).containsExactly(16, 4, 3, 3);
        assertThat(tensors.get("7.weight").shape()).containsExactly(10, 16);
        Network net = Networks.fromTensors(a, tensors, Precision.FLOAT64);
        assertThat(net.paramCount()).isEqualTo(8 * 27 + 8 + 16 * 36 + 10 * 16 + 10);
        // flat parameters ↔ tensors
        assertThat(Networks.toTensors(net, Networks.flatten(net))).isEqualTo(tensors);

        Path file = tmp.resolve("cnn.safetensors");
        CheckpointFiles.write(file, tensors, DType.FLOAT64);
        Network loaded = Networks.fromTensors(a, CheckpointFiles.read(file), Precision.FLOAT64);
        Matrix x = TestNetworks.inputs(a.inputDim(), 3, 1, Precision.FLOAT64);
        assertThat(loaded.apply(x).toColumnMajor()).containsExactly(net.apply(x).toColumnMajor());
    }

    @Test
    void wrongShapesNameTheTensor() {
        Architecture a = Architecture.parse(EXAMPLE);
        Map<String, NamedTensor> tensors = new LinkedHashMap<>(Networks.randomTensors(a, 5));
        NamedTensor w = tensors.get("3.weight");
        // a conv weight saved without the groups split: 16 x 8 x 3 x 3
        tensors.put("3.weight", new NamedTensor("3.weight", new int[] {16, 8, 3, 3}, new double[16 * 8 * 9], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, tensors, Precision.FLOAT32))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'3.weight'").hasMessageContaining("[16, 8, 3, 3]").hasMessageContaining("[16, 4, 3, 3]");
        tensors.put("3.weight", w);
        tensors.put("3.bias", new NamedTensor("3.bias", new int[] {16}, new double[16], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, tensors, Precision.FLOAT32))
                .hasMessageContaining("'3.bias'").hasMessageContaining("\"bias\": false");
        tensors.remove("3.bias");
        tensors.remove("0.bias");
        assertThatThrownBy(() -> Networks.fromTensors(a, tensors, Precision.FLOAT32))
                .hasMessageContaining("missing tensor '0.bias'").hasMessageContaining("[8]");
        Architecture seq = Architecture.parse("{\"input_shape\":[2,9],\"layers\":[{\"type\":\"conv1d\",\"out\":3,\"kernel\":4},{\"type\":\"flatten\"}]}");
        Map<String, NamedTensor> t1 = new LinkedHashMap<>(Networks.randomTensors(seq, 1));
        assertThat(t1.get("0.weight").shape()).containsExactly(3, 2, 4);
        t1.put("0.weight", new NamedTensor("0.weight", new int[] {3, 2, 1, 4}, new double[24], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(seq, t1, Precision.FLOAT32))
                .hasMessageContaining("'0.weight'").hasMessageContaining("[3, 2, 1, 4]").hasMessageContaining("expected [3, 2, 4]");
        assertThat(List.of(seq.outputDim())).containsExactly(18);
    }
}
