package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Layer;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.ParameterLayer;
import io.ntkstream.network.TestNetworks;
import java.util.function.Function;
import org.assertj.core.data.Offset;

/**
 * The checks the architecture tests ({@link ConvNtkTest}, {@link ResidualNtkTest},
 * {@link AttentionNtkTest}) share, on float64 networks: every method and mode against Θ from a
 * forward-mode Jacobian ({@link NtkMethodsAgreementTest#referenceFull}, to 1e-10), full Θ against a
 * Jacobian of central finite differences of the forward pass (to 1e-6), a layer's share of Θ for its
 * structure rule, and float32 against float64.
 */
final class NtkAgreement {
    /** The methods that compute Θ themselves (all but AUTO). */
    static final NtkMethod[] CONCRETE_METHODS = {NtkMethod.JACOBIAN, NtkMethod.NTVP, NtkMethod.STRUCTURED};

    private NtkAgreement() {}

    /** n input samples (columns) drawn from a seed. */
    @FunctionalInterface
    interface Inputs {
        Matrix make(int n, long seed);
    }

    /** N(0, 1) inputs of the network's input dimension, float64. */
    static Inputs gaussian(Network net) {
        return (n, seed) -> TestNetworks.inputs(net.inputDim(), n, seed, Precision.FLOAT64);
    }

    /** {@link #assertEveryMethodAndModeMatchesForwardMode(String, Network, Matrix, Matrix, boolean)} on 4 and 3 samples (seeds 1, 2). */
    static void assertEveryMethodAndModeMatchesForwardMode(String name, Network net, Inputs inputs, boolean againstJacobianMethod) {
        assertEveryMethodAndModeMatchesForwardMode(name, net, inputs.make(4, 1), inputs.make(3, 2), againstJacobianMethod);
    }

    /** {@link #assertMatchesFiniteDifferences(String, Network, Matrix, Matrix, NtkMethod...)} on 3 and 2 samples (seeds 3, 4). */
    static void assertMatchesFiniteDifferences(String name, Network net, Inputs inputs, NtkMethod... methods) {
        assertMatchesFiniteDifferences(name, net, inputs.make(3, 3), inputs.make(2, 4), methods);
    }

    /**
     * On 3 and 2 samples (seeds 5, 6), in every mode: for each layer {@code rulesFor} gives rules
     * (an empty array: none), each rule's block against that parameter layer's share of the
     * forward-mode Θ ({@link #layerShare}); with a {@code selfReference} rule, each rule's (x1, x1)
     * block also value by value against the reference rule's, to 1e-10·(1 + |value|). Returns the
     * number of (mode, layer, rule) checked.
     */
    static int assertRulesMatchLayersShare(String name, Network net, Inputs inputs,
                                           Function<Layer, StructureRule[]> rulesFor, StructureRule selfReference) {
        Matrix x1 = inputs.make(3, 5);
        Matrix x2 = inputs.make(2, 6);
        double[][][] j1 = NtkMethodsAgreementTest.forwardModeJacobian(net, x1);
        double[][][] j2 = NtkMethodsAgreementTest.forwardModeJacobian(net, x2);
        int o = net.outputDim();
        int checked = 0;
        for (NtkMode mode : NtkMode.values()) {
            NtkFeatures f1 = StructuredNtk.features(net, mode, x1);
            NtkFeatures f2 = StructuredNtk.features(net, mode, x2);
            for (int l = 0; l < f1.layers().size(); l++) {
                Layer layer = f1.layers().get(l).layer();
                StructureRule[] rules = rulesFor.apply(layer);
                if (rules.length == 0) {
                    continue;
                }
                ParameterLayer p = (ParameterLayer) layer;
                double[][][][] share = layerShare(j1, j2, p);
                for (int r = 0; r < rules.length; r++) {
                    String what = name + " layer " + p.module() + " rule " + r + " " + mode;
                    KernelBlock k = KernelBlock.zeros(x1.cols(), x2.cols(), mode.valuesPerPair(o));
                    rules[r].accumulate(f1.layers().get(l), f2.layers().get(l), mode, o, k);
                    NtkMethodsAgreementTest.assertMatches(k, share, mode, o, what);
                    if (selfReference != null) {
                        KernelBlock self = KernelBlock.zeros(x1.cols(), x1.cols(), mode.valuesPerPair(o));
                        rules[r].accumulate(f1.layers().get(l), f1.layers().get(l), mode, o, self);
                        KernelBlock reference = KernelBlock.zeros(x1.cols(), x1.cols(), mode.valuesPerPair(o));
                        selfReference.accumulate(f1.layers().get(l), f1.layers().get(l), mode, o, reference);
                        assertValuesClose(self.values(), reference.values(), 1e-10, what + " self vs reference rule");
                    }
                    checked++;
                }
            }
            f1.close();
            f2.close();
        }
        return checked;
    }

    /**
     * Every method in every mode, on (x1, x2) and on x1 alone, against the forward-mode Θ to 1e-10.
     * With {@code againstJacobianMethod}, each (x1, x2) block also value by value against the
     * JACOBIAN method's, to 1e-10 of that block's largest value.
     */
    static void assertEveryMethodAndModeMatchesForwardMode(String name, Network net, Matrix x1, Matrix x2,
                                                           boolean againstJacobianMethod) {
        double[][][][] reference = NtkMethodsAgreementTest.referenceFull(net, x1, x2);
        double[][][][] symmetricReference = NtkMethodsAgreementTest.referenceFull(net, x1, x1);
        for (NtkMode mode : NtkMode.values()) {
            KernelBlock jacobian = againstJacobianMethod ? new EmpiricalNtk(net, mode, NtkMethod.JACOBIAN).compute(x1, x2) : null;
            for (NtkMethod method : NtkMethod.values()) {
                KernelBlock k = new EmpiricalNtk(net, mode, method).compute(x1, x2);
                NtkMethodsAgreementTest.assertMatches(k, reference, mode, net.outputDim(), name + " " + method + " " + mode);
                if (jacobian != null) {
                    double scale = maxAbs(jacobian.values());
                    for (int v = 0; v < k.values().length; v++) {
                        assertThat(k.values()[v]).as("%s %s %s vs jacobian [%d]", name, method, mode, v)
                                .isCloseTo(jacobian.values()[v], Offset.offset(1e-10 * scale));
                    }
                }
                KernelBlock s = new EmpiricalNtk(net, mode, method).compute(x1);
                NtkMethodsAgreementTest.assertMatches(s, symmetricReference, mode, net.outputDim(),
                        name + " " + method + " " + mode + " symmetric");
            }
        }
    }

    /** Full-mode Θ(x1, x2) of each method against Jᶠᵈ(x1)·Jᶠᵈ(x2)ᵀ, to 1e-6·max(1, |Θ|). */
    static void assertMatchesFiniteDifferences(String name, Network net, Matrix x1, Matrix x2, NtkMethod... methods) {
        double[][][] j1 = finiteDifferenceJacobian(net, x1);
        double[][][] j2 = finiteDifferenceJacobian(net, x2);
        int o = net.outputDim();
        for (NtkMethod method : methods) {
            KernelBlock k = new EmpiricalNtk(net, NtkMode.FULL, method).compute(x1, x2);
            for (int i = 0; i < x1.cols(); i++) {
                for (int j = 0; j < x2.cols(); j++) {
                    for (int a = 0; a < o; a++) {
                        for (int b = 0; b < o; b++) {
                            double fd = 0;
                            for (int p = 0; p < net.paramCount(); p++) {
                                fd += j1[i][a][p] * j2[j][b][p];
                            }
                            assertThat(k.get(i, j, a * o + b)).as("%s %s [%d,%d,%d,%d]", name, method, i, j, a, b)
                                    .isCloseTo(fd, Offset.offset(1e-6 * Math.max(1.0, Math.abs(fd))));
                        }
                    }
                }
            }
        }
    }

    /** A parameter layer's share of the full Θ: its own columns of the two Jacobians contracted, [i][j][a][b]. */
    static double[][][][] layerShare(double[][][] j1, double[][][] j2, ParameterLayer layer) {
        int o = j1.length == 0 ? 0 : j1[0].length;
        double[][][][] share = new double[j1.length][j2.length][o][o];
        for (int i = 0; i < j1.length; i++) {
            for (int j = 0; j < j2.length; j++) {
                for (int a = 0; a < o; a++) {
                    for (int b = 0; b < o; b++) {
                        for (int p = layer.paramOffset(); p < layer.paramOffset() + layer.paramCount(); p++) {
                            share[i][j][a][b] += j1[i][a][p] * j2[j][b][p];
                        }
                    }
                }
            }
        }
        return share;
    }

    /** TRACE-mode Θ(x, x) of each method on the float32 network against JACOBIAN on the float64 one, to 1e-4·|Θ₀₀|. */
    static void assertFloat32TraceMatchesFloat64(Network net64, Network net32, Matrix x) {
        KernelBlock ref = new EmpiricalNtk(net64, NtkMode.TRACE, NtkMethod.JACOBIAN).compute(x);
        for (NtkMethod method : CONCRETE_METHODS) {
            KernelBlock k = new EmpiricalNtk(net32, NtkMode.TRACE, method).compute(x);
            for (int i = 0; i < x.cols(); i++) {
                for (int j = 0; j < x.cols(); j++) {
                    assertThat(k.get(i, j, 0)).as("%s [%d,%d]", method, i, j)
                            .isCloseTo(ref.get(i, j, 0), Offset.offset(1e-4 * Math.abs(ref.get(0, 0, 0))));
                }
            }
        }
    }

    /** Each value against its reference, to {@code relative}·(1 + |reference|). */
    static void assertValuesClose(double[] actual, double[] expected, double relative, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int v = 0; v < expected.length; v++) {
            assertThat(actual[v]).as("%s [%d]", what, v)
                    .isCloseTo(expected[v], Offset.offset(relative * (1 + Math.abs(expected[v]))));
        }
    }

    static double maxAbs(double[] values) {
        double scale = 0;
        for (double v : values) {
            scale = Math.max(scale, Math.abs(v));
        }
        return scale;
    }

    /** J[s][o][p] = (f_o(θ + εe_p; x_s) − f_o(θ − εe_p; x_s)) / 2ε. */
    static double[][][] finiteDifferenceJacobian(Network net, Matrix x) {
        double eps = 1e-6;
        double[] theta = Networks.flatten(net);
        double[][][] jac = new double[x.cols()][net.outputDim()][theta.length];
        for (int p = 0; p < theta.length; p++) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[p] += eps;
            minus[p] -= eps;
            Matrix fp = Networks.fromTensors(net.architecture(), Networks.toTensors(net, plus), Precision.FLOAT64).apply(x);
            Matrix fm = Networks.fromTensors(net.architecture(), Networks.toTensors(net, minus), Precision.FLOAT64).apply(x);
            for (int s = 0; s < x.cols(); s++) {
                for (int o = 0; o < net.outputDim(); o++) {
                    jac[s][o][p] = (fp.get(o, s) - fm.get(o, s)) / (2 * eps);
                }
            }
        }
        return jac;
    }
}
