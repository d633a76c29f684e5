package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.BatchNormLayer;
import io.ntkstream.network.LayerNormLayer;
import io.ntkstream.network.Network;
import io.ntkstream.network.TestNetworks;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The NTK methods on residual and normalized networks, float64. References as in
 * {@link ConvNtkTest}: Θ from a forward-mode Jacobian (JVPs along every parameter basis vector, no
 * reverse mode, no structure) to 1e-10, and from a Jacobian of central finite differences of the
 * forward pass to 1e-6.
 */
public class ResidualNtkTest {

    /**
     * A two-block ResNet: a conv-bn-relu stem, a block with an identity shortcut, a block that
     * halves the resolution and doubles the channels with a 1x1 stride-2 conv shortcut (scaled branch).
     */
    public static final String RESNET = """
            {"input_shape":[2,6,6],"parametrization":"ntk","sigma_w":1.4,"sigma_b":0.2,"layers":[
             {"type":"conv2d","out":3,"kernel":3,"padding":1},{"type":"batch_norm"},{"type":"relu"},
             {"type":"residual","layers":[
               {"type":"conv2d","out":3,"kernel":3,"padding":1},{"type":"batch_norm"},{"type":"relu"},
               {"type":"conv2d","out":3,"kernel":3,"padding":1},{"type":"batch_norm"}]},
             {"type":"relu"},
             {"type":"residual","scale":0.7,"layers":[
               {"type":"conv2d","out":4,"kernel":3,"stride":2,"padding":1},{"type":"batch_norm"},{"type":"relu"},
               {"type":"conv2d","out":4,"kernel":3,"padding":1},{"type":"batch_norm"}],
              "shortcut":[{"type":"conv2d","out":4,"kernel":1,"stride":2}]},
             {"type":"relu"},{"type":"global_avg_pool"},{"type":"flatten"},{"type":"dense","out":3}]}""";

    /** A small MLP with layer norms, a residual dense block and a batch norm on flat features, standard parametrization. */
    public static final String LAYER_NORM_MLP = """
            {"input_dim":5,"parametrization":"standard","sigma_w":1.3,"sigma_b":0.4,"layers":[
             {"type":"dense","out":6},{"type":"layer_norm"},{"type":"gelu"},
             {"type":"residual","layers":[{"type":"dense","out":6},{"type":"tanh"},{"type":"dense","out":6}]},
             {"type":"layer_norm","eps":0.01},{"type":"batch_norm"},{"type":"erf"},{"type":"dense","out":2}]}""";

    /** Norm layers without affine parameters, a residual block with a dense shortcut and a nested block. */
    public static final String NESTED = """
            {"input_shape":[2,5],"parametrization":"ntk","sigma_w":1.2,"sigma_b":0.3,"layers":[
             {"type":"conv1d","out":3,"kernel":2},{"type":"layer_norm","affine":false},
             {"type":"residual","layers":[
               {"type":"conv1d","out":3,"kernel":3,"padding":1},{"type":"relu"},
               {"type":"residual","layers":[{"type":"batch_norm"},{"type":"conv1d","out":3,"kernel":1}]}],
              "shortcut":[{"type":"batch_norm","affine":false}]},
             {"type":"flatten"},
             {"type":"residual","scale":-0.5,"layers":[{"type":"dense","out":2}],"shortcut":[{"type":"dense","out":2,"bias":false}]}]}""";

    static Stream<Arguments> networks() {
        return Stream.of(Arguments.of("resnet", RESNET), Arguments.of("layer-norm MLP", LAYER_NORM_MLP),
                Arguments.of("nested blocks", NESTED));
    }

    static Network network(String json) {
        return TestNetworks.withRandomNorms(Architecture.parse(json), 23, Precision.FLOAT64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void everyMethodAndModeMatchesForwardModeJacobian(String name, String json) {
        Network net = network(json);
        NtkAgreement.assertEveryMethodAndModeMatchesForwardMode(name, net, NtkAgreement.gaussian(net), false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void methodsMatchFiniteDifferenceJacobian(String name, String json) {
        Network net = network(json);
        NtkAgreement.assertMatchesFiniteDifferences(name, net, NtkAgreement.gaussian(net), NtkAgreement.CONCRETE_METHODS);
    }

    /** A residual block first: its branch's convolution reads the caller's inputs directly. */
    static final String RESIDUAL_FIRST = """
            {"input_shape":[2,5,5],"parametrization":"ntk","sigma_w":1.3,"sigma_b":0.2,"layers":[
             {"type":"residual","layers":[{"type":"conv2d","out":2,"kernel":3,"padding":1},{"type":"relu"},
                                          {"type":"conv2d","out":2,"kernel":3,"padding":1}]},
             {"type":"relu"},{"type":"flatten"},{"type":"dense","out":2}]}""";

    /**
     * Structured features computed in passes of 2 samples equal one pass over all 7: the same kernel
     * against themselves and another block, the same outputs.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void featuresFromSeveralPassesEqualOnePass(String name, String json) {
        for (String arch : new String[] {json, RESIDUAL_FIRST}) {
            Network net = network(arch);
            Matrix x = TestNetworks.inputs(net.inputDim(), 7, 76, Precision.FLOAT64);
            Matrix other = TestNetworks.inputs(net.inputDim(), 3, 77, Precision.FLOAT64);
            for (NtkMode mode : NtkMode.values()) {
                try (NtkFeatures whole = StructuredNtk.features(net, mode, x, Integer.MAX_VALUE);
                     NtkFeatures parts = StructuredNtk.features(net, mode, x, 2);
                     NtkFeatures against = StructuredNtk.features(net, mode, other)) {
                    String what = name + (arch.equals(json) ? "" : " (residual first)") + " " + mode;
                    assertThat(parts.samples()).isEqualTo(7);
                    assertThat(parts.networkOutput().toColumnMajor()).as(what)
                            .containsExactly(whole.networkOutput().toColumnMajor(), Offset.offset(1e-12));
                    assertThat(StructuredNtk.kernel(parts, against).values()).as(what)
                            .containsExactly(StructuredNtk.kernel(whole, against).values(), Offset.offset(1e-12));
                    assertThat(StructuredNtk.kernel(parts, parts).values()).as(what)
                            .containsExactly(StructuredNtk.kernel(whole, whole).values(), Offset.offset(1e-12));
                }
            }
        }
    }

    /** The norm rule alone against the norm layers' share of the forward-mode Θ (their parameters' Jacobian columns). */
    @Test
    void normRuleMatchesTheLayersShare() {
        for (String json : new String[] {RESNET, LAYER_NORM_MLP}) {
            Network net = network(json);
            int checked = NtkAgreement.assertRulesMatchLayersShare("norm", net, NtkAgreement.gaussian(net),
                    layer -> layer instanceof LayerNormLayer || layer instanceof BatchNormLayer
                            ? new StructureRule[] {new NormRule()} : new StructureRule[0], null);
            assertThat(checked).isPositive();
        }
    }

    @Test
    void autoPlansResidualNetworks() {
        Network net = network(RESNET);
        NetworkShape shape = NetworkShape.of(net);
        assertThat(shape.convs()).hasSize(6);
        assertThat(shape.norms()).hasSize(5);
        for (NtkMode mode : NtkMode.values()) {
            NtkPlan plan = new EmpiricalNtk(net, mode, NtkMethod.AUTO).plan(64, 64, true);
            assertThat(plan.method()).isNotEqualTo(NtkMethod.AUTO);
            assertThat(plan.estimatedFlops()).isPositive();
        }
    }

    @Test
    void float32AgreesWithFloat64() {
        Network net64 = network(RESNET);
        Network net32 = TestNetworks.withRandomNorms(Architecture.parse(RESNET), 23, Precision.FLOAT32);
        Matrix x = TestNetworks.inputs(net64.inputDim(), 3, 7, Precision.FLOAT64);
        NtkAgreement.assertFloat32TraceMatchesFloat64(net64, net32, x);
    }
}
