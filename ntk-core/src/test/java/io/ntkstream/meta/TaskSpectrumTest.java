package io.ntkstream.meta;

import io.ntkstream.testing.DenseReference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FullKernelState;
import io.ntkstream.kernel.FullNtkKernel;
import io.ntkstream.kernel.Gaussian;
import io.ntkstream.kernel.KernelFeatures;
import io.ntkstream.kernel.KernelState;
import io.ntkstream.kernel.RbfKernel;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TaskSpectrum}'s closed forms against independent references: leave-one-out residuals
 * against n explicit refits (a {@link KernelState} built on the other n − 1 samples, predicting the
 * left-out one — Cholesky, no eigendecomposition; for the flow, its μ_t); GCV against the direct
 * dense formula with exp(−ηtK/n) by scaling-and-squaring Taylor ({@link DenseReference}); coefficients
 * against the state's own α and μ_t; discrete steps against iterated gradient descent.
 * Network 3-32-32-2 erf (NTK parametrization), pseudo-NTK, n = 12, O = 2, float64.
 */
class TaskSpectrumTest {
    static final int N = 12;
    static final int O = 2;
    static final int D = 3;
    static final double RIDGE = 0.05;

    static EmpiricalNtkKernel kernel;
    static double[][] xs;
    static double[][] ys;
    static KernelState state;
    static TaskSpectrum spectrum;

    @BeforeAll
    static void setUp() {
        Network net = Networks.random(TestNetworks.mlp(D, new int[] {32, 32}, O, Activation.ERF, Parametrization.NTK,
                1.5, 0.2, true), 11, Precision.FLOAT64);
        kernel = new EmpiricalNtkKernel(net, NtkMode.PSEUDO);
        SplittableRandom r = new SplittableRandom(3);
        xs = new double[N][D];
        ys = new double[N][O];
        for (int i = 0; i < N; i++) {
            for (int d = 0; d < D; d++) {
                xs[i][d] = TestNetworks.gaussian(r);
            }
            ys[i][0] = Math.sin(2 * xs[i][0]) + 0.1 * TestNetworks.gaussian(r);
            ys[i][1] = xs[i][1] * xs[i][2] + 0.1 * TestNetworks.gaussian(r);
        }
        state = stateWithout(-1, RIDGE);
        spectrum = TaskSpectrum.of(state);
    }

    @AfterAll
    static void tearDown() {
        state.close();
    }

    /** A state on every sample but {@code skip} (−1: all). */
    static KernelState stateWithout(int skip, double ridge) {
        KernelState s = new KernelState(kernel, ridge);
        List<String> ids = new ArrayList<>();
        List<double[]> targets = new ArrayList<>();
        double[] x = new double[(skip < 0 ? N : N - 1) * D];
        for (int i = 0; i < N; i++) {
            if (i != skip) {
                System.arraycopy(xs[i], 0, x, ids.size() * D, D);
                ids.add("s" + i);
                targets.add(ys[i]);
            }
        }
        try (Matrix m = Matrix.fromColumnMajor(Precision.FLOAT64, D, ids.size(), x)) {
            s.addAll(ids, m, targets.toArray(new double[0][]));
        }
        return s;
    }

    static Matrix column(double[] x) {
        return Matrix.fromColumnMajor(Precision.FLOAT64, x.length, 1, x.clone());
    }

    static void assertClose(double[][] actual, double[][] expected, double relative, String what) {
        double scale = Math.max(DenseReference.maxAbs(expected), 1e-300);
        assertThat(actual.length).as(what + " rows").isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            for (int o = 0; o < expected[i].length; o++) {
                assertThat(actual[i][o]).as("%s [%d][%d]", what, i, o)
                        .isCloseTo(expected[i][o], Offset.offset(relative * scale));
            }
        }
    }

    @Test
    void ridgeLeaveOneOutMatchesExplicitRefits() {
        for (double ridge : new double[] {1e-3, RIDGE, 1.0}) {
            double[][] expected = new double[N][O];
            for (int i = 0; i < N; i++) {
                try (KernelState refit = stateWithout(i, ridge); Matrix x = column(xs[i])) {
                    double[] mu = refit.predict(x).mean()[0];
                    for (int o = 0; o < O; o++) {
                        expected[i][o] = ys[i][o] - mu[o];
                    }
                }
            }
            assertClose(spectrum.looResiduals(ridge), expected, 1e-8, "LOO λ=" + ridge);
            double mse = 0;
            for (double[] e : expected) {
                for (double v : e) {
                    mse += v * v / (N * O);
                }
            }
            assertThat(spectrum.looMeanSquaredError(ridge)).isCloseTo(mse, Offset.offset(1e-8 * mse));
        }
        // and the state's own closed form (Cholesky) at its λ
        assertClose(spectrum.looResiduals(RIDGE), state.looResiduals(), 1e-9, "vs KernelState.looResiduals");
    }

    @Test
    void flowLeaveOneOutMatchesExplicitRefits() {
        for (double flow : new double[] {0.1, 3.0, 100.0}) {
            double[][] expected = new double[N][O];
            for (int i = 0; i < N; i++) {
                try (KernelState refit = stateWithout(i, RIDGE); Matrix x = column(xs[i])) {
                    // η·t = flow as t = flow/2 at η = 2: only the product matters
                    double[] mu = refit.predict(x, TrainingTime.of(flow / 2, 2.0), false).mean()[0];
                    for (int o = 0; o < O; o++) {
                        expected[i][o] = ys[i][o] - mu[o];
                    }
                }
            }
            assertClose(spectrum.looFlowResiduals(flow), expected, 1e-8, "flow LOO η·t=" + flow);
        }
    }

    @Test
    void gcvMatchesTheDenseFormula() {
        double[][] k = state.gram();
        double[][] r = state.residuals();
        for (double flow : new double[] {0.0, 0.01, 1.0, 30.0}) {
            double[][] decay = DenseReference.expm(DenseReference.scaled(k, -flow / N)); // I − H
            double[][] fitted = DenseReference.multiply(decay, r);                  // (I − H)R
            double num = 0;
            for (double[] row : fitted) {
                for (double v : row) {
                    num += v * v;
                }
            }
            double trace = 0;
            for (int i = 0; i < N; i++) {
                trace += decay[i][i];
            }
            double expected = N * num / (trace * trace) / O;
            assertThat(spectrum.gcv(flow)).as("GCV η·t=%s", flow).isCloseTo(expected, Offset.offset(1e-9 * expected));
            assertThat(spectrum.score(HyperParameters.flow(flow, RIDGE), FlowScore.GCV)).isCloseTo(expected,
                    Offset.offset(1e-9 * expected));
        }
    }

    @Test
    void coefficientsReproduceTheStatesPredictions() {
        assertClose(spectrum.coefficients(HyperParameters.ridge(RIDGE)), state.alpha(), 1e-9, "ridge coefficients");
        double[][] query = {{0.3, -0.2, 1.1}, {-1.0, 0.5, 0.0}, {2.0, 1.0, -0.5}};
        double[] qx = new double[query.length * D];
        for (int j = 0; j < query.length; j++) {
            System.arraycopy(query[j], 0, qx, j * D, D);
        }
        double[] all = new double[N * D];
        for (int i = 0; i < N; i++) {
            System.arraycopy(xs[i], 0, all, i * D, D);
        }
        try (Matrix q = Matrix.fromColumnMajor(Precision.FLOAT64, D, query.length, qx);
             Matrix x = Matrix.fromColumnMajor(Precision.FLOAT64, D, N, all);
             KernelFeatures fq = kernel.featurize(q); KernelFeatures fx = kernel.featurize(x);
             Matrix f0 = kernel.f0(q)) {
            double[] kq = kernel.cross(fq, fx);
            for (double flow : new double[] {0.5, 20.0}) {
                TrainingTime time = TrainingTime.of(flow, 1.0);
                double[][] c = spectrum.coefficients(new HyperParameters(RIDGE, time));
                Gaussian expected = state.predict(q, time, false);
                double[][] mu = new double[query.length][O];
                for (int j = 0; j < query.length; j++) {
                    for (int o = 0; o < O; o++) {
                        mu[j][o] = f0.get(o, j);
                        for (int i = 0; i < N; i++) {
                            mu[j][o] += kq[j * N + i] * c[i][o];
                        }
                    }
                }
                assertClose(mu, expected.mean(), 1e-9, "μ_t at η·t=" + flow);
            }
        }
    }

    @Test
    void discreteStepsMatchIteratedGradientDescent() {
        double[][] k = state.gram();
        double[][] r = state.residuals();
        double eta = 0.05;
        int steps = 40;
        // function space on the training set: e ← e − (η/n)·K·e with e = f − Y, from e0 = −R
        double[][] e = DenseReference.scaled(r, -1);
        for (int s = 0; s < steps; s++) {
            double[][] ke = DenseReference.multiply(k, e);
            for (int i = 0; i < N; i++) {
                for (int o = 0; o < O; o++) {
                    e[i][o] -= eta / N * ke[i][o];
                }
            }
        }
        double[][] moved = new double[N][O]; // f_S − f0 = e_S + R
        for (int i = 0; i < N; i++) {
            for (int o = 0; o < O; o++) {
                moved[i][o] = e[i][o] + r[i][o];
            }
        }
        double[][] kc = DenseReference.multiply(k, spectrum.discreteCoefficients(eta, steps));
        assertClose(kc, moved, 1e-9, "K·C after discrete steps");
    }

    @Test
    void fullNtkLayoutLeavesASamplesRowsOutTogether() {
        // K ⊗ I_O as an nO x nO Gram with vec(R): the same leave-one-out and GCV as the scalar layout
        double[][] k = state.gram();
        double[][] r = state.residuals();
        double[][] big = new double[N * O][N * O];
        double[][] vec = new double[N * O][1];
        for (int i = 0; i < N; i++) {
            for (int o = 0; o < O; o++) {
                vec[i * O + o][0] = r[i][o];
                for (int j = 0; j < N; j++) {
                    big[i * O + o][j * O + o] = k[i][j];
                }
            }
        }
        TaskSpectrum full = TaskSpectrum.of(big, vec, N);
        double[][] scalar = spectrum.looFlowResiduals(2.0);
        double[][] grouped = full.looFlowResiduals(2.0);
        double[][] regrouped = new double[N][O];
        for (int i = 0; i < N; i++) {
            for (int o = 0; o < O; o++) {
                regrouped[i][o] = grouped[i * O + o][0];
            }
        }
        assertClose(regrouped, scalar, 1e-9, "grouped flow LOO");
        assertThat(full.gcv(2.0)).isCloseTo(spectrum.gcv(2.0), Offset.offset(1e-9 * spectrum.gcv(2.0)));
    }

    /**
     * The full NTK (outputs coupled, nO x nO Gram from {@link FullKernelState}): ridge and flow
     * leave-one-out leave a sample's O rows out together, ≡ explicit full-NTK refits on the others.
     */
    @Test
    void fullNtkLeaveOneOutMatchesExplicitFullRefits() {
        FullNtkKernel full = new FullNtkKernel(kernel.network());
        try (FullKernelState all = fullStateWithout(full, -1, RIDGE)) {
            double[][] r = all.residuals();
            double[][] vec = new double[N * O][1];
            for (int i = 0; i < N; i++) {
                for (int o = 0; o < O; o++) {
                    vec[i * O + o][0] = r[i][o];
                }
            }
            TaskSpectrum spectrumFull = TaskSpectrum.of(all.gram(), vec, N);
            for (double ridge : new double[] {1e-3, RIDGE, 1.0}) {
                double[][] expected = new double[N][O];
                double[][] expectedFlow = new double[N][O];
                for (int i = 0; i < N; i++) {
                    try (FullKernelState refit = fullStateWithout(full, i, ridge); Matrix x = column(xs[i])) {
                        double[] mu = refit.predict(x).mean()[0];
                        double[] muT = refit.predict(x, TrainingTime.of(3.0, 1.0), false).mean()[0];
                        for (int o = 0; o < O; o++) {
                            expected[i][o] = ys[i][o] - mu[o];
                            expectedFlow[i][o] = ys[i][o] - muT[o];
                        }
                    }
                }
                assertClose(regroup(spectrumFull.looResiduals(ridge)), expected, 1e-8, "full LOO λ=" + ridge);
                assertClose(regroup(spectrumFull.looFlowResiduals(3.0)), expectedFlow, 1e-8, "full flow LOO");
            }
            assertClose(regroup(spectrumFull.looResiduals(RIDGE)), all.looResiduals(), 1e-9,
                    "vs FullKernelState.looResiduals");
        }
    }

    static double[][] regroup(double[][] stacked) {
        double[][] r = new double[N][O];
        for (int i = 0; i < N; i++) {
            for (int o = 0; o < O; o++) {
                r[i][o] = stacked[i * O + o][0];
            }
        }
        return r;
    }

    /** A full-NTK state on every sample but {@code skip} (−1: all). */
    static FullKernelState fullStateWithout(FullNtkKernel full, int skip, double ridge) {
        FullKernelState s = new FullKernelState(full, ridge);
        for (int i = 0; i < N; i++) {
            if (i != skip) {
                s.add("s" + i, xs[i], ys[i]);
            }
        }
        return s;
    }

    /** Above {@link TaskSpectrum#SMALL} rows the decomposition is LAPACK's: the same closed forms vs the state's Cholesky. */
    @Test
    void largeTasksUseTheNativeDecompositionWithTheSameResults() {
        int n = TaskSpectrum.SMALL + 16;
        SplittableRandom r = new SplittableRandom(9);
        try (KernelState big = new KernelState(new RbfKernel(1, 1, 0.7, 1.0), 0.05)) {
            for (int i = 0; i < n; i++) {
                double x = 4 * r.nextDouble() - 2;
                big.add("s" + i, new double[] {x}, new double[] {Math.sin(3 * x) + 0.1 * TestNetworks.gaussian(r)});
            }
            TaskSpectrum s = TaskSpectrum.of(big);
            assertClose(s.coefficients(HyperParameters.ridge(0.05)), big.alpha(), 1e-9, "α (n = " + n + ")");
            assertClose(s.looResiduals(0.05), big.looResiduals(), 1e-9, "LOO (n = " + n + ")");
            // the default criterion: GCV for a task this large, exact leave-one-out for the 12-sample one
            assertThat(s.score(HyperParameters.flow(2.0, 0.05))).isEqualTo(s.gcv(2.0));
            assertThat(spectrum.score(HyperParameters.flow(2.0, RIDGE)))
                    .isEqualTo(spectrum.looFlowMeanSquaredError(2.0));
        }
    }

    @Test
    void edgeCasesAndValidation() {
        TaskSpectrum empty = TaskSpectrum.of(new double[0][0], new double[0][0], 0);
        assertThat(empty.size()).isZero();
        assertThat(empty.coefficients(HyperParameters.ridge(1))).isEmpty();
        // one sample: leaving it out leaves f0, so the LOO residual is the residual itself
        TaskSpectrum one = TaskSpectrum.of(new double[][] {{2.0}}, new double[][] {{0.7}}, 1);
        assertThat(one.looResiduals(0.1)[0][0]).isCloseTo(0.7, Offset.offset(1e-15));
        assertThat(one.looFlowResiduals(5.0)[0][0]).isCloseTo(0.7, Offset.offset(1e-15));
        assertThatThrownBy(() -> TaskSpectrum.of(new double[][] {{1, 0}, {0, 1}}, new double[][] {{1}}, 2))
                .hasMessageContaining("residuals");
        assertThatThrownBy(() -> TaskSpectrum.of(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
                new double[][] {{1}, {1}, {1}}, 2)).hasMessageContaining("samples");
        assertThatThrownBy(() -> spectrum.gcv(-1)).hasMessageContaining("η·t");
        assertThatThrownBy(() -> spectrum.looResiduals(Double.NaN)).hasMessageContaining("ridge");
    }
}
