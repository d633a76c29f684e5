package io.ntkstream.network;

import static io.ntkstream.network.FiniteDifferences.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Residual blocks and norm layers, float64. Forward: norm layers against a direct transcription of
 * PyTorch's definitions (loops over the sample's features; LayerNorm's biased variance, BatchNorm's
 * running statistics), residual networks against the composition of separately built plain
 * sequences (the branch and shortcut as their own nn.Sequential, tensors renamed) added by hand.
 * Derivatives: JVP against central finite differences of the forward pass, VJP by the adjoint
 * identity ⟨c, J v⟩ = ⟨Jᵀc, v⟩ with J v from finite differences — for the input of a norm layer
 * and for the parameters of whole residual networks.
 */
class ResidualLayersTest {

    static Stream<Arguments> norms() {
        return Stream.of(
                Arguments.of("layer_norm flat", TensorShape.of(7), "{\"type\":\"layer_norm\"}"),
                Arguments.of("layer_norm image, eps", TensorShape.of(2, 3, 4), "{\"type\":\"layer_norm\",\"eps\":0.1}"),
                Arguments.of("layer_norm no affine", TensorShape.of(3, 5), "{\"type\":\"layer_norm\",\"affine\":false}"),
                Arguments.of("batch_norm 2d", TensorShape.of(3, 4, 5), "{\"type\":\"batch_norm\"}"),
                Arguments.of("batch_norm 1d (NCL)", TensorShape.of(3, 6), "{\"type\":\"batch_norm\",\"eps\":0.01}"),
                Arguments.of("batch_norm flat", TensorShape.of(4), "{\"type\":\"batch_norm\"}"),
                Arguments.of("batch_norm no affine", TensorShape.of(2, 3, 3), "{\"type\":\"batch_norm\",\"affine\":false}"));
    }

    /** [1x1 conv or dense keeping the shape, norm, flatten]: the norm is layer 1, with random statistics. */
    private static Network normNetwork(TensorShape shape, String norm, long seed) {
        String first = shape.isFlat() ? "{\"type\":\"dense\",\"out\":" + shape.size() + "}"
                : "{\"type\":\"conv" + shape.spatialRank() + "d\",\"out\":" + shape.channels() + ",\"kernel\":1}";
        String json = "{\"input_shape\":" + shape.toList() + ",\"layers\":[" + first + "," + norm + ",{\"type\":\"flatten\"}]}";
        return TestNetworks.withRandomNorms(Architecture.parse(json), seed, Precision.FLOAT64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("norms")
    void normForwardMatchesPyTorchDefinition(String name, TensorShape shape, String json) {
        Network net = normNetwork(shape, json, 11);
        NormLayer norm = (NormLayer) net.layers().get(1);
        Map<String, NamedTensor> t = Networks.toTensors(net, Networks.flatten(net));
        Matrix x = TestNetworks.inputs(shape.size(), 3, 2, Precision.FLOAT64);
        double[] y = norm.forward(x).toColumnMajor();
        int d = shape.size();
        String m = "1";
        for (int s = 0; s < 3; s++) {
            double[] expected = new double[d];
            if (norm instanceof LayerNormLayer ln) {
                // torch.nn.functional.layer_norm: (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, biased Var
                double mean = 0;
                for (int i = 0; i < d; i++) mean += x.get(i, s);
                mean /= d;
                double var = 0;
                for (int i = 0; i < d; i++) var += (x.get(i, s) - mean) * (x.get(i, s) - mean);
                var /= d;
                for (int i = 0; i < d; i++) {
                    double w = t.containsKey(m + ".weight") ? t.get(m + ".weight").values()[i] : 1.0;
                    double b = t.containsKey(m + ".bias") ? t.get(m + ".bias").values()[i] : 0.0;
                    expected[i] = (x.get(i, s) - mean) / Math.sqrt(var + ln.eps()) * w + b;
                }
            } else {
                BatchNormLayer bn = (BatchNormLayer) norm;
                // eval mode: (x - running_mean[c]) / sqrt(running_var[c] + eps) * weight[c] + bias[c], c the channel
                int channels = shape.isFlat() ? d : shape.channels();
                for (int i = 0; i < d; i++) {
                    int c = i / (d / channels);
                    double w = t.containsKey(m + ".weight") ? t.get(m + ".weight").values()[c] : 1.0;
                    double b = t.containsKey(m + ".bias") ? t.get(m + ".bias").values()[c] : 0.0;
                    expected[i] = (x.get(i, s) - t.get(m + ".running_mean").values()[c])
                            / Math.sqrt(t.get(m + ".running_var").values()[c] + bn.eps()) * w + b;
                }
            }
            for (int i = 0; i < d; i++) {
                assertThat(y[s * d + i]).as("%s sample %d feature %d", name, s, i).isCloseTo(expected[i], Offset.offset(1e-12));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("norms")
    void normInputDerivativesMatchFiniteDifferences(String name, TensorShape shape, String json) {
        Network net = normNetwork(shape, json, 12);
        Layer norm = net.layers().get(1);
        Matrix x = TestNetworks.inputs(shape.size(), 3, 4, Precision.FLOAT64);
        int n = x.cols();
        SplittableRandom r = new SplittableRandom(5);
        Matrix v = random(r, x.rows(), 2 * n); // two tangent directions, column t·N + s
        assertThat(norm.outDim()).isEqualTo(x.rows());
        FiniteDifferences.assertInputJvp(norm, x, v, name);
        int group = 2;
        Matrix c = random(r, norm.outDim(), n * group);
        Matrix w = random(r, x.rows(), n);
        FiniteDifferences.assertInputVjpIsAdjoint(norm, x, c, w, group, name);
    }

    /** Parameter JVP and VJP of whole networks (norm layers inside residual blocks) against finite differences. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void networkParameterDerivativesMatchFiniteDifferences(String name, String json) {
        Network net = TestNetworks.withRandomNorms(Architecture.parse(json), 31, Precision.FLOAT64);
        Matrix x = TestNetworks.inputs(net.inputDim(), 3, 6, Precision.FLOAT64);
        FiniteDifferences.assertNetworkParameterDerivatives(net, x, name);
    }

    static Stream<Arguments> networks() {
        return Stream.of(Arguments.of("resnet", io.ntkstream.ntk.ResidualNtkTest.RESNET),
                Arguments.of("layer-norm MLP", io.ntkstream.ntk.ResidualNtkTest.LAYER_NORM_MLP),
                Arguments.of("nested blocks", io.ntkstream.ntk.ResidualNtkTest.NESTED));
    }

    /**
     * out = dense(flatten(0.7·B2(h1) + S2(h1))), h1 = relu(B1(h0) + h0), h0 = conv(x): built from plain
     * sequences whose tensors are the block's, renamed from "{i}.layers.{j}" to "{j}".
     */
    @Test
    void residualForwardIsBranchPlusShortcut() {
        String json = """
                {"input_shape":[2,4,4],"parametrization":"ntk","sigma_w":1.3,"sigma_b":0.2,"layers":[
                 {"type":"conv2d","out":3,"kernel":3,"padding":1},
                 {"type":"residual","layers":[{"type":"conv2d","out":3,"kernel":3,"padding":1},{"type":"batch_norm"},{"type":"relu"}]},
                 {"type":"relu"},
                 {"type":"residual","scale":0.7,"layers":[{"type":"conv2d","out":4,"kernel":3,"stride":2,"padding":1}],
                  "shortcut":[{"type":"conv2d","out":4,"kernel":1,"stride":2}]},
                 {"type":"flatten"},{"type":"dense","out":2}]}""";
        Architecture arch = Architecture.parse(json);
        Network net = TestNetworks.withRandomNorms(arch, 3, Precision.FLOAT64);
        Map<String, NamedTensor> t = Networks.toTensors(net, Networks.flatten(net));
        Matrix x = TestNetworks.inputs(arch.inputDim(), 3, 9, Precision.FLOAT64);

        Matrix h0 = sequence("[2,4,4]", "{\"type\":\"conv2d\",\"out\":3,\"kernel\":3,\"padding\":1}", t, "0.", "0.").apply(x);
        Matrix b1 = sequence("[3,4,4]", "{\"type\":\"conv2d\",\"out\":3,\"kernel\":3,\"padding\":1},{\"type\":\"batch_norm\"},{\"type\":\"relu\"}",
                t, "1.layers.", "").apply(h0);
        Matrix h1 = sum(b1, 1.0, h0, 1.0).map(v -> Math.max(0, v));
        Matrix b2 = sequence("[3,4,4]", "{\"type\":\"conv2d\",\"out\":4,\"kernel\":3,\"stride\":2,\"padding\":1}", t, "3.layers.", "").apply(h1);
        Matrix s2 = sequence("[3,4,4]", "{\"type\":\"conv2d\",\"out\":4,\"kernel\":1,\"stride\":2}", t, "3.shortcut.", "").apply(h1);
        Matrix h2 = sum(b2, 0.7, s2, 1.0);
        Matrix out = sequence("[16]", "{\"type\":\"dense\",\"out\":2}", t, "5.", "0.").apply(h2);
        double[] expected = out.toColumnMajor();
        double[] actual = net.apply(x).toColumnMajor();
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("output %d", i).isCloseTo(expected[i], Offset.offset(1e-12));
        }
        assertThat(net.paramCount()).isEqualTo(Networks.flatten(net).length);
    }

    /** A plain sequence (then flatten) with the tensors of {@code from} renamed to {@code to} + the rest of the name. */
    private static Network sequence(String shape, String layers, Map<String, NamedTensor> all, String from, String to) {
        Architecture arch = Architecture.parse("{\"input_shape\":" + shape + ",\"parametrization\":\"ntk\",\"sigma_w\":1.3,"
                + "\"sigma_b\":0.2,\"layers\":[" + layers + ",{\"type\":\"flatten\"}]}");
        Map<String, NamedTensor> mine = new LinkedHashMap<>();
        for (NamedTensor tensor : all.values()) {
            if (tensor.name().startsWith(from)) {
                String name = to + tensor.name().substring(from.length());
                mine.put(name, new NamedTensor(name, tensor.shape(), tensor.values(), tensor.storedAs()));
            }
        }
        return Networks.fromTensors(arch, mine, Precision.FLOAT64);
    }

    private static Matrix sum(Matrix a, double sa, Matrix b, double sb) {
        double[] x = a.toColumnMajor();
        double[] y = b.toColumnMajor();
        for (int i = 0; i < x.length; i++) {
            x[i] = sa * x[i] + sb * y[i];
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, a.rows(), a.cols(), x);
    }
}
