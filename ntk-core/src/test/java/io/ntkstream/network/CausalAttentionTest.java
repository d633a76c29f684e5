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
 * The causal mask of the attention layer ({@code "causal":true}, PyTorch's
 * {@code attn_mask=torch.triu(torch.full((L, L), float('-inf')), diagonal=1)}), float64: the core's
 * forward against a direct transcription with −∞ scores above the diagonal, its input JVP against
 * finite differences and its VJP by the adjoint identity, the dependence structure (outputs at l never
 * see inputs at m &gt; l, in value, JVP and VJP), and the architecture JSON of the field.
 */
class CausalAttentionTest {

    static Stream<Arguments> cores() {
        return Stream.of(Arguments.of("causal, 2 heads", new ScaledDotProductAttention(4, 6, 2, true)),
                Arguments.of("causal, 1 head", new ScaledDotProductAttention(3, 2, 1, true)),
                Arguments.of("causal, 3 heads, 5 positions", new ScaledDotProductAttention(5, 6, 3, true)),
                Arguments.of("causal, one position", new ScaledDotProductAttention(1, 4, 2, true)));
    }

    /** softmax over m of c·q_l·k_m with s_lm = −∞ for m > l, o_l = Σ_m P_lm v_m, per head (x: [L, 3D] per sample). */
    private static double[] reference(ScaledDotProductAttention a, double[] x, int sample) {
        int len = a.positions();
        int d = a.dim();
        int dh = d / a.heads();
        double[] y = new double[len * d];
        int base = sample * len * 3 * d;
        for (int h = 0; h < a.heads(); h++) {
            for (int l = 0; l < len; l++) {
                double[] s = new double[len];
                double max = Double.NEGATIVE_INFINITY;
                for (int m = 0; m < len; m++) {
                    double dot = 0;
                    for (int e = 0; e < dh; e++) {
                        dot += x[base + l * 3 * d + h * dh + e] * x[base + m * 3 * d + d + h * dh + e];
                    }
                    s[m] = m > l ? Double.NEGATIVE_INFINITY : dot / Math.sqrt(dh);
                    max = Math.max(max, s[m]);
                }
                double z = 0;
                for (int m = 0; m < len; m++) {
                    s[m] = Math.exp(s[m] - max); // exp(−∞) = 0
                    z += s[m];
                }
                for (int m = 0; m < len; m++) {
                    for (int e = 0; e < dh; e++) {
                        y[l * d + h * dh + e] += s[m] / z * x[base + m * 3 * d + 2 * d + h * dh + e];
                    }
                }
            }
        }
        return y;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cores")
    void forwardMatchesMaskedSoftmax(String name, ScaledDotProductAttention a) {
        int n = 3;
        Matrix x = random(new SplittableRandom(5), a.inDim(), n);
        double[] xs = x.toColumnMajor();
        double[] y = a.forward(x).toColumnMajor();
        for (int s = 0; s < n; s++) {
            double[] expected = reference(a, xs, s);
            for (int i = 0; i < expected.length; i++) {
                assertThat(y[s * a.outDim() + i]).as("%s sample %d value %d", name, s, i).isCloseTo(expected[i], Offset.offset(1e-13));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cores")
    void inputDerivativesMatchFiniteDifferences(String name, ScaledDotProductAttention a) {
        FiniteDifferences.assertInputDerivatives(a, name);
    }

    /** The core's first position is its own value (P_00 = 1); its last position is the unmasked one's, bitwise. */
    @Test
    void firstPositionIsItsValueAndLastPositionIsUnmasked() {
        int len = 5;
        int d = 6;
        ScaledDotProductAttention causal = new ScaledDotProductAttention(len, d, 2, true);
        ScaledDotProductAttention full = new ScaledDotProductAttention(len, d, 2);
        int n = 2;
        Matrix x = random(new SplittableRandom(11), causal.inDim(), n);
        double[] yc = causal.forward(x).toColumnMajor();
        double[] yf = full.forward(x).toColumnMajor();
        for (int s = 0; s < n; s++) {
            for (int e = 0; e < d; e++) {
                assertThat(yc[s * len * d + e]).isEqualTo(x.get(2 * d + e, s));
                assertThat(yc[s * len * d + (len - 1) * d + e]).isEqualTo(yf[s * len * d + (len - 1) * d + e]);
            }
            // earlier positions differ from the unmasked attention (the mask is not a no-op)
            assertThat(Math.abs(yc[s * len * d + d] - yf[s * len * d + d])).isGreaterThan(1e-6);
        }
    }

    /** A one-layer attention network (projections + core + out_proj) and the same weights without the mask. */
    private static Network[] attentionPair(int len, int d, int heads, long seed) {
        String json = "{\"input_shape\":[" + len + "," + d + "],\"parametrization\":\"standard\",\"sigma_b\":0.4,\"layers\":["
                + "{\"type\":\"attention\",\"num_heads\":" + heads + ",\"causal\":true},{\"type\":\"flatten\"}]}";
        Architecture causal = Architecture.parse(json);
        Architecture full = Architecture.parse(json.replace(",\"causal\":true", ""));
        Map<String, NamedTensor> t = Networks.randomTensors(causal, seed);
        return new Network[] {Networks.fromTensors(causal, t, Precision.FLOAT64), Networks.fromTensors(full, t, Precision.FLOAT64)};
    }

    /** Changing the input at position j changes the causal layer's outputs at l ≥ j only; the unmasked layer's everywhere. */
    @Test
    void earlierPositionsDoNotSeeLaterInputs() {
        int len = 5;
        int d = 4;
        Network[] pair = attentionPair(len, d, 2, 3);
        Network causal = pair[0];
        Network full = pair[1];
        Matrix x = random(new SplittableRandom(13), len * d, 2);
        double[] yc = causal.apply(x).toColumnMajor();
        double[] yf = full.apply(x).toColumnMajor();
        for (int j = 0; j < len; j++) {
            double[] changed = x.toColumnMajor();
            for (int s = 0; s < 2; s++) {
                for (int e = 0; e < d; e++) {
                    changed[s * len * d + j * d + e] += 0.7 + e;
                }
            }
            Matrix x2 = Matrix.fromColumnMajor(Precision.FLOAT64, len * d, 2, changed);
            double[] yc2 = causal.apply(x2).toColumnMajor();
            double[] yf2 = full.apply(x2).toColumnMajor();
            for (int s = 0; s < 2; s++) {
                for (int l = 0; l < len; l++) {
                    double dc = 0;
                    double df = 0;
                    for (int e = 0; e < d; e++) {
                        int i = s * len * d + l * d + e;
                        dc = Math.max(dc, Math.abs(yc2[i] - yc[i]));
                        df = Math.max(df, Math.abs(yf2[i] - yf[i]));
                    }
                    if (l < j) {
                        assertThat(dc).as("causal: output %d after changing input %d", l, j).isLessThanOrEqualTo(1e-15);
                    } else {
                        assertThat(dc).as("causal: output %d after changing input %d", l, j).isGreaterThan(1e-6);
                    }
                    assertThat(df).as("unmasked: output %d after changing input %d", l, j).isGreaterThan(1e-6);
                }
            }
        }
    }

    /** JVP along a tangent at positions > l is zero at outputs ≤ l; VJP of a cotangent at position l is zero at inputs > l. */
    @Test
    void derivativesRespectTheMask() {
        int len = 4;
        int d = 6;
        ScaledDotProductAttention a = new ScaledDotProductAttention(len, d, 3, true);
        SplittableRandom r = new SplittableRandom(17);
        int n = 2;
        Matrix x = random(r, a.inDim(), n);
        for (int l = 0; l < len; l++) {
            double[] t = random(r, a.inDim(), n).toColumnMajor();
            for (int s = 0; s < n; s++) {
                for (int i = 0; i < (l + 1) * 3 * d; i++) {
                    t[s * a.inDim() + i] = 0; // a tangent at positions > l only
                }
            }
            double[] y = a.jvp(x, Matrix.fromColumnMajor(Precision.FLOAT64, a.inDim(), n, t), null, 1).toColumnMajor();
            for (int s = 0; s < n; s++) {
                for (int i = 0; i < (l + 1) * d; i++) {
                    assertThat(y[s * a.outDim() + i]).as("JVP output %d, tangent after %d", i, l).isEqualTo(0.0);
                }
            }
            double[] c = new double[a.outDim() * n];
            for (int s = 0; s < n; s++) {
                for (int e = 0; e < d; e++) {
                    c[s * a.outDim() + l * d + e] = r.nextDouble() - 0.5; // a cotangent at position l only
                }
            }
            double[] g = a.backward(Matrix.fromColumnMajor(Precision.FLOAT64, a.outDim(), n, c), x, 1).toColumnMajor();
            for (int s = 0; s < n; s++) {
                for (int i = (l + 1) * 3 * d; i < a.inDim(); i++) {
                    assertThat(g[s * a.inDim() + i]).as("VJP input %d, cotangent at %d", i, l).isEqualTo(0.0);
                }
                double norm = 0;
                for (int i = 0; i < (l + 1) * 3 * d; i++) {
                    norm += Math.abs(g[s * a.inDim() + i]);
                }
                assertThat(norm).as("VJP reaches positions ≤ %d", l).isGreaterThan(1e-6);
            }
        }
    }

    @Test
    void parsesRoundTripsAndRejectsNonBooleans() {
        String json = """
                {"input_shape":[5,6],"layers":[
                 {"type":"residual","layers":[{"type":"attention","num_heads":2,"causal":true}]},
                 {"type":"attention","num_heads":3,"causal":false},
                 {"type":"attention","num_heads":1},
                 {"type":"flatten"},{"type":"dense","out":1}]}""";
        Architecture a = Architecture.parse(json);
        LayerSpec.Attention first = (LayerSpec.Attention) ((LayerSpec.Residual) a.layers().get(0)).layers().get(0);
        assertThat(first.causal()).isTrue();
        assertThat(((LayerSpec.Attention) a.layers().get(1)).causal()).isFalse();
        assertThat(((LayerSpec.Attention) a.layers().get(2)).causal()).isFalse();
        assertThat(Architecture.parse(a.toJson())).isEqualTo(a);
        assertThat(a.toJson()).contains("\"causal\":true");
        assertThat(a.shapeString()).contains("res(attn:2c)").contains("attn:3-attn:1");
        // the field reaches the network's core
        Network net = Networks.random(a, 1, Precision.FLOAT64);
        assertThat(net.layers().stream().filter(l -> l instanceof ScaledDotProductAttention)
                .map(l -> ((ScaledDotProductAttention) l).causal())).containsExactly(true, false, false);
        for (String bad : new String[] {"\"yes\"", "1", "0", "null", "[true]", "\"true\""}) {
            assertThatThrownBy(() -> Architecture.parse("{\"input_shape\":[5,6],\"layers\":[{\"type\":\"dense\",\"out\":6},"
                    + "{\"type\":\"attention\",\"num_heads\":2,\"causal\":" + bad + "},{\"type\":\"flatten\"}]}"))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("layers[1]").hasMessageContaining("\"causal\" must be true or false")
                    .hasMessageContaining(bad);
        }
    }
}
