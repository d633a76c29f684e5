package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.ConvLayer;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.ParameterLayer;
import io.ntkstream.network.TestNetworks;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The NTK methods on small convolutional networks, float64. Independent references: Θ from a
 * Jacobian built by forward-mode JVPs along every parameter basis vector (no reverse mode, no
 * structure; {@link NtkMethodsAgreementTest#referenceFull}), to 1e-10; and Θ from a Jacobian of
 * central finite differences of the forward pass, to 1e-6 (the differences' own error).
 */
class ConvNtkTest {

    /** The brief's small CNN: conv2d-relu-avg_pool-conv2d-relu-global_avg_pool-flatten-dense. */
    static final String SMALL_CNN = """
            {"input_shape":[2,6,6],"parametrization":"ntk","sigma_w":1.4,"sigma_b":0.3,"layers":[
             {"type":"conv2d","out":3,"kernel":3,"padding":1},{"type":"relu"},{"type":"avg_pool","kernel":2},
             {"type":"conv2d","out":4,"kernel":3,"padding":1},{"type":"relu"},{"type":"global_avg_pool"},
             {"type":"flatten"},{"type":"dense","out":2}]}""";

    /** Every other kind and option: conv1d with stride/dilation/groups, max_pool, no-bias conv, standard parametrization. */
    static final String CONV1D_NET = """
            {"input_shape":[2,11],"parametrization":"standard","sigma_w":1.2,"sigma_b":0.2,"layers":[
             {"type":"conv1d","out":4,"kernel":3,"stride":2,"padding":2,"dilation":2},{"type":"tanh"},
             {"type":"max_pool","kernel":2,"padding":1},
             {"type":"conv1d","out":4,"kernel":2,"groups":2,"bias":false},{"type":"gelu"},
             {"type":"flatten"},{"type":"dense","out":3}]}""";

    /** Strided, depthwise (groups = channels) and dilated 2-D convolutions, max and average pooling, no dense layer. */
    static final String DEPTHWISE_NET = """
            {"input_shape":[3,7,6],"parametrization":"ntk","sigma_w":1.3,"sigma_b":0.5,"layers":[
             {"type":"conv2d","out":3,"kernel":[3,2],"groups":3,"stride":[2,1],"padding":1},{"type":"erf"},
             {"type":"max_pool","kernel":[2,3],"stride":1},
             {"type":"conv2d","out":2,"kernel":2,"dilation":[1,2],"padding":[0,1]},{"type":"relu"},
             {"type":"avg_pool","kernel":2,"stride":1,"padding":1},{"type":"flatten"}]}""";

    static Stream<Arguments> networks() {
        return Stream.of(Arguments.of("small CNN", SMALL_CNN), Arguments.of("conv1d net", CONV1D_NET),
                Arguments.of("depthwise net", DEPTHWISE_NET));
    }

    private static Network network(String json) {
        return Networks.random(Architecture.parse(json), 17, Precision.FLOAT64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void everyMethodAndModeMatchesForwardModeJacobian(String name, String json) {
        Network net = network(json);
        NtkAgreement.assertEveryMethodAndModeMatchesForwardMode(name, net, NtkAgreement.gaussian(net), false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void jacobianContractionMatchesFiniteDifferenceJacobian(String name, String json) {
        Network net = network(json);
        NtkAgreement.assertMatchesFiniteDifferences(name, net, NtkAgreement.gaussian(net), NtkMethod.JACOBIAN, NtkMethod.STRUCTURED);
    }

    /** Both contractions of the convolution rule, forced, against the layer's own share of the forward-mode Θ. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void bothConvolutionContractionsMatchTheLayersShare(String name, String json) {
        Network net = network(json);
        StructureRule[] forced = Stream.of(ConvRule.Contraction.values()).map(ConvRule::new).toArray(StructureRule[]::new);
        int checked = NtkAgreement.assertRulesMatchLayersShare(name, net, NtkAgreement.gaussian(net),
                layer -> layer instanceof ConvLayer ? forced : new StructureRule[0], new ConvRule());
        assertThat(checked).isPositive();
    }

    /** The streaming path (per-sample features, then kernel rows from them) on a CNN. */
    @Test
    void featureKernelOfACnnMatchesTheJacobianMethod() {
        Network net = network(SMALL_CNN);
        Matrix x1 = TestNetworks.inputs(net.inputDim(), 3, 8, Precision.FLOAT64);
        Matrix x2 = TestNetworks.inputs(net.inputDim(), 4, 9, Precision.FLOAT64);
        for (NtkMode mode : new NtkMode[] {NtkMode.TRACE, NtkMode.PSEUDO}) {
            io.ntkstream.kernel.EmpiricalNtkKernel kernel = new io.ntkstream.kernel.EmpiricalNtkKernel(net, mode);
            double[] cross = kernel.cross(kernel.featurize(x1), kernel.featurize(x2));
            KernelBlock reference = new EmpiricalNtk(net, mode, NtkMethod.JACOBIAN).compute(x1, x2);
            double scale = mode == NtkMode.TRACE ? 1.0 / net.outputDim() : 1.0;
            for (int v = 0; v < cross.length; v++) {
                assertThat(cross[v]).as("%s %d", mode, v)
                        .isCloseTo(scale * reference.values()[v], Offset.offset(1e-10 * (1 + Math.abs(reference.values()[v]))));
            }
        }
    }

    /** float32 networks (the engine's usual precision) agree with float64 to float32 rounding. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void float32MatchesFloat64(String name, String json) {
        Architecture arch = Architecture.parse(json);
        var tensors = Networks.randomTensors(arch, 17);
        Network net64 = Networks.fromTensors(arch, tensors, Precision.FLOAT64);
        Network net32 = Networks.fromTensors(arch, tensors, Precision.FLOAT32);
        Matrix x = TestNetworks.inputs(net64.inputDim(), 4, 1, Precision.FLOAT64);
        KernelBlock reference = new EmpiricalNtk(net64, NtkMode.FULL, NtkMethod.JACOBIAN).compute(x);
        double scale = NtkAgreement.maxAbs(reference.values());
        for (NtkMethod method : NtkAgreement.CONCRETE_METHODS) {
            KernelBlock k = new EmpiricalNtk(net32, NtkMode.FULL, method).compute(x);
            for (int v = 0; v < k.values().length; v++) {
                assertThat(k.values()[v]).as("%s %s float32 [%d]", name, method, v)
                        .isCloseTo(reference.values()[v], Offset.offset(1e-4 * scale));
            }
        }
    }

    @Test
    void autoPicksAMethodForConvolutionalNetworks() {
        Network net = network(SMALL_CNN);
        for (NtkMode mode : NtkMode.values()) {
            NtkPlan plan = new EmpiricalNtk(net, mode, NtkMethod.AUTO).plan(64, 64, true);
            assertThat(plan.method()).isNotEqualTo(NtkMethod.AUTO);
            assertThat(plan.estimatedFlops()).isPositive();
        }
        NetworkShape shape = NetworkShape.of(net);
        assertThat(shape.convs()).hasSize(2);
        // conv 2→3 (3x3 on 6x6, 36 positions) + conv 3→4 (3x3 on 3x3, 9 positions) + dense 4→2, plus the 2x2 pool
        assertThat(shape.macsPerSample()).isEqualTo(3 * 18 * 36 + 4 * 27 * 9 + 4 * 2 + 3 * 9 * 4);
        for (ParameterLayer l : net.parameterLayers()) {
            assertThat(l.paramCount()).isPositive();
        }
    }
}
