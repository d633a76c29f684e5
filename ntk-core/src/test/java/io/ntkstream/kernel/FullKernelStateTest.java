package io.ntkstream.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.TestNetworks;
import io.ntkstream.ntk.EmpiricalNtk;
import io.ntkstream.ntk.KernelBlock;
import io.ntkstream.ntk.NtkMethod;
import io.ntkstream.ntk.NtkMode;
import io.ntkstream.testing.DenseReference;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FullKernelState} (and {@link FullNtkKernel}) against dense formulas evaluated here: the
 * full NTK of a pool by Jacobian contraction ({@link EmpiricalNtk}, {@link NtkMethod#JACOBIAN}:
 * the Jacobian materialized, independent of the structured features the state uses) laid out as
 * the nO x nO matrix [i·O + o][j·O + p], f0 by {@link Network#apply}, then with r = vec(Y − f0):
 * μ = f0* + Θ*(K + λI)⁻¹r and σ²_o = Θ**[o,o] − Θ*_o(K + λI)⁻¹Θ*_oᵀ by Gaussian elimination,
 * μ_t = f0* + Θ*K⁻¹(I − exp(−ηtK/n))r by scaling-and-squaring Taylor ({@link DenseReference}),
 * leave-one-out by explicit refits. Network 3-32-32-2 erf, NTK parametrization, float64.
 */
class FullKernelStateTest {
    static final int POOL = 16;
    static final int QUERIES = 4;
    static final int O = 2;
    static final int D = 3;

    static Network net;
    static FullNtkKernel kernel;
    static Matrix poolX;
    static Matrix queryX;
    static double[][] kPool;   // POOL·O x POOL·O
    static double[][] kQuery;  // QUERIES·O x POOL·O
    static double[][] kSelf;   // QUERIES x O: Θ(x,x)[o,o]
    static double[][] f0Pool;  // POOL x O
    static double[][] f0Query; // QUERIES x O
    static double[][] yPool;   // POOL x O

    @BeforeAll
    static void setUp() {
        net = Networks.random(TestNetworks.mlp(D, new int[] {32, 32}, O, Activation.ERF, Parametrization.NTK, 1.5,
                0.2, true), 11, Precision.FLOAT64);
        kernel = new FullNtkKernel(net);
        poolX = TestNetworks.inputs(D, POOL, 21, Precision.FLOAT64);
        queryX = TestNetworks.inputs(D, QUERIES, 22, Precision.FLOAT64);
        kPool = fullNtk(net, poolX, poolX);
        kQuery = fullNtk(net, queryX, poolX);
        double[][] kqq = fullNtk(net, queryX, queryX);
        kSelf = new double[QUERIES][O];
        for (int q = 0; q < QUERIES; q++) {
            for (int o = 0; o < O; o++) {
                kSelf[q][o] = kqq[q * O + o][q * O + o];
            }
        }
        f0Pool = KernelStateTest.outputs(net.apply(poolX));
        f0Query = KernelStateTest.outputs(net.apply(queryX));
        SplittableRandom r = new SplittableRandom(3);
        yPool = new double[POOL][O];
        for (int i = 0; i < POOL; i++) {
            double[] x = KernelStateTest.column(poolX, i);
            yPool[i][0] = Math.sin(2 * x[0]) + 0.1 * TestNetworks.gaussian(r);
            yPool[i][1] = x[1] * x[2] + 0.1 * TestNetworks.gaussian(r);
        }
    }

    /** The full NTK by Jacobian contraction as the (n1·O) x (n2·O) matrix [i·O + o][j·O + p]. */
    static double[][] fullNtk(Network network, Matrix x1, Matrix x2) {
        KernelBlock b = new EmpiricalNtk(network, NtkMode.FULL, NtkMethod.JACOBIAN).compute(x1, x2);
        int o = network.outputDim();
        double[][] m = new double[b.rows() * o][b.cols() * o];
        for (int i = 0; i < b.rows(); i++) {
            for (int j = 0; j < b.cols(); j++) {
                for (int a = 0; a < o; a++) {
                    for (int c = 0; c < o; c++) {
                        m[i * o + a][j * o + c] = b.get(i, j, a * o + c);
                    }
                }
            }
        }
        return m;
    }

    static FullKernelState stateOf(double ridge, List<Integer> members) {
        FullKernelState s = new FullKernelState(kernel, ridge);
        for (int p : members) {
            s.add(KernelStateTest.id(p), KernelStateTest.column(poolX, p), yPool[p]);
        }
        return s;
    }

    /** The dense reference on members S: μ and per-output σ² at the queries, α. */
    record Reference(double[][] mean, double[][] variance, double[] alpha) {
    }

    /** Rows of the pool matrix for the members' O rows each. */
    static int[] rowsOf(List<Integer> members) {
        int[] rows = new int[members.size() * O];
        for (int i = 0; i < members.size(); i++) {
            for (int o = 0; o < O; o++) {
                rows[i * O + o] = members.get(i) * O + o;
            }
        }
        return rows;
    }

    static double[] residualVector(List<Integer> members) {
        double[] r = new double[members.size() * O];
        for (int i = 0; i < members.size(); i++) {
            for (int o = 0; o < O; o++) {
                r[i * O + o] = yPool[members.get(i)][o] - f0Pool[members.get(i)][o];
            }
        }
        return r;
    }

    static double[][] gramOf(List<Integer> members) {
        int[] rows = rowsOf(members);
        double[][] k = new double[rows.length][rows.length];
        for (int a = 0; a < rows.length; a++) {
            for (int b = 0; b < rows.length; b++) {
                k[a][b] = kPool[rows[a]][rows[b]];
            }
        }
        return k;
    }

    /** μ(x_q) = f0 + Θ(x_q, X)·c for coefficients c over the members' rows. */
    static double[][] meanWith(List<Integer> members, double[] c) {
        int[] rows = rowsOf(members);
        double[][] mean = new double[QUERIES][O];
        for (int q = 0; q < QUERIES; q++) {
            for (int o = 0; o < O; o++) {
                mean[q][o] = f0Query[q][o];
                for (int a = 0; a < rows.length; a++) {
                    mean[q][o] += kQuery[q * O + o][rows[a]] * c[a];
                }
            }
        }
        return mean;
    }

    static Reference reference(List<Integer> members, double ridge) {
        int[] rows = rowsOf(members);
        double[][] a = DenseReference.plusDiagonal(gramOf(members), ridge);
        double[] alpha = rows.length == 0 ? new double[0] : DenseReference.solve(a, residualVector(members));
        double[][] variance = new double[QUERIES][O];
        for (int q = 0; q < QUERIES; q++) {
            for (int o = 0; o < O; o++) {
                double[] kq = new double[rows.length];
                for (int b = 0; b < rows.length; b++) {
                    kq[b] = kQuery[q * O + o][rows[b]];
                }
                variance[q][o] = kSelf[q][o];
                if (rows.length > 0) {
                    double[] w = DenseReference.solve(a, kq);
                    for (int b = 0; b < rows.length; b++) {
                        variance[q][o] -= kq[b] * w[b];
                    }
                }
            }
        }
        return new Reference(meanWith(members, alpha), variance, alpha);
    }

    /** μ_t = f0* + Θ*K⁻¹(I − exp(−(ηt/n)K))r with n the number of samples, no eigendecomposition. */
    static double[][] referenceFlow(List<Integer> members, double flowTime) {
        double[][] k = gramOf(members);
        double[][] e = DenseReference.expm(DenseReference.scaled(k, -flowTime / members.size()));
        double[] r = residualVector(members);
        double[] er = DenseReference.multiply(e, r);
        double[] rhs = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            rhs[i] = r[i] - er[i];
        }
        return meanWith(members, DenseReference.solve(k, rhs));
    }

    static void assertClose(double[][] actual, double[][] expected, double relTol, String what) {
        KernelStateTest.assertClose(actual, expected, relTol, what);
    }

    // ------------------------------------------------------------------ the kernel

    @Test
    void kernelMatrixAndSelfBlocksMatchJacobianContraction() {
        try (KernelFeatures fq = kernel.featurize(queryX); KernelFeatures fp = kernel.featurize(poolX)) {
            double[] cross = kernel.cross(fq, fp);
            assertThat(cross).hasSize(QUERIES * O * POOL * O);
            double[][] asRows = KernelStateTest.square(cross, QUERIES * O, POOL * O);
            assertClose(asRows, kQuery, 1e-12, "Θ(queries, pool)");
            double[][] self = kernel.selfBlocks(fq);
            double[][] kqq = fullNtk(net, queryX, queryX);
            for (int q = 0; q < QUERIES; q++) {
                for (int a = 0; a < O; a++) {
                    for (int c = 0; c < O; c++) {
                        assertThat(self[q][a * O + c]).isCloseTo(kqq[q * O + a][q * O + c],
                                Offset.offset(1e-12 * Math.abs(kqq[0][0])));
                    }
                }
            }
        }
        assertThat(kernel.description()).startsWith("ntk full ");
    }

    // ------------------------------------------------------------------ incremental ≡ from scratch

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void randomAddRemoveSequencesMatchADenseSolveFromScratch(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double ridge = 1e-2;
        List<Integer> members = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < POOL; i++) {
            free.add(i);
        }
        try (FullKernelState s = new FullKernelState(kernel, ridge)) {
            for (int step = 0; step < 30; step++) {
                if (members.size() < 3 || (!free.isEmpty() && r.nextDouble() < 0.65)) {
                    int p = free.remove(r.nextInt(free.size()));
                    IncrementalCholesky.AddResult res = s.add(KernelStateTest.id(p), KernelStateTest.column(poolX, p),
                            yPool[p]);
                    assertThat(res.jittered()).isFalse();
                    members.add(p);
                } else {
                    int at = r.nextInt(members.size());
                    assertThat(s.remove(KernelStateTest.id(members.get(at)))).isTrue();
                    free.add(members.remove(at));
                }
                Reference ref = reference(members, ridge);
                assertThat(s.size()).isEqualTo(members.size());
                assertThat(s.cholesky().size()).isEqualTo(members.size() * O);
                KernelStateTest.assertClose(s.alpha(), ref.alpha(), 1e-9, "α at step " + step);
                FullGaussian g = s.predict(queryX);
                assertClose(g.mean(), ref.mean(), 1e-9, "μ at step " + step);
                assertClose(g.variance(), ref.variance(), 1e-9, "σ² at step " + step);
            }
            assertClose(s.gram(), gramOf(members), 1e-11, "stored Gram");
        }
    }

    @Test
    void addAllIsTheSameAsAddingOneByOne() {
        List<Integer> members = List.of(3, 7, 1, 12, 9, 15, 4);
        double[] x = new double[D * members.size()];
        double[][] y = new double[members.size()][];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            System.arraycopy(KernelStateTest.column(poolX, members.get(i)), 0, x, i * D, D);
            y[i] = yPool[members.get(i)];
            ids.add(KernelStateTest.id(members.get(i)));
        }
        try (FullKernelState one = stateOf(1e-3, members); FullKernelState batch = new FullKernelState(kernel, 1e-3);
             Matrix xm = Matrix.fromColumnMajor(Precision.FLOAT64, D, members.size(), x)) {
            batch.addAll(ids.subList(0, 3), xm.columns(0, 3), java.util.Arrays.copyOfRange(y, 0, 3));
            batch.addAll(ids.subList(3, 7), xm.columns(3, 7), java.util.Arrays.copyOfRange(y, 3, 7));
            assertThat(batch.ids()).isEqualTo(one.ids());
            KernelStateTest.assertClose(batch.alpha(), one.alpha(), 1e-10, "α");
            for (int i = 0; i < members.size() * O; i++) {
                KernelStateTest.assertClose(batch.cholesky().row(i), one.cholesky().row(i), 1e-10, "L row " + i);
            }
        }
    }

    // ------------------------------------------------------------------ finite time

    @Test
    void finiteTimeMatchesTheMatrixExponentialReference() {
        List<Integer> members = List.of(0, 2, 4, 6, 8, 10, 12, 14);
        try (FullKernelState s = stateOf(1e-2, members)) {
            double lr = 0.5;
            for (double t : new double[] {0.0, 0.3, 2.0, 10.0, 60.0}) {
                FullGaussian g = s.predict(queryX, TrainingTime.of(t, lr), true);
                assertClose(g.mean(), referenceFlow(members, lr * t), 1e-9, "μ_t at t=" + t);
                assertClose(g.variance(), reference(members, 1e-2).variance(), 1e-9, "σ² at t=" + t);
            }
            assertClose(s.predict(queryX, TrainingTime.of(0, 1), false).mean(), f0Query, 1e-15, "μ_0 = f0");
        }
    }

    @Test
    void finiteTimeConvergesToTheRidgelessPrediction() {
        List<Integer> members = List.of(1, 3, 5, 7, 9, 11);
        try (FullKernelState ridgeless = stateOf(0.0, members); FullKernelState ridged = stateOf(1e-2, members)) {
            assertThat(ridgeless.cholesky().totalJitter()).as("K is positive definite: no jitter").isZero();
            double[][] limit = ridgeless.predict(queryX).mean();
            assertClose(limit, reference(members, 0.0).mean(), 1e-8, "μ at λ = 0");
            double[][] late = ridged.predict(queryX, TrainingTime.of(1e12, 1.0), false).mean();
            assertClose(late, limit, 1e-8, "μ_t at t = 1e12");
        }
    }

    // ------------------------------------------------------------------ leave-one-out

    @Test
    void blockLeaveOneOutMatchesExplicitRefits() {
        List<Integer> members = List.of(2, 5, 8, 11, 14, 0, 1, 9);
        double ridge = 5e-2;
        try (FullKernelState s = stateOf(ridge, members)) {
            double[][] loo = s.looResiduals();
            double[][] explicit = new double[members.size()][O];
            for (int i = 0; i < members.size(); i++) {
                List<Integer> others = new ArrayList<>(members);
                int p = others.remove(i);
                try (FullKernelState refit = stateOf(ridge, others)) {
                    double[] mu = refit.predict(poolX.columns(p, p + 1)).mean()[0];
                    for (int o = 0; o < O; o++) {
                        explicit[i][o] = yPool[p][o] - mu[o];
                    }
                }
            }
            assertClose(loo, explicit, 1e-9, "block LOO residuals");
        }
    }

    // ------------------------------------------------------------------ full vs scalar kernels

    /** For O = 1 the full NTK is the trace NTK: the same μ, μ_t, σ² and LOO residuals. */
    @Test
    void withOneOutputFullEqualsTrace() {
        Network one = Networks.random(TestNetworks.mlp(D, new int[] {24, 24}, 1, Activation.TANH,
                Parametrization.NTK, 1.4, 0.3, true), 7, Precision.FLOAT64);
        assertFullEqualsTrace(one);
    }

    /**
     * A network with no hidden layer, f(x) = s_w·Wx + s_b·b, has Θ(x,x')[o,p] = (s_w²⟨x,x'⟩ + s_b²)·δ_op
     * exactly: Θ = k ⊗ I_O with k = trace(Θ)/O, so full and trace regressions agree for O = 3 too.
     */
    @Test
    void withAKroneckerNtkFullEqualsTraceForSeveralOutputs() {
        Network linear = Networks.random(TestNetworks.mlp(D, new int[] {}, 3, Activation.TANH,
                Parametrization.NTK, 1.4, 0.3, true), 8, Precision.FLOAT64);
        assertFullEqualsTrace(linear);
    }

    static void assertFullEqualsTrace(Network network) {
        int outputs = network.outputDim();
        Matrix x = TestNetworks.inputs(D, 9, 31, Precision.FLOAT64);
        SplittableRandom r = new SplittableRandom(5);
        double ridge = 1e-2;
        try (FullKernelState full = new FullKernelState(new FullNtkKernel(network), ridge);
             KernelState trace = new KernelState(new EmpiricalNtkKernel(network, NtkMode.TRACE), ridge)) {
            for (int i = 0; i < x.cols(); i++) {
                double[] y = new double[outputs];
                for (int o = 0; o < outputs; o++) {
                    y[o] = TestNetworks.gaussian(r);
                }
                full.add("s" + i, KernelStateTest.column(x, i), y);
                trace.add("s" + i, KernelStateTest.column(x, i), y);
            }
            for (TrainingTime t : List.of(TrainingTime.INFINITE, TrainingTime.of(3, 1.0))) {
                FullGaussian f = full.predict(queryX, t, true);
                Gaussian g = trace.predict(queryX, t, true);
                assertClose(f.mean(), g.mean(), 1e-10, "μ at " + t);
                for (int q = 0; q < QUERIES; q++) {
                    for (int o = 0; o < outputs; o++) {
                        assertThat(f.variance()[q][o]).as("σ²[%d][%d]", q, o)
                                .isCloseTo(g.variance()[q], Offset.offset(1e-10 * (1 + g.variance()[q])));
                    }
                }
                KernelStateTest.assertClose(f.meanVariance(), g.variance(), 1e-10, "trace/O of σ²");
            }
            assertClose(full.looResiduals(), trace.looResiduals(), 1e-9, "LOO");
        }
    }

    @Test
    void multiOutputFullDiffersFromTraceWhenOutputsCouple() {
        List<Integer> members = List.of(0, 1, 2, 3, 4, 5);
        try (FullKernelState full = stateOf(1e-2, members);
             KernelState trace = new KernelState(new EmpiricalNtkKernel(net, NtkMode.TRACE), 1e-2)) {
            for (int p : members) {
                trace.add(KernelStateTest.id(p), KernelStateTest.column(poolX, p), yPool[p]);
            }
            double[][] a = full.predict(queryX).mean();
            double[][] b = trace.predict(queryX).mean();
            assertThat(DenseReference.maxAbs(KernelStateTest.minus(a, b)))
                    .as("the off-diagonal output blocks of a 2-output erf network matter")
                    .isGreaterThan(1e-6 * DenseReference.maxAbs(b));
        }
    }

    // ------------------------------------------------------------------ duplicates and errors

    @Test
    void duplicateSamplesGiveFiniteResultsWithTheJitterReported() {
        double[] x = KernelStateTest.column(poolX, 4);
        try (FullKernelState s = new FullKernelState(kernel, 0.0)) {
            s.add("a", x, yPool[4]);
            IncrementalCholesky.AddResult dup = s.add("a-again", x.clone(), new double[] {yPool[4][0] + 0.5, 0});
            assertThat(dup.jittered()).as("exact duplicate at λ = 0").isTrue();
            FullGaussian g = s.predict(queryX, TrainingTime.INFINITE, true);
            for (int q = 0; q < QUERIES; q++) {
                for (int o = 0; o < O; o++) {
                    assertThat(g.mean()[q][o]).isFinite();
                    assertThat(g.variance()[q][o]).isFinite().isGreaterThanOrEqualTo(0);
                }
            }
            for (double[] row : s.predict(queryX, TrainingTime.of(5, 1), false).mean()) {
                assertThat(java.util.Arrays.stream(row).allMatch(Double::isFinite)).as("finite μ_t").isTrue();
            }
        }
    }

    @Test
    void argumentErrorsNameTheFieldAndShape() {
        try (FullKernelState s = new FullKernelState(kernel, 1e-2)) {
            s.add("a", KernelStateTest.column(poolX, 0), yPool[0]);
            assertThatThrownBy(() -> s.add("a", KernelStateTest.column(poolX, 1), yPool[1]))
                    .hasMessageContaining("id 'a'");
            assertThatThrownBy(() -> s.add("b", new double[2], yPool[1])).hasMessageContaining("x (input_dim)")
                    .hasMessageContaining("expected 3 values, got 2");
            assertThatThrownBy(() -> s.add("b", KernelStateTest.column(poolX, 1), new double[3]))
                    .hasMessageContaining("O outputs");
            assertThatThrownBy(() -> s.predict(TestNetworks.inputs(2, 1, 1, Precision.FLOAT64)))
                    .hasMessageContaining("input_dim x m = 3 x m");
            assertThat(s.remove("nope")).isFalse();
            assertThat(s.size()).isEqualTo(1);
        }
    }
}
