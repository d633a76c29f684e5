package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.EmbeddingLayer;
import io.ntkstream.network.Layer;
import io.ntkstream.network.Network;
import io.ntkstream.network.PositionwiseDenseLayer;
import io.ntkstream.network.TestNetworks;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The NTK methods on transformer layers, float64. References as in {@link ConvNtkTest}: Θ from a
 * forward-mode Jacobian (JVPs along every parameter basis vector, no reverse mode, no structure) to
 * 1e-10, and from a Jacobian of central finite differences of the forward pass to 1e-6; each rule
 * (per-position dense, both contractions; embedding) against its layer's share of the forward-mode Θ.
 */
public class AttentionNtkTest {

    /** A one-layer post-LN transformer encoder on 5 tokens of a 7-word vocabulary (docs/networks.md, small). */
    public static final String ENCODER = """
            {"input_shape":[5],"parametrization":"standard","sigma_w":1.0,"sigma_b":0.3,"layers":[
             {"type":"embedding","num_embeddings":7,"embedding_dim":4},
             {"type":"residual","layers":[{"type":"attention","num_heads":2}]},
             {"type":"layer_norm","over":"last"},
             {"type":"residual","layers":[{"type":"dense","out":6},{"type":"relu"},{"type":"dense","out":4}]},
             {"type":"layer_norm","over":"last"},
             {"type":"flatten"},
             {"type":"dense","out":3}]}""";

    /** Pre-LN attention on real-valued [L, D] inputs, NTK parametrization, one block without biases. */
    public static final String PRE_LN = """
            {"input_shape":[4,6],"parametrization":"ntk","sigma_w":1.3,"sigma_b":0.2,"layers":[
             {"type":"residual","layers":[{"type":"layer_norm","over":"last"},{"type":"attention","num_heads":3,"bias":false}]},
             {"type":"residual","layers":[{"type":"layer_norm","over":"last"},{"type":"attention","num_heads":1}]},
             {"type":"dense","out":2},{"type":"gelu"},{"type":"flatten"},{"type":"dense","out":2}]}""";

    static Stream<Arguments> networks() {
        return Stream.of(Arguments.of("encoder", ENCODER), Arguments.of("pre-LN attention", PRE_LN));
    }

    static Network network(String json) {
        return TestNetworks.withRandomNorms(Architecture.parse(json), 17, Precision.FLOAT64);
    }

    /** Token ids for a network starting with an embedding, Gaussian inputs otherwise. */
    static Matrix inputs(Network net, int n, long seed) {
        if (!(net.layers().get(0) instanceof EmbeddingLayer e)) {
            return TestNetworks.inputs(net.inputDim(), n, seed, Precision.FLOAT64);
        }
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[net.inputDim() * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(e.numEmbeddings());
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, net.inputDim(), n, v);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void everyMethodAndModeMatchesForwardModeJacobian(String name, String json) {
        Network net = network(json);
        NtkAgreement.assertEveryMethodAndModeMatchesForwardMode(name, net, (n, seed) -> inputs(net, n, seed), true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void methodsMatchFiniteDifferenceJacobian(String name, String json) {
        Network net = network(json);
        NtkAgreement.assertMatchesFiniteDifferences(name, net, (n, seed) -> inputs(net, n, seed), NtkAgreement.CONCRETE_METHODS);
    }

    /** Both contractions of the per-position dense rule, and the embedding rule, against each layer's share. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void rulesMatchTheLayersShare(String name, String json) {
        Network net = network(json);
        int checked = NtkAgreement.assertRulesMatchLayersShare(name, net, (n, seed) -> inputs(net, n, seed), AttentionNtkTest::transformerRules, null);
        assertThat(checked).isPositive();
    }

    /** The rules of a transformer's parameterized kinds: embedding, and both contractions of the per-position dense rule. */
    static StructureRule[] transformerRules(Layer layer) {
        if (layer instanceof EmbeddingLayer) {
            return new StructureRule[] {new EmbeddingRule()};
        }
        if (layer instanceof PositionwiseDenseLayer) {
            return new StructureRule[] {new PositionwiseDenseRule(PositionwiseDenseRule.Contraction.WEIGHT_GRADIENT),
                    new PositionwiseDenseRule(PositionwiseDenseRule.Contraction.POSITION_GRAM), new PositionwiseDenseRule()};
        }
        return new StructureRule[0];
    }

    @Test
    void autoPlansTransformers() {
        Network net = network(ENCODER);
        NetworkShape shape = NetworkShape.of(net);
        assertThat(shape.positionwise()).hasSize(4); // in_proj, out_proj, the feed-forward pair
        assertThat(shape.embeddings()).hasSize(1);
        assertThat(shape.denseFans()).hasSize(1);
        for (NtkMode mode : NtkMode.values()) {
            NtkPlan plan = new EmpiricalNtk(net, mode, NtkMethod.AUTO).plan(64, 64, true);
            assertThat(plan.method()).isNotEqualTo(NtkMethod.AUTO);
            assertThat(plan.estimatedFlops()).isPositive();
        }
        // the contraction choice: few positions, wide maps → position Gram; long sequences → weight gradients
        assertThat(PositionwiseDenseRule.choose(4, 64, 64, 1, NtkMode.TRACE, 32, 32))
                .isEqualTo(PositionwiseDenseRule.Contraction.POSITION_GRAM);
        assertThat(PositionwiseDenseRule.choose(512, 16, 16, 1, NtkMode.TRACE, 32, 32))
                .isEqualTo(PositionwiseDenseRule.Contraction.WEIGHT_GRADIENT);
        // memory is that of the chosen contraction: long sequences never hold an (L·b)² position Gram
        assertThat(PositionwiseDenseRule.bytes(512, 16, 16, 1, NtkMode.TRACE, 1, 32, 32, 8))
                .isEqualTo(64L * 17 * 16 * 8);
    }

    @Test
    void float32AgreesWithFloat64() {
        Network net64 = network(ENCODER);
        Network net32 = TestNetworks.withRandomNorms(Architecture.parse(ENCODER), 17, Precision.FLOAT32);
        Matrix x = inputs(net64, 3, 7);
        NtkAgreement.assertFloat32TraceMatchesFloat64(net64, net32, x);
    }
}
