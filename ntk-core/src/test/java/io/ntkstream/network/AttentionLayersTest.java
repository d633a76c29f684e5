package io.ntkstream.network;

import static io.ntkstream.network.FiniteDifferences.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Transformer layers, float64. Forward: attention against a direct transcription of PyTorch's
 * {@code nn.MultiheadAttention} (batch_first, no mask: q, k, v = x·W_{q,k,v}ᵀ + b, per head
 * softmax(QKᵀ/√d_head)·V, heads concatenated, then out_proj), embedding against row lookup,
 * per-position dense against {@code nn.Linear} on (N, L, D), {@code layer_norm} over the last axis
 * against {@code nn.LayerNorm(D)} per position. Derivatives: input JVP of each layer against
 * central finite differences, input VJP by the adjoint identity ⟨c, J v⟩ = ⟨Jᵀc, v⟩; parameter
 * JVP/VJP of a whole one-layer transformer encoder likewise.
 */
class AttentionLayersTest {
    /** N samples of L token ids in [0, vocabulary), as an L x N matrix. */
    static Matrix tokens(int length, int n, int vocabulary, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[length * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(vocabulary);
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, length, n, v);
    }

    static Stream<Arguments> attentions() {
        return Stream.of(
                Arguments.of("2 heads, standard", 5, 6, 2, true, "standard"),
                Arguments.of("3 heads, no bias", 4, 6, 3, false, "standard"),
                Arguments.of("1 head, ntk", 3, 4, 1, true, "ntk"),
                Arguments.of("4 heads of 1, one position", 1, 4, 4, true, "ntk"));
    }

    private static Network attentionNetwork(int len, int d, int heads, boolean bias, String parametrization, long seed) {
        return Networks.random(Architecture.parse("{\"input_shape\":[" + len + "," + d + "],\"parametrization\":\""
                + parametrization + "\",\"sigma_w\":1.3,\"sigma_b\":0.4,\"layers\":[{\"type\":\"attention\",\"num_heads\":"
                + heads + ",\"bias\":" + bias + "},{\"type\":\"flatten\"}]}"), seed, Precision.FLOAT64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attentions")
    void attentionForwardMatchesPyTorchDefinition(String name, int len, int d, int heads, boolean bias, String param) {
        Network net = attentionNetwork(len, d, heads, bias, param, 3);
        Map<String, NamedTensor> t = Networks.toTensors(net, Networks.flatten(net));
        assertThat(t.keySet()).isEqualTo(bias ? java.util.Set.of("0.in_proj_weight", "0.in_proj_bias", "0.out_proj.weight",
                "0.out_proj.bias") : java.util.Set.of("0.in_proj_weight", "0.out_proj.weight"));
        assertThat(t.get("0.in_proj_weight").shape()).containsExactly(3 * d, d);
        assertThat(t.get("0.out_proj.weight").shape()).containsExactly(d, d);
        // NTK parametrization multiplies weights by σ_w/√fan_in (fan_in = D) and biases by σ_b
        double sw = param.equals("ntk") ? 1.3 / Math.sqrt(d) : 1.0;
        double sb = param.equals("ntk") ? 0.4 : 1.0;
        double[] win = t.get("0.in_proj_weight").values(); // row-major [3D, D]
        double[] bin = bias ? t.get("0.in_proj_bias").values() : new double[3 * d];
        double[] wout = t.get("0.out_proj.weight").values();
        double[] bout = bias ? t.get("0.out_proj.bias").values() : new double[d];
        int n = 3;
        Matrix x = io.ntkstream.network.TestNetworks.inputs(len * d, n, 4, Precision.FLOAT64);
        double[] y = net.apply(x).toColumnMajor();
        int dh = d / heads;
        for (int s = 0; s < n; s++) {
            double[][] xs = new double[len][d]; // x[s] as (L, D), batch_first
            for (int l = 0; l < len; l++) {
                for (int e = 0; e < d; e++) {
                    xs[l][e] = x.get(l * d + e, s);
                }
            }
            // q, k, v = F.linear(x, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
            double[][] proj = new double[len][3 * d];
            for (int l = 0; l < len; l++) {
                for (int j = 0; j < 3 * d; j++) {
                    double z = sb * bin[j];
                    for (int e = 0; e < d; e++) {
                        z += sw * win[j * d + e] * xs[l][e];
                    }
                    proj[l][j] = z;
                }
            }
            double[][] attn = new double[len][d];
            for (int h = 0; h < heads; h++) {
                for (int l = 0; l < len; l++) {
                    double[] scores = new double[len];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int m = 0; m < len; m++) {
                        double dot = 0;
                        for (int e = 0; e < dh; e++) {
                            dot += proj[l][h * dh + e] * proj[m][d + h * dh + e];
                        }
                        scores[m] = dot / Math.sqrt(dh);
                        max = Math.max(max, scores[m]);
                    }
                    double z = 0;
                    for (int m = 0; m < len; m++) {
                        scores[m] = Math.exp(scores[m] - max);
                        z += scores[m];
                    }
                    for (int m = 0; m < len; m++) {
                        for (int e = 0; e < dh; e++) {
                            attn[l][h * dh + e] += scores[m] / z * proj[m][2 * d + h * dh + e];
                        }
                    }
                }
            }
            for (int l = 0; l < len; l++) {
                for (int j = 0; j < d; j++) {
                    double z = sb * bout[j];
                    for (int e = 0; e < d; e++) {
                        z += sw * wout[j * d + e] * attn[l][e];
                    }
                    assertThat(y[s * len * d + l * d + j]).as("%s sample %d position %d feature %d", name, s, l, j)
                            .isCloseTo(z, Offset.offset(1e-12));
                }
            }
        }
    }

    @Test
    void embeddingLooksUpRowsAndRejectsBadIds() {
        Network net = Networks.random(Architecture.parse("""
                {"input_shape":[4],"layers":[{"type":"embedding","num_embeddings":5,"embedding_dim":3},{"type":"flatten"}]}"""),
                2, Precision.FLOAT64);
        assertThat(net.architecture().shapeBefore(1)).isEqualTo(TensorShape.of(4, 3));
        double[] e = Networks.toTensors(net, Networks.flatten(net)).get("0.weight").values(); // [5, 3]
        Matrix ids = Matrix.fromColumnMajor(Precision.FLOAT64, 4, 2, new double[] {0, 4, 4, 2, 1, 1, 3, 0});
        double[] y = net.apply(ids).toColumnMajor();
        for (int s = 0; s < 2; s++) {
            for (int l = 0; l < 4; l++) {
                int id = (int) ids.get(l, s);
                for (int k = 0; k < 3; k++) {
                    assertThat(y[s * 12 + l * 3 + k]).isEqualTo(e[id * 3 + k]);
                }
            }
        }
        assertThatThrownBy(() -> net.apply(Matrix.fromColumnMajor(Precision.FLOAT64, 4, 1, new double[] {0, 1, 2.5, 3})))
                .hasMessageContaining("embedding layer 0").hasMessageContaining("token id 2.5 at position 2 of sample 0")
                .hasMessageContaining("[0, 5)");
        assertThatThrownBy(() -> net.apply(Matrix.fromColumnMajor(Precision.FLOAT64, 4, 1, new double[] {0, 1, 2, 5})))
                .hasMessageContaining("token id 5.0 at position 3");
        assertThatThrownBy(() -> net.apply(Matrix.fromColumnMajor(Precision.FLOAT64, 4, 1, new double[] {-1, 1, 2, 3})))
                .hasMessageContaining("token id -1.0");
    }

    /** [L, D] → dense per position → layer_norm over the last axis → flatten, against nn.Linear and nn.LayerNorm(D). */
    @Test
    void perPositionDenseAndLastAxisLayerNormMatchPyTorch() {
        int len = 3;
        int d = 4;
        int out = 5;
        Architecture arch = Architecture.parse("{\"input_shape\":[3,4],\"parametrization\":\"standard\",\"sigma_b\":0.5,"
                + "\"layers\":[{\"type\":\"dense\",\"out\":5},{\"type\":\"layer_norm\",\"over\":\"last\",\"eps\":0.01},"
                + "{\"type\":\"flatten\"}]}");
        Network net = TestNetworks.withRandomNorms(arch, 5, Precision.FLOAT64);
        Map<String, NamedTensor> t = Networks.toTensors(net, Networks.flatten(net));
        assertThat(t.get("0.weight").shape()).containsExactly(out, d);
        assertThat(t.get("1.weight").shape()).containsExactly(out);
        double[] w = t.get("0.weight").values();
        double[] b = t.get("0.bias").values();
        double[] g = t.get("1.weight").values();
        double[] beta = t.get("1.bias").values();
        Matrix x = TestNetworks.inputs(len * d, 2, 6, Precision.FLOAT64);
        double[] y = net.apply(x).toColumnMajor();
        for (int s = 0; s < 2; s++) {
            for (int l = 0; l < len; l++) {
                double[] z = new double[out];
                for (int j = 0; j < out; j++) {
                    z[j] = b[j];
                    for (int e = 0; e < d; e++) {
                        z[j] += w[j * d + e] * x.get(l * d + e, s);
                    }
                }
                double mean = 0;
                for (double v : z) mean += v / out;
                double var = 0;
                for (double v : z) var += (v - mean) * (v - mean) / out;
                for (int j = 0; j < out; j++) {
                    double expected = (z[j] - mean) / Math.sqrt(var + 0.01) * g[j] + beta[j];
                    assertThat(y[s * len * out + l * out + j]).as("sample %d position %d feature %d", s, l, j)
                            .isCloseTo(expected, Offset.offset(1e-12));
                }
            }
        }
    }

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of("scaled dot-product attention, 2 heads", new ScaledDotProductAttention(4, 6, 2)),
                Arguments.of("scaled dot-product attention, 1 head", new ScaledDotProductAttention(3, 2, 1)),
                Arguments.of("layer_norm over last", new LayerNormLayer("0", TensorShape.of(3, 4), 4,
                        new double[] {1.2, 0.7, -0.4, 1.1}, new double[] {0.1, 0.2, -0.3, 0.4}, 1e-3, 0)),
                Arguments.of("per-position dense", positionwise()));
    }

    private static PositionwiseDenseLayer positionwise() {
        SplittableRandom r = new SplittableRandom(9);
        return new PositionwiseDenseLayer("0", "0.weight", "0.bias", 3, random(r, 5, 4), new double[] {0.1, 0.2, 0.3, 0.4, 0.5},
                0.6, 0.9, 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void inputDerivativesMatchFiniteDifferences(String name, Layer layer) {
        FiniteDifferences.assertInputDerivatives(layer, name);
    }

    static Stream<Arguments> networks() {
        return Stream.of(Arguments.of("encoder", io.ntkstream.ntk.AttentionNtkTest.ENCODER, true),
                Arguments.of("attention ntk, no bias", """
                        {"input_shape":[3,4],"parametrization":"ntk","sigma_w":1.2,"sigma_b":0.3,"layers":[
                         {"type":"attention","num_heads":2,"bias":false},{"type":"layer_norm","over":"last"},
                         {"type":"attention","num_heads":1},{"type":"flatten"},{"type":"dense","out":2}]}""", false));
    }

    /** Parameter JVP and VJP of whole networks against central finite differences. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void networkParameterDerivativesMatchFiniteDifferences(String name, String json, boolean tokens) {
        Network net = TestNetworks.withRandomNorms(Architecture.parse(json), 31, Precision.FLOAT64);
        Matrix x = tokens ? tokens(net.inputDim(), 3, 7, 6) : TestNetworks.inputs(net.inputDim(), 3, 6, Precision.FLOAT64);
        FiniteDifferences.assertNetworkParameterDerivatives(net, x, name);
    }
}
