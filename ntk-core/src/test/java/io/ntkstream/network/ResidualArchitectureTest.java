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

/** The architecture JSON of residual blocks and norm layers, and their checkpoints under PyTorch module paths. */
class ResidualArchitectureTest {
    @TempDir
    Path tmp;

    /** The ResNet example of docs/networks.md (a PyTorch-trained model: standard parametrization). */
    static final String DOCS_RESNET = """
            {"input_shape": [3, 32, 32], "parametrization": "standard",
             "layers": [{"type": "conv2d", "out": 16, "kernel": 3, "padding": 1, "bias": false},
                        {"type": "batch_norm"},
                        {"type": "relu"},
                        {"type": "residual",
                         "layers": [{"type": "conv2d", "out": 16, "kernel": 3, "padding": 1, "bias": false},
                                    {"type": "batch_norm"},
                                    {"type": "relu"},
                                    {"type": "conv2d", "out": 16, "kernel": 3, "padding": 1, "bias": false},
                                    {"type": "batch_norm"}]},
                        {"type": "relu"},
                        {"type": "residual",
                         "layers": [{"type": "conv2d", "out": 32, "kernel": 3, "stride": 2, "padding": 1, "bias": false},
                                    {"type": "batch_norm"},
                                    {"type": "relu"},
                                    {"type": "conv2d", "out": 32, "kernel": 3, "padding": 1, "bias": false},
                                    {"type": "batch_norm"}],
                         "shortcut": [{"type": "conv2d", "out": 32, "kernel": 1, "stride": 2, "bias": false},
                                      {"type": "batch_norm"}]},
                        {"type": "relu"},
                        {"type": "global_avg_pool"},
                        {"type": "flatten"},
                        {"type": "dense", "out": 10}]}""";

    /** The layer-norm example of docs/networks.md. */
    static final String DOCS_LAYER_NORM = """
            {"input_dim": 64, "parametrization": "standard",
             "layers": [{"type": "dense", "out": 128},
                        {"type": "layer_norm"},
                        {"type": "gelu"},
                        {"type": "residual", "scale": 0.5,
                         "layers": [{"type": "dense", "out": 128}, {"type": "gelu"}, {"type": "dense", "out": 128}]},
                        {"type": "layer_norm", "eps": 1e-6},
                        {"type": "dense", "out": 10}]}""";

    @Test
    void docsExamples() {
        Architecture a = Architecture.parse(DOCS_RESNET);
        assertThat(a.shapeBefore(4)).isEqualTo(TensorShape.of(16, 32, 32));
        assertThat(a.shapeBefore(6)).isEqualTo(TensorShape.of(32, 16, 16));
        assertThat(a.outputDim()).isEqualTo(10);
        Map<String, NamedTensor> t = Networks.randomTensors(a, 1);
        String[] bn = {"weight", "bias", "running_mean", "running_var"};
        List<String> expected = new java.util.ArrayList<>(List.of("0.weight"));
        for (String s : bn) expected.add("1." + s);
        expected.add("3.layers.0.weight");
        for (String s : bn) expected.add("3.layers.1." + s);
        expected.add("3.layers.3.weight");
        for (String s : bn) expected.add("3.layers.4." + s);
        expected.add("5.layers.0.weight");
        for (String s : bn) expected.add("5.layers.1." + s);
        expected.add("5.layers.3.weight");
        for (String s : bn) expected.add("5.layers.4." + s);
        expected.add("5.shortcut.0.weight");
        for (String s : bn) expected.add("5.shortcut.1." + s);
        expected.addAll(List.of("9.weight", "9.bias"));
        assertThat(t.keySet()).containsExactlyElementsOf(expected);
        assertThat(t.get("5.layers.0.weight").shape()).containsExactly(32, 16, 3, 3);
        assertThat(t.get("5.shortcut.0.weight").shape()).containsExactly(32, 16, 1, 1);
        assertThat(t.get("5.shortcut.1.running_var").shape()).containsExactly(32);
        assertThat(t.get("9.weight").shape()).containsExactly(10, 32);
        // PyTorch's initialization of BatchNorm2d
        assertThat(t.get("1.weight").values()).containsOnly(1.0);
        assertThat(t.get("1.running_var").values()).containsOnly(1.0);

        Architecture ln = Architecture.parse(DOCS_LAYER_NORM);
        assertThat(Networks.randomTensors(ln, 1).keySet()).containsExactly("0.weight", "0.bias", "1.weight", "1.bias",
                "3.layers.0.weight", "3.layers.0.bias", "3.layers.2.weight", "3.layers.2.bias", "4.weight", "4.bias",
                "5.weight", "5.bias");
    }

    @Test
    void parsesAndRoundTrips() {
        for (String json : List.of(DOCS_RESNET, DOCS_LAYER_NORM)) {
            Architecture a = Architecture.parse(json);
            assertThat(Architecture.parse(a.toJson())).isEqualTo(a);
        }
        Architecture a = Architecture.parse(DOCS_RESNET);
        LayerSpec.Residual block = (LayerSpec.Residual) a.layers().get(5);
        assertThat(block.layers()).hasSize(5);
        assertThat(block.shortcut()).hasSize(2);
        assertThat(block.scale()).isEqualTo(1.0);
        assertThat(((LayerSpec.Residual) a.layers().get(3)).shortcut()).isEmpty();
        assertThat(a.shapeString()).isEqualTo("3x32x32-conv2d:16-res(conv2d:16-conv2d:16)-res(conv2d:32-conv2d:32)-10");
        LayerSpec.LayerNorm norm = (LayerSpec.LayerNorm) Architecture.parse(DOCS_LAYER_NORM).layers().get(4);
        assertThat(norm.eps()).isEqualTo(1e-6);
        assertThat(norm.affine()).isTrue();
    }

    @Test
    void rejectsWhatCannotWork() {
        // identity shortcut while the branch changes the shape
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"residual\",\"layers\":[{\"type\":\"conv2d\",\"out\":5,\"kernel\":1}]}"))
                .hasMessageContaining("layers[0]").hasMessageContaining("5x4x4").hasMessageContaining("3x4x4")
                .hasMessageContaining("\"shortcut\"");
        // a mistake inside a block names its place
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"residual\",\"layers\":[{\"type\":\"relu\"},{\"type\":\"conv2d\",\"out\":3,\"kernel\":1,\"strid\":2}]}"))
                .hasMessageContaining("layers[0].layers[1]").hasMessageContaining("unknown field \"strid\"");
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"residual\",\"layers\":[{\"type\":\"dense\",\"out\":3}]}"))
                .hasMessageContaining("layers[0]").hasMessageContaining("layers[0]: dense layer needs flat inputs");
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"residual\",\"layers\":[]}"))
                .hasMessageContaining("non-empty");
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"residual\",\"layers\":[{\"type\":\"relu\"}],\"shortcut\":{}}"))
                .hasMessageContaining("\"shortcut\" must be an array");
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"batch_norm\",\"eps\":0}"))
                .hasMessageContaining("batch_norm").hasMessageContaining("eps");
        assertThatThrownBy(() -> parse("[3,4,4]", "{\"type\":\"layer_norm\",\"momentum\":0.1}"))
                .hasMessageContaining("unknown field \"momentum\"");
        assertThatThrownBy(() -> Architecture.parse("{\"input_dim\":3,\"layers\":[{\"type\":\"layer_norm\",\"affine\":false}]}"))
                .hasMessageContaining("at least one layer with parameters");
    }

    private static Architecture parse(String shape, String layer) {
        return Architecture.parse("{\"input_shape\":" + shape + ",\"layers\":[" + layer + ",{\"type\":\"flatten\"},"
                + "{\"type\":\"dense\",\"out\":1}]}");
    }

    @Test
    void checkpointsRoundTripThroughSafetensorsWithBuffers() {
        Architecture a = Architecture.parse(DOCS_RESNET.replace("[3, 32, 32]", "[3, 8, 8]"));
        Network net = TestNetworks.withRandomNorms(a, 3, Precision.FLOAT64);
        Map<String, NamedTensor> tensors = Networks.toTensors(net, Networks.flatten(net));
        // every tensor, running statistics included, so the file loads back
        assertThat(tensors.keySet()).containsExactlyElementsOf(Networks.randomTensors(a, 1).keySet());
        assertThat(net.paramCount()).isEqualTo(tensors.entrySet().stream().filter(e -> !e.getKey().contains("running"))
                .mapToInt(e -> e.getValue().values().length).sum());
        Map<String, NamedTensor> withCounter = new LinkedHashMap<>(tensors);
        // PyTorch's state_dict also holds num_batches_tracked (int64): ignored
        withCounter.put("1.num_batches_tracked", new NamedTensor("1.num_batches_tracked", new int[0], new double[] {7}, DType.INT64));
        Path file = tmp.resolve("resnet.safetensors");
        CheckpointFiles.write(file, withCounter, DType.FLOAT64);
        Network loaded = Networks.fromTensors(a, CheckpointFiles.read(file), Precision.FLOAT64);
        Matrix x = TestNetworks.inputs(a.inputDim(), 3, 1, Precision.FLOAT64);
        assertThat(loaded.apply(x).toColumnMajor()).containsExactly(net.apply(x).toColumnMajor());
    }

    @Test
    void wrongShapesNameTheTensor() {
        Architecture a = Architecture.parse(DOCS_RESNET.replace("[3, 32, 32]", "[3, 8, 8]"));
        Map<String, NamedTensor> tensors = new LinkedHashMap<>(Networks.randomTensors(a, 5));
        Map<String, NamedTensor> bad = new LinkedHashMap<>(tensors);
        bad.put("5.shortcut.0.weight", new NamedTensor("5.shortcut.0.weight", new int[] {32, 16}, new double[512], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'5.shortcut.0.weight'").hasMessageContaining("[32, 16]").hasMessageContaining("[32, 16, 1, 1]");
        bad.putAll(tensors);
        bad.put("3.layers.4.running_var", new NamedTensor("3.layers.4.running_var", new int[] {32}, new double[32], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("'3.layers.4.running_var'").hasMessageContaining("expected [16]");
        bad.putAll(tensors);
        bad.remove("1.running_mean");
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("missing tensor '1.running_mean'");
        bad.putAll(tensors);
        double[] negative = new double[16];
        negative[2] = -1;
        bad.put("1.running_var", new NamedTensor("1.running_var", new int[] {16}, negative, DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("'1.running_var'").hasMessageContaining("negative");
        bad.putAll(tensors);
        // a flat-named checkpoint (no module paths) for a nested architecture
        bad.put("3.0.weight", tensors.get("3.layers.0.weight"));
        assertThatThrownBy(() -> Networks.fromTensors(a, bad, Precision.FLOAT32))
                .hasMessageContaining("does not use").hasMessageContaining("3.0.weight");

        Architecture ln = Architecture.parse(DOCS_LAYER_NORM);
        Map<String, NamedTensor> t = new LinkedHashMap<>(Networks.randomTensors(ln, 1));
        t.put("4.weight", new NamedTensor("4.weight", new int[] {64}, new double[64], DType.FLOAT32));
        assertThatThrownBy(() -> Networks.fromTensors(ln, t, Precision.FLOAT32))
                .hasMessageContaining("'4.weight'").hasMessageContaining("[64]").hasMessageContaining("expected [128]");
        Architecture noAffine = Architecture.parse(DOCS_LAYER_NORM.replace("\"eps\": 1e-6", "\"affine\": false"));
        assertThatThrownBy(() -> Networks.fromTensors(noAffine, Networks.randomTensors(ln, 1), Precision.FLOAT32))
                .hasMessageContaining("'4.weight'").hasMessageContaining("\"affine\": false");
    }
}
