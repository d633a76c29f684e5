package io.ntkstream.network;

import static io.ntkstream.network.FiniteDifferences.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.checkpoint.NamedTensor;
import io.ntkstream.ntk.PositionalNtkTest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The positional layers' forward passes against their definitions (y = x + P; the sinusoidal table
 * computed here as PyTorch tutorials do, via div_term = exp(−2i·ln(10000)/D)), their derivatives against
 * finite differences, and that they break the permutation equivariance of self-attention.
 */
class PositionalLayersTest {

    @Test
    void learnedEmbeddingAddsItsWeight() {
        Architecture a = Architecture.parse("{\"input_shape\":[3,4],\"layers\":[{\"type\":\"positional_embedding\"},"
                + "{\"type\":\"flatten\"}]}");
        Map<String, NamedTensor> t = Networks.randomTensors(a, 9);
        double[] p = t.get("0.weight").values(); // [3, 4] row-major: (l, d) at l·4 + d
        Network net = Networks.fromTensors(a, t, Precision.FLOAT64);
        Matrix x = random(new SplittableRandom(2), 12, 3);
        Matrix y = net.apply(x);
        for (int s = 0; s < 3; s++) {
            for (int l = 0; l < 3; l++) {
                for (int d = 0; d < 4; d++) {
                    assertThat(y.get(l * 4 + d, s)).isEqualTo(x.get(l * 4 + d, s) + p[l * 4 + d]);
                }
            }
        }
    }

    /** PE[pos, 2i] = sin(pos·div_i), PE[pos, 2i+1] = cos(pos·div_i), div_i = exp(−2i·ln(10000)/D). */
    private static double pe(int pos, int j, int dim) {
        int i = j / 2;
        double div = Math.exp(-2.0 * i * Math.log(10000.0) / dim);
        return j % 2 == 0 ? Math.sin(pos * div) : Math.cos(pos * div);
    }

    /** A network [L, D] → positional_encoding → flatten → dense 1. */
    private static Network encoding(int len, int dim) {
        return Networks.random(Architecture.parse("{\"input_shape\":[" + len + "," + dim + "],\"layers\":["
                + "{\"type\":\"positional_encoding\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}]}"),
                1, Precision.FLOAT64);
    }

    /** The output of the network's first layer (the encoding). */
    private static Matrix encoded(Network net, Matrix x) {
        return net.forward(x).inputOf(1);
    }

    @Test
    void sinusoidalEncodingMatchesTheFormula() {
        int len = 9;
        int dim = 6;
        Network net = encoding(len, dim);
        assertThat(net.layers().get(0).paramCount()).isZero();
        Matrix y = encoded(net, Matrix.zeros(Precision.FLOAT64, len * dim, 1));
        Offset<Double> tol = Offset.offset(1e-15);
        // a few values written out: (pos 0) sin 0, cos 0; (pos 7, i 0) sin 7, cos 7; (pos 3, i 1) 10000^(2/6)
        assertThat(y.get(0, 0)).isCloseTo(0.0, tol);
        assertThat(y.get(1, 0)).isCloseTo(1.0, tol);
        assertThat(y.get(7 * dim, 0)).isCloseTo(Math.sin(7), tol);
        assertThat(y.get(7 * dim + 1, 0)).isCloseTo(Math.cos(7), tol);
        assertThat(y.get(3 * dim + 2, 0)).isCloseTo(Math.sin(3 / Math.pow(10000, 2.0 / 6)), tol);
        assertThat(y.get(3 * dim + 3, 0)).isCloseTo(Math.cos(3 / Math.pow(10000, 2.0 / 6)), tol);
        assertThat(y.get(5 * dim + 4, 0)).isCloseTo(Math.sin(5 / Math.pow(10000, 4.0 / 6)), tol);
        for (int pos = 0; pos < len; pos++) {
            for (int j = 0; j < dim; j++) {
                assertThat(y.get(pos * dim + j, 0)).as("PE[%d, %d]", pos, j).isCloseTo(pe(pos, j, dim), Offset.offset(1e-14));
            }
        }
        // odd D: the last feature is a sine
        Matrix yo = encoded(encoding(4, 5), Matrix.zeros(Precision.FLOAT64, 20, 1));
        assertThat(yo.get(3 * 5 + 4, 0)).isCloseTo(Math.sin(3 / Math.pow(10000, 4.0 / 5)), tol);
        // and it is added to the input
        Matrix x = random(new SplittableRandom(3), len * dim, 2);
        Matrix yx = encoded(net, x);
        for (int s = 0; s < 2; s++) {
            for (int r = 0; r < len * dim; r++) {
                assertThat(yx.get(r, s)).isCloseTo(x.get(r, s) + pe(r / dim, r % dim, dim), Offset.offset(1e-14));
            }
        }
    }

    static Stream<Arguments> layers() {
        SplittableRandom r = new SplittableRandom(5);
        double[] p = random(r, 12, 1).toColumnMajor();
        return Stream.of(Arguments.of("positional_embedding", new PositionalEmbeddingLayer("0", 3, 4, p, 0)),
                Arguments.of("positional_encoding", new PositionalEncodingLayer(3, 4)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void inputDerivativesMatchFiniteDifferences(String name, Layer layer) {
        FiniteDifferences.assertInputDerivatives(layer, name);
    }

    static Stream<Arguments> networks() {
        return Stream.of(Arguments.of("encoder + positional_embedding", PositionalNtkTest.ENCODER_POS, true),
                Arguments.of("pre-LN + positional_embedding", PositionalNtkTest.PRE_LN_POS, false),
                Arguments.of("pre-LN + positional_encoding", PositionalNtkTest.PRE_LN_SIN, false));
    }

    /** Parameter JVP and VJP (sum of cotangent columns) of whole networks against central finite differences. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void networkParameterDerivativesMatchFiniteDifferences(String name, String json, boolean tokens) {
        Network net = TestNetworks.withRandomNorms(Architecture.parse(json), 31, Precision.FLOAT64);
        Matrix x = tokens ? AttentionLayersTest.tokens(net.inputDim(), 3, 7, 6)
                : TestNetworks.inputs(net.inputDim(), 3, 6, Precision.FLOAT64);
        FiniteDifferences.assertNetworkParameterDerivatives(net, x, name);
    }

    /** Self-attention and per-position layers, [5, 4] → [5, 3] (flattened); {@code %s} is where a positional layer goes. */
    private static final String EQUIVARIANT = """
            {"input_shape":[5,4],"parametrization":"standard","sigma_w":1.0,"sigma_b":0.3,"layers":[%s
             {"type":"residual","layers":[{"type":"attention","num_heads":2}]},
             {"type":"layer_norm","over":"last"},
             {"type":"dense","out":3},{"type":"flatten"}]}""";

    /** Sample rows moved by a permutation of the positions: position l goes to perm[l] (D features each). */
    private static Matrix permute(Matrix x, int[] perm, int dim) {
        Matrix y = Matrix.zeros(Precision.FLOAT64, x.rows(), x.cols());
        for (int s = 0; s < x.cols(); s++) {
            for (int l = 0; l < perm.length; l++) {
                for (int d = 0; d < dim; d++) {
                    y.set(perm[l] * dim + d, s, x.get(l * dim + d, s));
                }
            }
        }
        return y;
    }

    /** The tensors of the network without the positional layer renamed for one with it at index 0. */
    private static Map<String, NamedTensor> shifted(Map<String, NamedTensor> tensors) {
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        for (NamedTensor t : tensors.values()) {
            int dot = t.name().indexOf('.');
            String name = (Integer.parseInt(t.name().substring(0, dot)) + 1) + t.name().substring(dot);
            out.put(name, new NamedTensor(name, t.shape(), t.values(), DType.FLOAT64));
        }
        return out;
    }

    private static double maxAbsDifference(Matrix a, Matrix b) {
        double m = 0;
        for (int i = 0; i < a.length(); i++) {
            m = Math.max(m, Math.abs(a.getLinear(i) - b.getLinear(i)));
        }
        return m;
    }

    @Test
    void positionsBreakPermutationEquivariance() {
        int[] perm = {2, 0, 4, 1, 3};
        Architecture plain = Architecture.parse(EQUIVARIANT.formatted(""));
        Network net = TestNetworks.withRandomNorms(plain, 11, Precision.FLOAT64);
        Map<String, NamedTensor> tensors = Networks.toTensors(net, Networks.flatten(net));
        Matrix x = TestNetworks.inputs(20, 3, 4, Precision.FLOAT64);
        Matrix px = permute(x, perm, 4);
        // without position information: f(πx) = π f(x)
        Matrix fx = net.apply(x);
        double scale = maxAbsDifference(fx, Matrix.zeros(Precision.FLOAT64, fx.rows(), fx.cols()));
        assertThat(maxAbsDifference(net.apply(px), permute(fx, perm, 3))).isLessThan(1e-12 * scale);

        // the sinusoidal encoding, same weights: f_PE(x) = f(x + PE), and f_PE(πx) ≠ π f_PE(x)
        Architecture sin = Architecture.parse(EQUIVARIANT.formatted("{\"type\":\"positional_encoding\"},"));
        Network withSin = Networks.fromTensors(sin, shifted(tensors), Precision.FLOAT64);
        double[] xpe = x.toColumnMajor();
        for (int i = 0; i < xpe.length; i++) {
            xpe[i] += pe(i % 20 / 4, i % 4, 4);
        }
        Matrix fsin = withSin.apply(x);
        assertThat(maxAbsDifference(fsin, net.apply(Matrix.fromColumnMajor(Precision.FLOAT64, 20, 3, xpe))))
                .isLessThan(1e-12 * scale);
        assertThat(maxAbsDifference(withSin.apply(px), permute(fsin, perm, 3))).isGreaterThan(1e-2 * scale);

        // the learned embedding likewise
        Architecture pos = Architecture.parse(EQUIVARIANT.formatted("{\"type\":\"positional_embedding\"},"));
        Map<String, NamedTensor> withP = shifted(tensors);
        withP.putAll(Networks.randomTensors(pos, 12).entrySet().stream().filter(e -> e.getKey().equals("0.weight"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        Network withPos = Networks.fromTensors(pos, withP, Precision.FLOAT64);
        Matrix fpos = withPos.apply(x);
        assertThat(maxAbsDifference(withPos.apply(px), permute(fpos, perm, 3))).isGreaterThan(1e-2 * scale);
    }
}
