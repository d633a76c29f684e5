package io.ntkstream.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.ForwardTrace;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.TestNetworks;
import io.ntkstream.ntk.EmpiricalNtk;
import io.ntkstream.ntk.KernelBlock;
import io.ntkstream.ntk.NtkMethod;
import io.ntkstream.ntk.NtkMode;
import io.ntkstream.testing.DenseReference;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The regression state (what the streaming job keeps per task) on a convolutional network: the
 * structured features, batched and single adds, f0 taken from the features and the compact rows
 * against a dense solve on the Jacobian-contraction NTK, and a restore from the rows.
 */
class ConvKernelStateTest {
    static final String CNN = """
            {"input_shape":[2,6,6],"parametrization":"ntk","sigma_w":1.4,"sigma_b":0.2,"layers":[
             {"type":"conv2d","out":4,"kernel":3,"padding":1},{"type":"relu"},
             {"type":"avg_pool","kernel":2},
             {"type":"conv2d","out":3,"kernel":2,"stride":1},{"type":"relu"},
             {"type":"global_avg_pool"},{"type":"flatten"},{"type":"dense","out":2}]}""";
    static final double RIDGE = 1e-2;

    @ParameterizedTest
    @ValueSource(strings = {"pseudo", "trace"})
    void predictionsMatchADenseSolveAndSurviveARestoreFromRows(String modeName) {
        NtkMode mode = NtkMode.valueOf(modeName.toUpperCase());
        Network net = Networks.random(Architecture.parse(CNN), 5, Precision.FLOAT64);
        int d = net.inputDim();
        int n = 9;
        Matrix x = TestNetworks.inputs(d, n, 41, Precision.FLOAT64);
        Matrix q = TestNetworks.inputs(d, 3, 42, Precision.FLOAT64);
        double[][] y = new double[n][2];
        for (int i = 0; i < n; i++) {
            y[i][0] = Math.sin(i);
            y[i][1] = Math.cos(3 * i);
        }
        double[] xv = x.toColumnMajor();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("s" + i);
        }
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, mode);
        try (KernelState s = new KernelState(kernel, RIDGE)) {
            try (Matrix first = Matrix.fromColumnMajor(Precision.FLOAT64, d, 6, java.util.Arrays.copyOf(xv, 6 * d))) {
                s.addAll(ids.subList(0, 6), first, java.util.Arrays.copyOf(y, 6));
            }
            for (int i = 6; i < n; i++) {
                s.add(ids.get(i), java.util.Arrays.copyOfRange(xv, i * d, (i + 1) * d), y[i]);
            }
            Gaussian g = s.predict(q);

            // reference: μ = f0(q) + k(q,X)(K + λI)⁻¹(Y − f0(X)), σ² = k(q,q) − k(q,X)(K + λI)⁻¹k(X,q)
            double scale = mode == NtkMode.TRACE ? 0.5 : 1.0;
            EmpiricalNtk jac = new EmpiricalNtk(net, mode, NtkMethod.JACOBIAN);
            double[][] kxx = dense(jac.compute(x), scale);
            double[][] kqx = dense(jac.compute(q, x), scale);
            double[][] kqq = dense(jac.compute(q), scale);
            double[][] f0x = outputs(net, x);
            double[][] f0q = outputs(net, q);
            double[][] a = DenseReference.plusDiagonal(kxx, RIDGE);
            double[][] r = new double[n][2];
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < 2; o++) {
                    r[i][o] = y[i][o] - f0x[i][o];
                }
            }
            double[][] alpha = DenseReference.solve(a, r);
            for (int j = 0; j < 3; j++) {
                double[] w = DenseReference.solve(a, kqx[j]);
                double var = kqq[j][j];
                for (int i = 0; i < n; i++) {
                    var -= kqx[j][i] * w[i];
                }
                assertThat(g.variance()[j]).as("σ² of query %d", j).isCloseTo(var, Offset.offset(1e-9 * (1 + kqq[j][j])));
                for (int o = 0; o < 2; o++) {
                    double mu = f0q[j][o];
                    for (int i = 0; i < n; i++) {
                        mu += kqx[j][i] * alpha[i][o];
                    }
                    assertThat(g.mean()[j][o]).as("μ of query %d output %d", j, o).isCloseTo(mu, Offset.offset(1e-9));
                }
            }

            try (KernelState restored = KernelState.restore(kernel, RIDGE, s.jitterTolerance(), s.records())) {
                Gaussian h = restored.predict(q);
                for (int j = 0; j < 3; j++) {
                    assertThat(h.mean()[j]).containsExactly(g.mean()[j]);
                }
                assertThat(h.variance()).containsExactly(g.variance());
            }
        }
    }

    private static double[][] dense(KernelBlock b, double scale) {
        double[][] k = new double[b.rows()][b.cols()];
        for (int i = 0; i < b.rows(); i++) {
            for (int j = 0; j < b.cols(); j++) {
                k[i][j] = scale * b.get(i, j, 0);
            }
        }
        return k;
    }

    /** f(x) per sample, n x O. */
    private static double[][] outputs(Network net, Matrix x) {
        try (ForwardTrace t = net.forward(x)) {
            double[] v = t.output().toColumnMajor();
            int o = t.output().rows();
            double[][] out = new double[x.cols()][o];
            for (int i = 0; i < x.cols(); i++) {
                System.arraycopy(v, i * o, out[i], 0, o);
            }
            return out;
        }
    }
}
