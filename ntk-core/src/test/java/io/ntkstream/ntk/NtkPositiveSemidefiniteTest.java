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
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Θ(x, x) = J(x)·J(x)ᵀ is a Gram matrix, so (reference: linear algebra, not our code) every
 * reshaping of it that is itself a Gram matrix is symmetric positive semidefinite:
 * <ul>
 *   <li>FULL as the (N·O)×(N·O) matrix with rows (i, o): Gram of the N·O Jacobian rows;</li>
 *   <li>DIAGONAL slice o, N×N: Gram of the rows J(x_i)[o, :];</li>
 *   <li>TRACE, N×N: Σ_o of those Grams;</li>
 *   <li>PSEUDO, N×N: (1/O)·Gram of the rows Σ_o J(x_i)[o, :].</li>
 * </ul>
 * Symmetry must be exact (the symmetric path computes each pair once); the smallest eigenvalue
 * (commons-math3 EigenDecomposition, independent of our GEMMs) may be negative only by rounding:
 * ≥ −1e-10·largest. Cases include a network with fewer parameters than N·O, whose FULL kernel is
 * singular, so eigenvalues sit at 0 up to rounding.
 */
class NtkPositiveSemidefiniteTest {
    private static final int N = 12;
    private static final int D = 5;
    private static final double NEGATIVE_TOLERANCE = 1e-10;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] hidden = {{16, 12}, {2}};
        for (Activation act : Activation.values()) {
            for (Parametrization p : Parametrization.values()) {
                for (int[] h : hidden) {
                    cases.add(Arguments.of(act, p, h));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} hidden={2}")
    @MethodSource("cases")
    void symmetricKernelIsExactlySymmetricAndPositiveSemidefinite(Activation act, Parametrization p, int[] hidden) {
        int outputs = 3;
        Architecture arch = TestNetworks.mlp(D, hidden, outputs, act, p, 1.3, 0.4, true);
        Network net = Networks.random(arch, 11, Precision.FLOAT64);
        Matrix x = TestNetworks.inputs(D, N, 7, Precision.FLOAT64);
        for (NtkMethod method : new NtkMethod[] {NtkMethod.JACOBIAN, NtkMethod.NTVP, NtkMethod.STRUCTURED}) {
            for (NtkMode mode : NtkMode.values()) {
                KernelBlock k = new EmpiricalNtk(net, mode, method).compute(x);
                String what = act + " " + p + " " + method + " " + mode;
                switch (mode) {
                    case TRACE, PSEUDO -> assertSymmetricPsd(square(k, 0), what);
                    case DIAGONAL -> {
                        for (int o = 0; o < outputs; o++) {
                            assertSymmetricPsd(square(k, o), what + " output " + o);
                        }
                    }
                    case FULL -> assertSymmetricPsd(fullMatrix(k, outputs), what);
                }
            }
        }
    }

    /** The N×N matrix of value k of every pair. */
    private static double[][] square(KernelBlock k, int value) {
        double[][] m = new double[k.rows()][k.cols()];
        for (int i = 0; i < k.rows(); i++) {
            for (int j = 0; j < k.cols(); j++) {
                m[i][j] = k.get(i, j, value);
            }
        }
        return m;
    }

    /** FULL (N, N, O, O) as (N·O)×(N·O): entry (i·O + o, j·O + o') = Θ[i, j, o, o']. */
    private static double[][] fullMatrix(KernelBlock k, int outputs) {
        int n = k.rows() * outputs;
        double[][] m = new double[n][n];
        for (int i = 0; i < k.rows(); i++) {
            for (int j = 0; j < k.cols(); j++) {
                for (int o = 0; o < outputs; o++) {
                    for (int q = 0; q < outputs; q++) {
                        m[i * outputs + o][j * outputs + q] = k.get(i, j, o * outputs + q);
                    }
                }
            }
        }
        return m;
    }

    private static void assertSymmetricPsd(double[][] m, String what) {
        int n = m.length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                // bitwise equality, not closeness
                assertThat(Double.doubleToLongBits(m[i][j])).as("%s: entry (%d,%d)=%s vs (%d,%d)=%s", what, i, j,
                        m[i][j], j, i, m[j][i]).isEqualTo(Double.doubleToLongBits(m[j][i]));
            }
            assertThat(m[i][i]).as("%s: diagonal %d is a squared norm", what, i).isGreaterThanOrEqualTo(0.0);
        }
        double[] eig = new EigenDecomposition(new Array2DRowRealMatrix(m, false)).getRealEigenvalues();
        double largest = Double.NEGATIVE_INFINITY;
        double smallest = Double.POSITIVE_INFINITY;
        for (double e : eig) {
            largest = Math.max(largest, e);
            smallest = Math.min(smallest, e);
        }
        assertThat(largest).as("%s: largest eigenvalue", what).isPositive();
        assertThat(smallest).as("%s: smallest eigenvalue (largest %s)", what, largest)
                .isGreaterThanOrEqualTo(-NEGATIVE_TOLERANCE * largest);
    }
}
