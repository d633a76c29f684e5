package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.PositionalEmbeddingLayer;
import io.ntkstream.network.PositionalEncodingLayer;
import io.ntkstream.network.TestNetworks;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The NTK methods on transformers with position information, float64, with the checks of
 * {@link AttentionNtkTest}: every method and mode against Θ from a forward-mode Jacobian (1e-10), full Θ
 * against a Jacobian of central finite differences (1e-6), and the positional-embedding rule alone against
 * its layer's share of the forward-mode Θ.
 */
public class PositionalNtkTest {

    /** {@link AttentionNtkTest#ENCODER} with a learned positional embedding after the token embedding. */
    public static final String ENCODER_POS = AttentionNtkTest.ENCODER.replace(
            "{\"type\":\"embedding\",\"num_embeddings\":7,\"embedding_dim\":4},",
            "{\"type\":\"embedding\",\"num_embeddings\":7,\"embedding_dim\":4},{\"type\":\"positional_embedding\"},");

    /** Real-valued [L, D] inputs, NTK parametrization: a learned positional embedding inside a residual branch. */
    public static final String PRE_LN_POS = """
            {"input_shape":[4,6],"parametrization":"ntk","sigma_w":1.3,"sigma_b":0.2,"layers":[
             {"type":"positional_embedding"},
             {"type":"residual","layers":[{"type":"layer_norm","over":"last"},{"type":"attention","num_heads":3,"bias":false}]},
             {"type":"residual","layers":[{"type":"positional_embedding"},{"type":"attention","num_heads":1}]},
             {"type":"dense","out":2},{"type":"gelu"},{"type":"flatten"},{"type":"dense","out":2}]}""";

    /** {@link AttentionNtkTest#ENCODER} with the fixed sinusoidal encoding after the token embedding. */
    public static final String ENCODER_SIN = ENCODER_POS.replace("positional_embedding", "positional_encoding");

    /** Pre-LN attention on real-valued inputs with the sinusoidal encoding. */
    public static final String PRE_LN_SIN = """
            {"input_shape":[4,6],"parametrization":"ntk","sigma_w":1.3,"sigma_b":0.2,"layers":[
             {"type":"positional_encoding"},
             {"type":"residual","layers":[{"type":"layer_norm","over":"last"},{"type":"attention","num_heads":3}]},
             {"type":"dense","out":2},{"type":"gelu"},{"type":"flatten"},{"type":"dense","out":2}]}""";

    static Stream<Arguments> networks() {
        return Stream.of(Arguments.of("encoder + positional_embedding", ENCODER_POS),
                Arguments.of("pre-LN + positional_embedding", PRE_LN_POS),
                Arguments.of("encoder + positional_encoding", ENCODER_SIN),
                Arguments.of("pre-LN + positional_encoding", PRE_LN_SIN));
    }

    static Network network(String json) {
        return AttentionNtkTest.network(json);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void everyMethodAndModeMatchesForwardModeJacobian(String name, String json) {
        Network net = network(json);
        assertThat(net.layers()).anyMatch(l -> l instanceof PositionalEmbeddingLayer || l instanceof PositionalEncodingLayer);
        NtkAgreement.assertEveryMethodAndModeMatchesForwardMode(name, net, (n, seed) -> AttentionNtkTest.inputs(net, n, seed),
                true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void methodsMatchFiniteDifferenceJacobian(String name, String json) {
        Network net = network(json);
        NtkAgreement.assertMatchesFiniteDifferences(name, net, (n, seed) -> AttentionNtkTest.inputs(net, n, seed),
                NtkAgreement.CONCRETE_METHODS);
    }

    /** The positional-embedding rule alone against the layer's share of the forward-mode Θ (its P columns). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void positionalEmbeddingRuleMatchesTheLayersShare(String name, String json) {
        Network net = network(json);
        int layers = (int) net.layers().stream().filter(PositionalEmbeddingLayer.class::isInstance).count();
        int checked = NtkAgreement.assertRulesMatchLayersShare(name, net, (n, seed) -> AttentionNtkTest.inputs(net, n, seed),
                layer -> layer instanceof PositionalEmbeddingLayer
                        ? new StructureRule[] {new PositionalEmbeddingRule()} : new StructureRule[0], null);
        assertThat(checked).isEqualTo(layers * NtkMode.values().length);
    }

    /** The learned embedding's share is not zero: its parameters do enter Θ. */
    @Test
    void positionalEmbeddingShareIsNonzero() {
        Network net = network(ENCODER_POS);
        Matrix x = AttentionNtkTest.inputs(net, 2, 5);
        double[][][] j = NtkMethodsAgreementTest.forwardModeJacobian(net, x);
        PositionalEmbeddingLayer p = (PositionalEmbeddingLayer) net.layers().get(1);
        double[][][][] share = NtkAgreement.layerShare(j, j, p);
        assertThat(share[0][0][0][0]).isPositive();
    }

    @Test
    void autoCountsThePositionalEmbedding() {
        Network net = network(ENCODER_POS);
        NetworkShape shape = NetworkShape.of(net);
        assertThat(shape.positional()).hasSize(1);
        assertThat(shape.positional().get(0)).containsExactly(5, 4);
        NetworkShape without = NetworkShape.of(network(AttentionNtkTest.ENCODER));
        assertThat(shape.sumFanOut() - without.sumFanOut()).isEqualTo(20);
        assertThat(shape.sumFanIn() - without.sumFanIn()).isEqualTo(20);
        assertThat(shape.params() - without.params()).isEqualTo(20);
        StructuredNtk structured = new StructuredNtk();
        for (NtkMode mode : NtkMode.values()) {
            assertThat(structured.flops(shape, mode, 64, 64, false)).isGreaterThan(structured.flops(without, mode, 64, 64, false));
            NtkPlan plan = new EmpiricalNtk(net, mode, NtkMethod.AUTO).plan(64, 64, true);
            assertThat(plan.method()).isNotEqualTo(NtkMethod.AUTO);
            assertThat(plan.estimatedFlops()).isPositive();
        }
        // the sinusoidal encoding has no parameters: nothing to count
        assertThat(NetworkShape.of(network(ENCODER_SIN)).positional()).isEmpty();
        assertThat(network(ENCODER_SIN).paramCount()).isEqualTo(network(AttentionNtkTest.ENCODER).paramCount());
    }

    @Test
    void float32AgreesWithFloat64() {
        Network net64 = network(ENCODER_POS);
        Network net32 = TestNetworks.withRandomNorms(Architecture.parse(ENCODER_POS), 17, Precision.FLOAT32);
        NtkAgreement.assertFloat32TraceMatchesFloat64(net64, net32, AttentionNtkTest.inputs(net64, 3, 7));
    }

    /** Prints the largest deviations of each method from the references (full mode), relative to max |Θ|. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void reportsAgreement(String name, String json) {
        Network net = network(json);
        Matrix x1 = AttentionNtkTest.inputs(net, 3, 3);
        Matrix x2 = AttentionNtkTest.inputs(net, 2, 4);
        double[][][][] ref = NtkMethodsAgreementTest.referenceFull(net, x1, x2);
        double[][][] f1 = NtkAgreement.finiteDifferenceJacobian(net, x1);
        double[][][] f2 = NtkAgreement.finiteDifferenceJacobian(net, x2);
        int o = net.outputDim();
        StringBuilder sb = new StringBuilder(name);
        double scale = 0;
        double fdDev = 0;
        for (int i = 0; i < x1.cols(); i++) {
            for (int j = 0; j < x2.cols(); j++) {
                for (int a = 0; a < o; a++) {
                    for (int b = 0; b < o; b++) {
                        scale = Math.max(scale, Math.abs(ref[i][j][a][b]));
                    }
                }
            }
        }
        for (NtkMethod method : NtkAgreement.CONCRETE_METHODS) {
            KernelBlock k = new EmpiricalNtk(net, NtkMode.FULL, method).compute(x1, x2);
            double dev = 0;
            double devFd = 0;
            for (int i = 0; i < x1.cols(); i++) {
                for (int j = 0; j < x2.cols(); j++) {
                    for (int a = 0; a < o; a++) {
                        for (int b = 0; b < o; b++) {
                            double fd = 0;
                            for (int p = 0; p < net.paramCount(); p++) {
                                fd += f1[i][a][p] * f2[j][b][p];
                            }
                            dev = Math.max(dev, Math.abs(k.get(i, j, a * o + b) - ref[i][j][a][b]));
                            devFd = Math.max(devFd, Math.abs(k.get(i, j, a * o + b) - fd));
                        }
                    }
                }
            }
            fdDev = Math.max(fdDev, devFd / scale);
            sb.append(String.format(" | %s: vs forward mode %.2e, vs finite differences %.2e", method, dev / scale,
                    devFd / scale));
            assertThat(dev / scale).as("%s %s", name, method).isLessThan(1e-10);
        }
        assertThat(fdDev).as(name).isLessThan(1e-6);
        System.out.println("[agreement] " + sb + " (relative to max |Θ| = " + String.format("%.3g", scale) + ")");
    }
}
