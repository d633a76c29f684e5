package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.TestNetworks;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The three algorithms against an independent reference: Θ = J1·J2ᵀ with J built column by
 * column from forward-mode JVPs along the parameter basis vectors (no reverse mode, no structure),
 * contracted by plain loops. float64, relative tolerance 1e-10.
 */
class NtkMethodsAgreementTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] hidden = {{}, {6}, {5, 7}, {4, 6, 5}};
        for (int depth = 0; depth < hidden.length; depth++) {
            for (int outputs : new int[] {1, 3}) {
                for (boolean bias : new boolean[] {true, false}) {
                    Parametrization p = (depth + outputs) % 2 == 0 ? Parametrization.NTK : Parametrization.STANDARD;
                    Activation act = Activation.values()[(depth * 2 + outputs + (bias ? 1 : 0)) % Activation.values().length];
                    cases.add(Arguments.of(hidden[depth], outputs, bias, p, act));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "hidden={0} O={1} bias={2} {3} {4}")
    @MethodSource("cases")
    void everyMethodAndModeMatchesForwardModeJacobian(int[] hidden, int outputs, boolean bias, Parametrization p,
                                                      Activation act) {
        Architecture arch = TestNetworks.mlp(4, hidden, outputs, act, p, 1.4, bias ? 0.5 : 0.0, bias);
        Network net = Networks.random(arch, 3, Precision.FLOAT64);
        Matrix x1 = TestNetworks.inputs(4, 5, 1, Precision.FLOAT64);
        Matrix x2 = TestNetworks.inputs(4, 3, 2, Precision.FLOAT64);
        double[][][][] reference = referenceFull(net, x1, x2);
        for (NtkMode mode : NtkMode.values()) {
            for (NtkMethod method : NtkMethod.values()) {
                KernelBlock k = new EmpiricalNtk(net, mode, method).compute(x1, x2);
                assertMatches(k, reference, mode, outputs, method + " " + mode);
                // symmetric case: Θ(x1, x1) exactly symmetric and equal to the reference
                KernelBlock s = new EmpiricalNtk(net, mode, method).compute(x1);
                assertMatches(s, referenceFull(net, x1, x1), mode, outputs, method + " " + mode + " symmetric");
            }
        }
    }

    static void assertMatches(KernelBlock k, double[][][][] ref, NtkMode mode, int outputs, String what) {
        double scale = 0;
        for (double[][][] a : ref) for (double[][] b : a) for (double[] c : b) for (double v : c) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < ref.length; i++) {
            for (int j = 0; j < ref[0].length; j++) {
                for (int kk = 0; kk < mode.valuesPerPair(outputs); kk++) {
                    double expected = reduce(ref[i][j], mode, kk, outputs);
                    assertThat(k.get(i, j, kk)).as("%s [%d,%d,%d]", what, i, j, kk)
                            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-10 * scale));
                }
            }
        }
    }

    static double reduce(double[][] block, NtkMode mode, int k, int outputs) {
        return switch (mode) {
            case FULL -> block[k / outputs][k % outputs];
            case DIAGONAL -> block[k][k];
            case TRACE -> {
                double s = 0;
                for (int o = 0; o < outputs; o++) s += block[o][o];
                yield s;
            }
            case PSEUDO -> {
                double s = 0;
                for (double[] row : block) for (double v : row) s += v;
                yield s / outputs;
            }
        };
    }

    /** Θ[i][j][o][o'] = Σ_p J(x1_i)[o,p]·J(x2_j)[o',p] with J from P forward-mode JVPs. */
    static double[][][][] referenceFull(Network net, Matrix x1, Matrix x2) {
        double[][][] j1 = forwardModeJacobian(net, x1);
        double[][][] j2 = forwardModeJacobian(net, x2);
        int o = net.outputDim();
        double[][][][] theta = new double[x1.cols()][x2.cols()][o][o];
        for (int i = 0; i < x1.cols(); i++)
            for (int j = 0; j < x2.cols(); j++)
                for (int a = 0; a < o; a++)
                    for (int b = 0; b < o; b++) {
                        double s = 0;
                        for (int p = 0; p < net.paramCount(); p++) s += j1[i][a][p] * j2[j][b][p];
                        theta[i][j][a][b] = s;
                    }
        return theta;
    }

    static double[][][] forwardModeJacobian(Network net, Matrix x) {
        int pCount = net.paramCount();
        Matrix basis = Matrix.zeros(Precision.FLOAT64, pCount, pCount);
        for (int p = 0; p < pCount; p++) basis.set(p, p, 1.0);
        Matrix jvp = net.jvp(x, basis); // O x (P·N), column p·N + n
        int n = x.cols();
        double[][][] jac = new double[n][net.outputDim()][pCount];
        for (int p = 0; p < pCount; p++)
            for (int s = 0; s < n; s++)
                for (int o = 0; o < net.outputDim(); o++) jac[s][o][p] = jvp.get(o, p * n + s);
        return jac;
    }
}
