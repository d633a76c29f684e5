package io.ntkstream.meta;

import io.ntkstream.testing.DenseReference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.KernelState;
import io.ntkstream.kernel.TrainingTime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.TestNetworks;
import io.ntkstream.ntk.NtkMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@link Displacement} and {@link Reptile} against an explicit Jacobian built column by column from
 * forward-mode JVPs along the parameter basis vectors (no reverse mode, no structured features),
 * contracted by plain loops: Δθ = J(X)ᵀC, and the linearized prediction f0(x) + J(x)Δθ against
 * the regression μ(x) of {@link KernelState} (t = ∞ and finite t) — the identity behind the
 * Reptile step. float64.
 */
class DisplacementTest {
    static final int D = 2;
    static final int N = 7;
    static final int M = 4;

    /** J[s][o][p] for the columns of x, from P forward-mode JVPs. */
    static double[][][] jacobian(Network net, Matrix x) {
        int p = net.paramCount();
        int n = x.cols();
        double[][][] jac = new double[n][net.outputDim()][p];
        try (Matrix basis = Matrix.zeros(Precision.FLOAT64, p, p)) {
            for (int i = 0; i < p; i++) {
                basis.set(i, i, 1.0);
            }
            try (Matrix jvp = net.jvp(x, basis)) { // O x (P·N), column p·N + s
                for (int q = 0; q < p; q++) {
                    for (int s = 0; s < n; s++) {
                        for (int o = 0; o < net.outputDim(); o++) {
                            jac[s][o][q] = jvp.get(o, q * n + s);
                        }
                    }
                }
            }
        }
        return jac;
    }

    /** J(x)·v for every column of x: n x O. */
    static double[][] apply(double[][][] jac, double[] v) {
        double[][] out = new double[jac.length][jac[0].length];
        for (int s = 0; s < jac.length; s++) {
            for (int o = 0; o < jac[s].length; o++) {
                for (int p = 0; p < v.length; p++) {
                    out[s][o] += jac[s][o][p] * v[p];
                }
            }
        }
        return out;
    }

    static double[][] f0(Network net, Matrix x) {
        double[][] f = new double[x.cols()][net.outputDim()];
        try (Matrix out = net.apply(x)) {
            for (int s = 0; s < x.cols(); s++) {
                for (int o = 0; o < net.outputDim(); o++) {
                    f[s][o] = out.get(o, s);
                }
            }
        }
        return f;
    }

    static Network network(int outputs, Activation act, int width) {
        return Networks.random(TestNetworks.mlp(D, new int[] {width, width}, outputs, act, Parametrization.NTK, 1.4,
                0.3, true), 5 + outputs, Precision.FLOAT64);
    }

    static KernelState state(EmpiricalNtkKernel kernel, Matrix x, double ridge) {
        SplittableRandom r = new SplittableRandom(9);
        double[][] y = new double[x.cols()][kernel.outputs()];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < x.cols(); i++) {
            ids.add("s" + i);
            for (int o = 0; o < kernel.outputs(); o++) {
                y[i][o] = Math.sin(x.get(0, i) + o) + 0.5 * x.get(1, i) + 0.1 * TestNetworks.gaussian(r);
            }
        }
        KernelState s = new KernelState(kernel, ridge);
        s.addAll(ids, x, y);
        return s;
    }

    static void assertClose(double[][] actual, double[][] expected, double relative, String what) {
        double scale = DenseReference.maxAbs(expected);
        for (int i = 0; i < expected.length; i++) {
            for (int o = 0; o < expected[i].length; o++) {
                assertThat(actual[i][o]).as("%s [%d][%d]", what, i, o)
                        .isCloseTo(expected[i][o], Offset.offset(relative * scale));
            }
        }
    }

    @Test
    void vjpMatchesTheExplicitJacobian() {
        for (int outputs : new int[] {1, 3}) {
            Network net = network(outputs, Activation.TANH, 6);
            SplittableRandom r = new SplittableRandom(outputs);
            try (Matrix x = TestNetworks.inputs(D, N, 1, Precision.FLOAT64)) {
                double[][] c = new double[N][outputs];
                for (double[] row : c) {
                    for (int o = 0; o < outputs; o++) {
                        row[o] = TestNetworks.gaussian(r);
                    }
                }
                double[][][] jac = jacobian(net, x);
                double[] expected = new double[net.paramCount()];
                for (int s = 0; s < N; s++) {
                    for (int o = 0; o < outputs; o++) {
                        for (int p = 0; p < expected.length; p++) {
                            expected[p] += jac[s][o][p] * c[s][o];
                        }
                    }
                }
                double[] actual = Displacement.of(net, x, c);
                double scale = 0;
                for (double v : expected) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertThat(actual).hasSize(expected.length);
                for (int p = 0; p < expected.length; p++) {
                    assertThat(actual[p]).as("O=%d Δθ[%d]", outputs, p).isCloseTo(expected[p],
                            Offset.offset(1e-12 * scale));
                }
            }
        }
    }

    @Test
    void linearizedDisplacementReproducesTheRegressionForOneOutput() {
        Network net = network(1, Activation.RELU, 16);
        for (NtkMode mode : new NtkMode[] {NtkMode.TRACE, NtkMode.PSEUDO}) {
            EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, mode);
            try (Matrix x = TestNetworks.inputs(D, N, 2, Precision.FLOAT64);
                 Matrix q = TestNetworks.inputs(D, M, 3, Precision.FLOAT64);
                 KernelState state = state(kernel, x, 0.01)) {
                double[][][] jq = jacobian(net, q);
                double[][] f0 = f0(net, q);
                // t = ∞: μ = f0 + k(x,X)(K + λI)⁻¹R
                double[][] lin = apply(jq, Displacement.of(state, HyperParameters.ridge(0.01)));
                double[][] mu = state.predict(q).mean();
                for (int j = 0; j < M; j++) {
                    lin[j][0] += f0[j][0];
                }
                assertClose(lin, mu, 1e-9, mode + " t=∞");
                // finite t: μ_t, the displacement of the gradient flow
                for (double flow : new double[] {0.3, 30}) {
                    double[][] linT = apply(jq, Displacement.of(state, HyperParameters.flow(flow, 0.01)));
                    double[][] muT = state.predict(q, TrainingTime.of(flow, 1.0), false).mean();
                    for (int j = 0; j < M; j++) {
                        linT[j][0] += f0[j][0];
                    }
                    assertClose(linT, muT, 1e-9, mode + " η·t=" + flow);
                }
            }
        }
    }

    @Test
    void traceDisplacementMovesTheNetworkByTheFullNtk() {
        int outputs = 3;
        Network net = network(outputs, Activation.ERF, 12);
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, NtkMode.TRACE);
        try (Matrix x = TestNetworks.inputs(D, N, 4, Precision.FLOAT64);
             Matrix q = TestNetworks.inputs(D, M, 5, Precision.FLOAT64);
             KernelState state = state(kernel, x, 0.05)) {
            double[][] c = state.alpha();
            double[][][] jx = jacobian(net, x);
            double[][][] jq = jacobian(net, q);
            // f0(x) + J(x)Δθ = f0(x) + Σ_i Θ(x, x_i)·c_i with Θ = J Jᵀ (O x O blocks)
            double[][] expected = new double[M][outputs];
            for (int j = 0; j < M; j++) {
                for (int o = 0; o < outputs; o++) {
                    for (int i = 0; i < N; i++) {
                        for (int p = 0; p < outputs; p++) {
                            double theta = 0;
                            for (int k = 0; k < net.paramCount(); k++) {
                                theta += jq[j][o][k] * jx[i][p][k];
                            }
                            expected[j][o] += theta * c[i][p];
                        }
                    }
                }
            }
            double[][] actual = apply(jq, Displacement.of(state, HyperParameters.ridge(0.05)));
            assertClose(actual, expected, 1e-9, "J(x)Δθ vs Θ(x,X)C");
        }
    }

    @Test
    void pseudoPerOutputDisplacementsAreExact() {
        int outputs = 3;
        Network net = network(outputs, Activation.TANH, 12);
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, NtkMode.PSEUDO);
        try (Matrix x = TestNetworks.inputs(D, N, 6, Precision.FLOAT64);
             Matrix q = TestNetworks.inputs(D, M, 7, Precision.FLOAT64);
             KernelState state = state(kernel, x, 0.05)) {
            double[][][] jq = jacobian(net, q);
            double[][] f0 = f0(net, q);
            double[][] perOutput = Displacement.pseudoPerOutput(net, x, state.alpha());
            double[][] lin = new double[M][outputs];
            for (int o = 0; o < outputs; o++) {
                double[][] moved = apply(jq, perOutput[o]); // M x O
                for (int j = 0; j < M; j++) {
                    double s = 0;
                    for (int p = 0; p < outputs; p++) {
                        s += moved[j][p];
                    }
                    lin[j][o] = f0[j][o] + s / Math.sqrt(outputs);
                }
            }
            assertClose(lin, state.predict(q).mean(), 1e-9, "pseudo per-output");
        }
    }

    @Test
    void reptileMovesTheCheckpointByTheMeanDisplacement() {
        Network net = network(1, Activation.RELU, 8);
        double[] theta0 = Networks.flatten(net);
        Reptile reptile = new Reptile(net, 3, 0.5);
        assertThat(reptile.checkpoint().version()).isEqualTo(3);
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, NtkMode.TRACE);
        double[] a;
        try (Matrix x = TestNetworks.inputs(D, N, 8, Precision.FLOAT64); KernelState s = state(kernel, x, 0.1)) {
            a = reptile.observeTask(s, HyperParameters.ridge(0.1));
            assertThat(a).isEqualTo(Displacement.of(s, HyperParameters.ridge(0.1)));
        }
        double[] b = new double[theta0.length];
        for (int p = 0; p < b.length; p++) {
            b[p] = Math.cos(p);
        }
        reptile.accumulate(b);
        assertThat(reptile.pending()).isEqualTo(2);
        CheckpointUpdate update = reptile.step();
        assertThat(update.version()).isEqualTo(4);
        assertThat(reptile.version()).isEqualTo(4);
        assertThat(reptile.pending()).isZero();
        double[] theta1 = Networks.flatten(reptile.network());
        for (int p = 0; p < theta0.length; p++) {
            assertThat(theta1[p]).isCloseTo(theta0[p] + 0.5 * (a[p] + b[p]) / 2, Offset.offset(1e-14));
        }
        // the update's tensors are the new network's, under PyTorch names
        Network rebuilt = Networks.fromTensors(net.architecture(), update.tensors(), Precision.FLOAT64);
        assertThat(Networks.flatten(rebuilt)).isEqualTo(theta1);
        assertThat(update.tensors()).containsKeys("0.weight", "0.bias");

        assertThatThrownBy(reptile::step).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> reptile.accumulate(new double[3])).hasMessageContaining("P = ");
        try (Matrix x = TestNetworks.inputs(D, N, 8, Precision.FLOAT64); KernelState old = state(kernel, x, 0.1)) {
            assertThatThrownBy(() -> reptile.observeTask(old, HyperParameters.ridge(0.1)))
                    .hasMessageContaining("checkpoint");
        }
        assertThatThrownBy(() -> new Reptile(net, 0, 0)).hasMessageContaining("step size");
    }
}
