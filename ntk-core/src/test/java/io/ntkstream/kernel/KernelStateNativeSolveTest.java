package io.ntkstream.kernel;

import static io.ntkstream.kernel.KernelStateTest.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batched predictions at n ≥ {@link IncrementalCholesky#NATIVE_MIN_ROWS} take the variance solve
 * v = L⁻¹k(X,x) to OpenBLAS on a native copy of L: they must equal the Java path (each query alone,
 * m = 1) to 1e-10 through adds, removals at every position, restores, finite training times, and
 * the copy must be freed by {@link KernelState#close()}.
 */
class KernelStateNativeSolveTest {
    static final int D = 3;
    static final int POOL = 200;
    static final int QUERIES = 32;
    static final double RIDGE = 1e-2;

    static EmpiricalNtkKernel kernel;
    static Matrix poolX;
    static Matrix queryX;
    static double[][] yPool;

    @BeforeAll
    static void setUp() {
        Network net = Networks.random(TestNetworks.mlp(D, new int[] {32, 32}, 2, Activation.ERF,
                Parametrization.NTK, 1.5, 0.2, true), 13, Precision.FLOAT64);
        kernel = new EmpiricalNtkKernel(net, NtkMode.PSEUDO);
        poolX = TestNetworks.inputs(D, POOL, 31, Precision.FLOAT64);
        queryX = TestNetworks.inputs(D, QUERIES, 32, Precision.FLOAT64);
        yPool = new double[POOL][];
        for (int i = 0; i < POOL; i++) {
            double[] x = KernelStateTest.column(poolX, i);
            yPool[i] = new double[] {Math.sin(2 * x[0]) + 0.3 * x[2], x[1] * x[2]};
        }
    }

    @AfterAll
    static void tearDown() {
        poolX.close();
        queryX.close();
    }

    static void addRange(KernelState s, int from, int to) {
        List<String> ids = new ArrayList<>();
        double[][] y = new double[to - from][];
        for (int i = from; i < to; i++) {
            ids.add("s" + i);
            y[i - from] = yPool[i];
        }
        s.addAll(ids, poolX.columns(from, to), y);
    }

    /** The batch of 32 queries (native solve) ≡ each query alone (Java substitution), μ and σ², at time t. */
    static Gaussian assertBatchMatchesSingles(KernelState s, TrainingTime t, String when) {
        Gaussian batch = s.predict(queryX, t, true);
        assertThat(s.cholesky().nativeRows()).as("native copy current after a batched prediction, %s", when)
                .isEqualTo(s.size());
        double[][] mean = new double[QUERIES][];
        double[] variance = new double[QUERIES];
        for (int q = 0; q < QUERIES; q++) {
            Gaussian one = s.predict(queryX.columns(q, q + 1), t, true);
            mean[q] = one.mean()[0];
            variance[q] = one.variance()[0];
        }
        assertClose(batch.mean(), mean, 1e-10, "μ, " + when);
        assertClose(batch.variance(), variance, 1e-10, "σ², " + when);
        return batch;
    }

    @Test
    void batchedPredictionsMatchTheJavaPathThroughAddsRemovesAndRestores() {
        KernelState s = new KernelState(kernel, RIDGE);
        try (s) {
            addRange(s, 0, IncrementalCholesky.NATIVE_MIN_ROWS + 2);
            // a small batch stays on the Java path: no native copy
            s.predict(queryX.columns(0, IncrementalCholesky.NATIVE_MIN_RIGHT_HAND_SIDES - 1));
            assertThat(s.cholesky().nativeRows()).isEqualTo(-1);

            assertBatchMatchesSingles(s, TrainingTime.INFINITE, "n = " + s.size());
            assertThat(s.cholesky().nativeBytes()).isPositive();
            int next = s.size();
            // appends one at a time and by batches, removals of the oldest (a sliding window), the newest and in between
            String[] steps = {"add", "oldest", "addAll", "middle", "newest", "oldest", "add", "addAll", "oldest"};
            for (int k = 0; k < steps.length; k++) {
                switch (steps[k]) {
                    case "add" -> {
                        s.add("s" + next, KernelStateTest.column(poolX, next), yPool[next]);
                        next++;
                    }
                    case "addAll" -> {
                        addRange(s, next, next + 9);
                        next += 9;
                    }
                    case "oldest" -> s.removeAt(0);
                    case "middle" -> s.removeAt(s.size() / 2);
                    default -> s.removeAt(s.size() - 1);
                }
                assertBatchMatchesSingles(s, TrainingTime.INFINITE, "step " + k + " (" + steps[k] + "), n = " + s.size());
            }
            assertBatchMatchesSingles(s, TrainingTime.of(5, 0.2), "finite time");

            // restored from its rows (and from bytes): no native copy until needed, then the same predictions
            List<SampleRecord> rows = s.records();
            try (KernelState restored = KernelState.restore(kernel, s.ridge(), s.jitterTolerance(), rows);
                 KernelState fromBytes = KernelState.fromBytes(kernel, s.toBytes())) {
                Gaussian expected = s.predict(queryX);
                for (KernelState copy : List.of(restored, fromBytes)) {
                    assertThat(copy.cholesky().nativeRows()).isEqualTo(-1);
                    Gaussian g = assertBatchMatchesSingles(copy, TrainingTime.INFINITE, "restored");
                    assertClose(g.mean(), expected.mean(), 1e-12, "restored μ");
                    assertClose(g.variance(), expected.variance(), 1e-12, "restored σ²");
                }
                // and keeps learning like the original
                s.removeAt(1);
                restored.removeAt(1);
                s.add("s" + next, KernelStateTest.column(poolX, next), yPool[next]);
                restored.add("s" + next, KernelStateTest.column(poolX, next), yPool[next]);
                Gaussian a = assertBatchMatchesSingles(s, TrainingTime.INFINITE, "original, after more steps");
                Gaussian b = assertBatchMatchesSingles(restored, TrainingTime.INFINITE, "restored, after more steps");
                assertClose(b.mean(), a.mean(), 1e-12, "restored μ after more steps");
                assertClose(b.variance(), a.variance(), 1e-12, "restored σ² after more steps");
                assertThat(restored.cholesky().nativeBytes()).isPositive();
            }
            assertThat(s.cholesky().nativeBytes()).isPositive();
        }
        // KernelState.close() freed the native copy of L with the stored features
        assertThat(s.cholesky().nativeBytes()).isZero();
        assertThat(s.cholesky().nativeRows()).isEqualTo(-1);
    }

    @Test
    void restoredStatesFreeTheirNativeCopyOnClose() {
        KernelState s = new KernelState(kernel, RIDGE);
        try (s) {
            addRange(s, 0, IncrementalCholesky.NATIVE_MIN_ROWS + 20);
            KernelState restored = KernelState.restore(kernel, RIDGE, s.jitterTolerance(), s.records());
            try (restored) {
                restored.predict(queryX);
                assertThat(restored.cholesky().nativeBytes()).isPositive();
            }
            assertThat(restored.cholesky().nativeBytes()).isZero();
            assertThat(s.cholesky().nativeBytes()).as("the original never needed one").isZero();
        }
    }
}
