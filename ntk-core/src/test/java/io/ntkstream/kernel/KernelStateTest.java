package io.ntkstream.kernel;

import io.ntkstream.testing.DenseReference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link KernelState} against dense formulas evaluated in the test: the kernel of a pool of
 * samples by Jacobian contraction ({@link EmpiricalNtkKernelTest#reference}, an algorithm
 * independent of the structured features the state uses), f0 by {@link Network#apply}, then
 * μ = f0* + k*(K+λI)⁻¹(Y−f0) and σ² = k** − k*(K+λI)⁻¹k*ᵀ by Gaussian elimination, and
 * μ_t = f0* + k*K⁻¹(I − exp(−ηtK/n))(Y−f0) with exp by scaling-and-squaring Taylor
 * ({@link DenseReference}) — no eigendecomposition, unlike the state.
 */
class KernelStateTest {
    static final int POOL = 30;
    static final int QUERIES = 4;
    static final int O = 2;
    static final int D = 3;

    static Network net;
    static EmpiricalNtkKernel kernel;
    static Matrix poolX;
    static Matrix queryX;
    static double[][] kPool;    // POOL x POOL
    static double[][] kQuery;   // QUERIES x POOL
    static double[] kQueryDiag; // QUERIES
    static double[][] f0Pool;   // POOL x O
    static double[][] f0Query;  // QUERIES x O
    static double[][] yPool;    // POOL x O

    @BeforeAll
    static void setUp() {
        net = Networks.random(TestNetworks.mlp(D, new int[] {32, 32}, O, Activation.ERF, Parametrization.NTK, 1.5,
                0.2, true), 11, Precision.FLOAT64);
        kernel = new EmpiricalNtkKernel(net, NtkMode.PSEUDO);
        poolX = TestNetworks.inputs(D, POOL, 21, Precision.FLOAT64);
        queryX = TestNetworks.inputs(D, QUERIES, 22, Precision.FLOAT64);
        kPool = square(EmpiricalNtkKernelTest.reference(net, NtkMode.PSEUDO, poolX, poolX), POOL, POOL);
        kQuery = square(EmpiricalNtkKernelTest.reference(net, NtkMode.PSEUDO, queryX, poolX), QUERIES, POOL);
        double[][] kqq = square(EmpiricalNtkKernelTest.reference(net, NtkMode.PSEUDO, queryX, queryX), QUERIES, QUERIES);
        kQueryDiag = new double[QUERIES];
        for (int i = 0; i < QUERIES; i++) {
            kQueryDiag[i] = kqq[i][i];
        }
        f0Pool = outputs(net.apply(poolX));
        f0Query = outputs(net.apply(queryX));
        SplittableRandom r = new SplittableRandom(3);
        yPool = new double[POOL][O];
        for (int i = 0; i < POOL; i++) {
            double[] x = column(poolX, i);
            yPool[i][0] = Math.sin(2 * x[0]) + 0.1 * TestNetworks.gaussian(r);
            yPool[i][1] = x[1] * x[2] + 0.1 * TestNetworks.gaussian(r);
        }
    }

    static double[][] square(double[] rowMajor, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(rowMajor, i * cols, m[i], 0, cols);
        }
        return m;
    }

    static double[][] outputs(Matrix f) {
        double[][] out = new double[f.cols()][];
        for (int i = 0; i < f.cols(); i++) {
            out[i] = column(f, i);
        }
        return out;
    }

    static double[] column(Matrix m, int c) {
        double[] v = new double[m.rows()];
        m.readColumn(c, v);
        return v;
    }

    static String id(int poolIndex) {
        return "s" + poolIndex;
    }

    static KernelState stateOf(double ridge, List<Integer> members) {
        KernelState s = new KernelState(kernel, ridge);
        for (int p : members) {
            s.add(id(p), column(poolX, p), yPool[p]);
        }
        return s;
    }

    /** The dense reference on the pool members S: μ, σ² at the queries and α. */
    record Reference(double[][] mean, double[] variance, double[][] alpha) {
    }

    static Reference reference(List<Integer> members, double ridge) {
        int n = members.size();
        double[][] a = new double[n][n];
        double[][] rhs = new double[n][O];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = kPool[members.get(i)][members.get(j)];
            }
            a[i][i] += ridge;
            for (int o = 0; o < O; o++) {
                rhs[i][o] = yPool[members.get(i)][o] - f0Pool[members.get(i)][o];
            }
        }
        double[][] alpha = n == 0 ? new double[0][O] : DenseReference.solve(a, rhs);
        double[][] mean = new double[QUERIES][O];
        double[] variance = new double[QUERIES];
        for (int q = 0; q < QUERIES; q++) {
            double[] kq = new double[n];
            for (int j = 0; j < n; j++) {
                kq[j] = kQuery[q][members.get(j)];
            }
            for (int o = 0; o < O; o++) {
                mean[q][o] = f0Query[q][o];
                for (int j = 0; j < n; j++) {
                    mean[q][o] += kq[j] * alpha[j][o];
                }
            }
            variance[q] = kQueryDiag[q];
            if (n > 0) {
                double[] w = DenseReference.solve(a, kq);
                for (int j = 0; j < n; j++) {
                    variance[q] -= kq[j] * w[j];
                }
            }
        }
        return new Reference(mean, variance, alpha);
    }

    /** z = L⁻¹(Y − f0) with L the textbook Cholesky factor of K + λI on the members. */
    static double[][] referenceWhitened(List<Integer> members, double ridge) {
        int n = members.size();
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = kPool[members.get(i)][members.get(j)];
            }
            a[i][i] += ridge;
        }
        double[][] l = DenseReference.cholesky(a);
        double[][] z = new double[n][O];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < O; o++) {
                double v = yPool[members.get(i)][o] - f0Pool[members.get(i)][o];
                for (int j = 0; j < i; j++) {
                    v -= l[i][j] * z[j][o];
                }
                z[i][o] = v / l[i][i];
            }
        }
        return z;
    }

    /** μ_t at the queries: f0* + k* K⁻¹(I − exp(−(ηt/n)K)) R, no eigendecomposition. */
    static double[][] referenceFlow(List<Integer> members, double flowTime) {
        int n = members.size();
        double tau = flowTime / n;
        double[][] k = new double[n][n];
        double[][] minusTauK = new double[n][n];
        double[][] r = new double[n][O];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                k[i][j] = kPool[members.get(i)][members.get(j)];
                minusTauK[i][j] = -tau * k[i][j];
            }
            for (int o = 0; o < O; o++) {
                r[i][o] = yPool[members.get(i)][o] - f0Pool[members.get(i)][o];
            }
        }
        double[][] e = DenseReference.expm(minusTauK);
        double[][] iMinusE = DenseReference.plusDiagonal(e, 0);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                iMinusE[i][j] = (i == j ? 1 : 0) - e[i][j];
            }
        }
        double[][] c = DenseReference.solve(k, DenseReference.multiply(iMinusE, r));
        double[][] mean = new double[QUERIES][O];
        for (int q = 0; q < QUERIES; q++) {
            for (int o = 0; o < O; o++) {
                mean[q][o] = f0Query[q][o];
                for (int j = 0; j < n; j++) {
                    mean[q][o] += kQuery[q][members.get(j)] * c[j][o];
                }
            }
        }
        return mean;
    }

    static void assertClose(double[][] actual, double[][] expected, double relTol, String what) {
        double scale = Math.max(1e-3, DenseReference.maxAbs(expected));
        assertThat(actual.length).as(what).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            for (int o = 0; o < expected[i].length; o++) {
                assertThat(actual[i][o]).as("%s [%d][%d]", what, i, o)
                        .isCloseTo(expected[i][o], Offset.offset(relTol * scale));
            }
        }
    }

    static void assertClose(double[] actual, double[] expected, double relTol, String what) {
        assertClose(new double[][] {actual}, new double[][] {expected}, relTol, what);
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
        try (KernelState s = new KernelState(kernel, ridge)) {
            for (int step = 0; step < 45; step++) {
                if (members.size() < 3 || (!free.isEmpty() && r.nextDouble() < 0.65)) {
                    int p = free.remove(r.nextInt(free.size()));
                    IncrementalCholesky.AddResult res = s.add(id(p), column(poolX, p), yPool[p]);
                    assertThat(res.jittered()).isFalse();
                    members.add(p);
                } else {
                    int at = r.nextInt(members.size());
                    assertThat(s.remove(id(members.get(at)))).isTrue();
                    free.add(members.remove(at));
                }
                Reference ref = reference(members, ridge);
                assertThat(s.size()).isEqualTo(members.size());
                // predictions first (z only, α not yet asked for), then α, then predictions through α
                Gaussian g = s.predict(queryX);
                assertClose(g.mean(), ref.mean(), 1e-10, "μ at step " + step);
                assertClose(g.variance(), ref.variance(), 1e-9, "σ² at step " + step);
                assertClose(s.whitenedResiduals(), referenceWhitened(members, ridge), 1e-10, "z at step " + step);
                if (step % 3 == 0) {
                    assertClose(s.predict(queryX, TrainingTime.INFINITE, false).mean(), ref.mean(), 1e-10,
                            "μ without variance (through α) at step " + step);
                    assertClose(s.alpha(), ref.alpha(), 1e-9, "α at step " + step);
                }
            }
            // the stored Gram rows are the kernel of the members
            double[][] gram = s.gram();
            for (int i = 0; i < members.size(); i++) {
                for (int j = 0; j < members.size(); j++) {
                    assertThat(gram[i][j]).isCloseTo(kPool[members.get(i)][members.get(j)],
                            Offset.offset(1e-11 * Math.abs(kPool[0][0])));
                }
            }
        }
    }

    @Test
    void emptyStatePredictsTheNetworkAndThePriorVariance() {
        try (KernelState s = new KernelState(kernel, 1e-2)) {
            Gaussian g = s.predict(queryX);
            assertClose(g.mean(), f0Query, 1e-15, "μ = f0");
            assertClose(g.variance(), kQueryDiag, 1e-12, "σ² = k(x,x)");
            assertClose(s.predict(queryX, TrainingTime.of(3, 0.5), false).mean(), f0Query, 1e-15, "μ_t = f0");
        }
    }

    @Test
    void addAllIsTheSameAsAddingOneByOne() {
        List<Integer> members = List.of(3, 7, 1, 12, 9, 20, 4);
        double[] x = new double[D * members.size()];
        double[][] y = new double[members.size()][];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            System.arraycopy(column(poolX, members.get(i)), 0, x, i * D, D);
            y[i] = yPool[members.get(i)];
            ids.add(id(members.get(i)));
        }
        try (KernelState one = stateOf(1e-3, members); KernelState batch = new KernelState(kernel, 1e-3);
             Matrix xm = Matrix.fromColumnMajor(Precision.FLOAT64, D, members.size(), x)) {
            batch.add(id(0), column(poolX, 0), yPool[0]);
            batch.removeAt(0);
            batch.addAll(ids.subList(0, 3), xm.columns(0, 3), java.util.Arrays.copyOfRange(y, 0, 3));
            batch.addAll(ids.subList(3, 7), xm.columns(3, 7), java.util.Arrays.copyOfRange(y, 3, 7));
            assertThat(batch.ids()).isEqualTo(one.ids());
            assertClose(batch.alpha(), one.alpha(), 1e-10, "α");
            for (int i = 0; i < members.size(); i++) {
                assertClose(batch.cholesky().row(i), one.cholesky().row(i), 1e-10, "L row " + i);
            }
        }
    }

    // ------------------------------------------------------------------ finite time

    @Test
    void finiteTimeMatchesTheMatrixExponentialReference() {
        List<Integer> members = List.of(0, 2, 4, 6, 8, 10, 12, 14, 16, 18);
        try (KernelState s = stateOf(1e-2, members)) {
            double lr = 0.5;
            for (double t : new double[] {0.0, 0.3, 2.0, 10.0, 60.0}) {
                double[][] expected = referenceFlow(members, lr * t);
                Gaussian g = s.predict(queryX, TrainingTime.of(t, lr), true);
                assertClose(g.mean(), expected, 1e-9, "μ_t at t=" + t);
                // the variance is the GP posterior's for any t
                assertClose(g.variance(), reference(members, 1e-2).variance(), 1e-9, "σ² at t=" + t);
            }
            // t = 0: exactly the network
            assertClose(s.predict(queryX, TrainingTime.of(0, 1), false).mean(), f0Query, 1e-15, "μ_0 = f0");
        }
    }

    /**
     * As t → ∞, μ_t → f0 + k K⁻¹ (Y − f0): the ridge prediction at λ = 0 (λ does not enter the
     * gradient flow). And μ at λ → 0 approaches the same limit.
     */
    @Test
    void finiteTimeConvergesToTheRidgelessPredictionAsTimeGrows() {
        List<Integer> members = List.of(1, 3, 5, 7, 9, 11, 13, 15);
        try (KernelState ridgeless = stateOf(0.0, members); KernelState ridged = stateOf(1e-2, members)) {
            assertThat(ridgeless.cholesky().totalJitter()).as("K is positive definite: no jitter").isZero();
            double[][] limit = ridgeless.predict(queryX).mean();
            assertClose(limit, reference(members, 0.0).mean(), 1e-8, "μ at λ = 0");
            double previous = Double.POSITIVE_INFINITY;
            for (double t : new double[] {1, 10, 100, 1e3, 1e4, 1e6, 1e9, 1e12}) {
                double[][] mu = ridged.predict(queryX, TrainingTime.of(t, 1.0), false).mean();
                double gap = DenseReference.maxAbs(minus(mu, limit));
                assertThat(gap).as("gap at t=%s", t).isLessThanOrEqualTo(previous * (1 + 1e-9));
                previous = gap;
            }
            assertThat(previous).as("gap at t = 1e12").isLessThan(1e-8 * DenseReference.maxAbs(limit));
            // λ → 0 consistency of the t = ∞ ridge prediction
            double before = Double.POSITIVE_INFINITY;
            for (double ridge : new double[] {1e-1, 1e-3, 1e-5, 1e-7}) {
                try (KernelState s = stateOf(ridge, members)) {
                    double gap = DenseReference.maxAbs(minus(s.predict(queryX).mean(), limit));
                    assertThat(gap).as("gap at λ=%s", ridge).isLessThan(before);
                    before = gap;
                }
            }
            assertThat(before).isLessThan(1e-4 * DenseReference.maxAbs(limit));
        }
    }

    static double[][] minus(double[][] a, double[][] b) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = a[i][j] - b[i][j];
            }
        }
        return c;
    }

    // ------------------------------------------------------------------ leave-one-out

    @Test
    void leaveOneOutClosedFormMatchesExplicitRefits() {
        List<Integer> members = List.of(2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 1);
        double ridge = 5e-2;
        try (KernelState s = stateOf(ridge, members)) {
            double[][] loo = s.looResiduals();
            double[][] explicit = new double[members.size()][];
            double sse = 0;
            for (int i = 0; i < members.size(); i++) {
                List<Integer> others = new ArrayList<>(members);
                int p = others.remove(i);
                try (KernelState refit = stateOf(ridge, others)) {
                    double[] mu = refit.predict(poolX.columns(p, p + 1)).mean()[0];
                    explicit[i] = new double[] {yPool[p][0] - mu[0], yPool[p][1] - mu[1]};
                    sse += explicit[i][0] * explicit[i][0] + explicit[i][1] * explicit[i][1];
                }
            }
            assertClose(loo, explicit, 1e-9, "LOO residuals");
            assertThat(s.looMeanSquaredError()).isCloseTo(sse / (2.0 * members.size()), Offset.offset(1e-9 * sse));
        }
    }

    // ------------------------------------------------------------------ duplicates

    @Test
    void duplicateSamplesGiveFiniteResultsWithTheJitterReported() {
        double[] x = column(poolX, 4);
        try (KernelState s = new KernelState(kernel, 0.0)) {
            s.add("a", x, yPool[4]);
            s.add("b", column(poolX, 5), yPool[5]);
            IncrementalCholesky.AddResult dup = s.add("a-again", x.clone(), new double[] {yPool[4][0] + 0.5, 0});
            assertThat(dup.jittered()).as("exact duplicate at λ = 0").isTrue();
            assertThat(dup.jitterAdded()).isPositive();
            assertThat(s.cholesky().jitter(2)).isEqualTo(dup.jitterAdded());
            Gaussian g = s.predict(queryX, TrainingTime.INFINITE, true);
            assertAllFinite(g);
            assertAllFinite(s.predict(queryX, TrainingTime.of(5, 1), true));
            for (double[] r : s.looResiduals()) {
                assertThat(java.util.Arrays.stream(r).allMatch(Double::isFinite)).isTrue();
            }
        }
        try (KernelState s = new KernelState(kernel, 1e-3)) {
            s.add("a", x, yPool[4]);
            IncrementalCholesky.AddResult dup = s.add("a-again", x.clone(), yPool[4]);
            assertThat(dup.jittered()).as("with a ridge a duplicate needs no jitter").isFalse();
            assertAllFinite(s.predict(queryX));
        }
    }

    static void assertAllFinite(Gaussian g) {
        for (double[] m : g.mean()) {
            assertThat(java.util.Arrays.stream(m).allMatch(Double::isFinite)).as("finite μ").isTrue();
        }
        assertThat(java.util.Arrays.stream(g.variance()).allMatch(v -> Double.isFinite(v) && v >= 0))
                .as("finite σ² >= 0").isTrue();
    }

    // ------------------------------------------------------------------ serialization

    @Test
    void serializationRoundTripGivesIdenticalPredictions() {
        List<Integer> members = List.of(4, 9, 14, 19, 24, 29, 3);
        try (KernelState s = stateOf(1e-2, members)) {
            s.add("dup", column(poolX, 9), yPool[9]);
            s.remove(id(14));
            byte[] bytes = s.toBytes();
            List<SampleRecord> rows = new ArrayList<>();
            for (SampleRecord r : s.records()) {
                rows.add(SampleRecord.fromBytes(r.toBytes()));
            }
            try (KernelState fromBytes = KernelState.fromBytes(kernel, bytes);
                 KernelState fromRows = KernelState.restore(kernel, s.ridge(), s.jitterTolerance(), rows)) {
                for (KernelState copy : List.of(fromBytes, fromRows)) {
                    assertThat(copy.ids()).isEqualTo(s.ids());
                    assertIdentical(copy.predict(queryX), s.predict(queryX));
                    TrainingTime t = TrainingTime.of(7, 0.3);
                    assertIdentical(copy.predict(queryX, t, true), s.predict(queryX, t, true));
                    assertThat(copy.looResiduals()).isDeepEqualTo(s.looResiduals());
                }
                // both keep learning identically
                s.add(id(0), column(poolX, 0), yPool[0]);
                fromBytes.add(id(0), column(poolX, 0), yPool[0]);
                s.remove(id(4));
                fromBytes.remove(id(4));
                assertIdentical(fromBytes.predict(queryX), s.predict(queryX));
            }
            EmpiricalNtkKernel other = new EmpiricalNtkKernel(net, NtkMode.TRACE);
            assertThatThrownBy(() -> KernelState.fromBytes(other, bytes)).hasMessageContaining("rebuild it");
            assertThatThrownBy(() -> KernelState.fromBytes(kernel, java.util.Arrays.copyOf(bytes, bytes.length - 9)))
                    .hasMessageContaining("truncated");
            // rebuilding from the raw samples under the same kernel gives the same state
            try (KernelState rebuilt = s.rebuild(kernel)) {
                assertClose(rebuilt.predict(queryX).mean(), s.predict(queryX).mean(), 1e-10, "rebuilt μ");
            }
        }
    }

    @Test
    void float32RowsAreCompactAndRestoreBitIdentically() {
        Network net32 = Networks.random(TestNetworks.mlp(D, new int[] {32, 32}, O, Activation.RELU,
                Parametrization.NTK, 1.5, 0.2, true), 11, Precision.FLOAT32);
        EmpiricalNtkKernel k32 = new EmpiricalNtkKernel(net32, NtkMode.PSEUDO);
        List<String> ids = new ArrayList<>();
        double[][] y = new double[12][];
        for (int i = 0; i < 12; i++) {
            ids.add(id(i));
            y[i] = yPool[i];
        }
        try (KernelState s = new KernelState(k32, 1e-2)) {
            s.addAll(ids, poolX.columns(0, 12), y);
            s.add(id(20), column(poolX, 20), yPool[20]);
            s.remove(id(3));
            // pseudo: one cotangent per sample; the first dense layer's inputs are x and are not stored again
            int featureValues = 32 + (32 + 32) + (32 + O);
            List<SampleRecord> rows = new ArrayList<>();
            for (SampleRecord r : s.records()) {
                assertThat(r.features()).hasSize(featureValues);
                for (double v : r.features()) {
                    assertThat((double) (float) v).isEqualTo(v);
                }
                byte[] bytes = r.toBytes();
                int expected = 8 + 2 + r.id().length()
                        + (5 + 8 * D)                       // raw x, float64
                        + (5 + 8 * O)                       // target
                        + (5 + 4 * O)                       // f0: a float32 network's outputs
                        + (5 + 4 * featureValues)           // features as float32
                        + 2 * (5 + 8 * r.gramRow().length)  // Gram and Cholesky rows
                        + 8;
                assertThat(bytes).hasSize(expected);
                assertThat(r.serializedSize()).isEqualTo(expected);
                rows.add(SampleRecord.fromBytes(bytes));
            }
            try (KernelState restored = KernelState.restore(k32, s.ridge(), s.jitterTolerance(), rows);
                 KernelState fromBytes = KernelState.fromBytes(k32, s.toBytes())) {
                for (KernelState copy : List.of(restored, fromBytes)) {
                    assertIdentical(copy.predict(queryX), s.predict(queryX));
                    assertIdentical(copy.predict(queryX, TrainingTime.of(4, 0.5), true),
                            s.predict(queryX, TrainingTime.of(4, 0.5), true));
                    assertThat(copy.predict(queryX, TrainingTime.INFINITE, false).mean())
                            .isDeepEqualTo(s.predict(queryX, TrainingTime.INFINITE, false).mean());
                    assertThat(copy.whitenedResiduals()).isDeepEqualTo(s.whitenedResiduals());
                    assertThat(copy.records().get(5).features()).containsExactly(s.records().get(5).features());
                }
                // and keep learning identically
                restored.add(id(25), column(poolX, 25), yPool[25]);
                s.add(id(25), column(poolX, 25), yPool[25]);
                assertIdentical(restored.predict(queryX), s.predict(queryX));
            }
        }
    }

    @Test
    void rowsOfAnOlderFormatFailNamingTheFormat() throws Exception {
        // format 1: no header, every array as its length and float64 values
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeUTF("s1");
            for (double[] v : new double[][] {{0.5, 0.25, 1}, {1, 2}, {0, 0}, {1, 2, 3}, {1}, {1}}) {
                out.writeInt(v.length);
                for (double d : v) {
                    out.writeDouble(d);
                }
            }
            out.writeDouble(0);
        }
        assertThatThrownBy(() -> SampleRecord.fromBytes(bytes.toByteArray()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SampleRecord format 1");
        byte[] newer = new SampleRecord("s1", new double[] {0.5}, new double[] {1}, new double[] {0}, new double[0],
                new double[] {1}, new double[] {1}, 0).toBytes();
        newer[7] = 3; // the format number's low byte
        assertThatThrownBy(() -> SampleRecord.fromBytes(newer)).hasMessageContaining("SampleRecord format 3 is not "
                + "supported").hasMessageContaining("reads format " + SampleRecord.FORMAT);
    }

    static void assertIdentical(Gaussian a, Gaussian b) {
        assertThat(a.mean()).isDeepEqualTo(b.mean());
        assertThat(a.variance()).containsExactly(b.variance());
    }

    @Test
    void argumentErrorsNameTheFieldAndShape() {
        try (KernelState s = new KernelState(kernel, 1e-2)) {
            s.add("a", column(poolX, 0), yPool[0]);
            assertThatThrownBy(() -> s.add("a", column(poolX, 1), yPool[1])).hasMessageContaining("id 'a'");
            assertThatThrownBy(() -> s.add("b", new double[2], yPool[1])).hasMessageContaining("x (input_dim)")
                    .hasMessageContaining("expected 3 values, got 2");
            assertThatThrownBy(() -> s.add("b", column(poolX, 1), new double[3])).hasMessageContaining("O outputs");
            assertThatThrownBy(() -> s.add("b", new double[] {1, Double.NaN, 0}, yPool[1])).hasMessageContaining("NaN");
            assertThatThrownBy(() -> s.predict(TestNetworks.inputs(2, 1, 1, Precision.FLOAT64)))
                    .hasMessageContaining("input_dim x m = 3 x m");
            assertThat(s.size()).isEqualTo(1);
            assertThat(s.remove("nope")).isFalse();
        }
    }
}
