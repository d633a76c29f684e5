package io.ntkstream.network;

import static io.ntkstream.network.FiniteDifferences.shifted;
import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** JVP and VJP against central finite differences of the forward pass (float64). */
class NetworkDerivativesTest {

    static Stream<Arguments> cases() {
        return Stream.of(Activation.values()).flatMap(a -> Stream.of(Parametrization.values())
                .map(p -> Arguments.of(a, p)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void jvpAndVjpMatchFiniteDifferences(Activation act, Parametrization p) {
        Architecture arch = TestNetworks.mlp(3, new int[] {5, 4}, 2, act, p, 1.3, 0.4, true);
        Network net = Networks.random(arch, 11, Precision.FLOAT64);
        Matrix x = TestNetworks.inputs(3, 4, 5, Precision.FLOAT64);
        double[] theta = Networks.flatten(net);
        SplittableRandom r = new SplittableRandom(7);
        double[] v = new double[theta.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = TestNetworks.gaussian(r);
        }

        // (f(θ + εv) − f(θ − εv)) / 2ε, O(ε²) accurate
        double eps = 1e-5;
        Matrix plus = shifted(net, theta, v, eps).apply(x);
        Matrix minus = shifted(net, theta, v, -eps).apply(x);
        Matrix jvp = net.jvp(x, Matrix.fromColumnMajor(Precision.FLOAT64, v.length, 1, v));
        for (int n = 0; n < x.cols(); n++) {
            for (int o = 0; o < 2; o++) {
                double fd = (plus.get(o, n) - minus.get(o, n)) / (2 * eps);
                assertThat(jvp.get(o, n)).as("JVP output %d sample %d", o, n).isCloseTo(fd, within(fd));
            }
        }

        // VJP: ⟨c, J v⟩ must equal ⟨Jᵀc, v⟩, with J v from finite differences
        double[] c = {0.3, -1.1, 0.7, 0.2, -0.5, 0.9, 1.4, -0.8};
        Matrix cot = Matrix.fromColumnMajor(Precision.FLOAT64, 2, 4, c);
        Matrix vjp = net.vjp(x, cot);
        double lhs = 0;
        for (int n = 0; n < 4; n++) {
            for (int o = 0; o < 2; o++) {
                lhs += cot.get(o, n) * (plus.get(o, n) - minus.get(o, n)) / (2 * eps);
            }
        }
        double rhs = 0;
        for (int i = 0; i < v.length; i++) {
            rhs += vjp.getLinear(i) * v[i];
        }
        assertThat(rhs).isCloseTo(lhs, within(lhs));
    }

    private static org.assertj.core.data.Offset<Double> within(double ref) {
        return org.assertj.core.data.Offset.offset(1e-7 * Math.max(1.0, Math.abs(ref)));
    }
}
