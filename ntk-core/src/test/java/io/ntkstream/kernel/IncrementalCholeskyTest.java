package io.ntkstream.kernel;

import io.ntkstream.testing.DenseReference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link IncrementalCholesky} against {@link DenseReference} (a from-scratch Cholesky, Gaussian
 * elimination, elimination log-determinant and inverse, all written in the test) after every step
 * of random add/remove sequences. The kernel is a Gaussian RBF on random points in R³, computed
 * here.
 */
class IncrementalCholeskyTest {
    private static final double TOL = 1e-9;

    static double rbf(double[] p, double[] q) {
        double d = 0;
        for (int i = 0; i < p.length; i++) {
            d += (p[i] - q[i]) * (p[i] - q[i]);
        }
        return Math.exp(-d / 2);
    }

    static double[][] gram(List<double[]> points) {
        int n = points.size();
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                k[i][j] = rbf(points.get(i), points.get(j));
            }
        }
        return k;
    }

    static double[] point(SplittableRandom r) {
        return new double[] {2 * r.nextDouble() - 1, 2 * r.nextDouble() - 1, 2 * r.nextDouble() - 1};
    }

    static IncrementalCholesky.AddResult add(IncrementalCholesky c, List<double[]> points, double[] p) {
        double[] row = new double[points.size()];
        for (int j = 0; j < row.length; j++) {
            row[j] = rbf(p, points.get(j));
        }
        points.add(p);
        return c.add(row, rbf(p, p));
    }

    /** A = K + λI + diag(recorded jitter), the matrix the factor claims to factor. */
    static double[][] target(List<double[]> points, double ridge, IncrementalCholesky c) {
        double[][] a = DenseReference.plusDiagonal(gram(points), ridge);
        for (int i = 0; i < a.length; i++) {
            a[i][i] += c.jitter(i);
        }
        return a;
    }

    static void assertMatchesDense(IncrementalCholesky c, List<double[]> points, double ridge, SplittableRandom r,
                                   boolean inverse) {
        double[][] a = target(points, ridge, c);
        int n = a.length;
        assertThat(c.size()).isEqualTo(n);
        double[][] l = DenseReference.cholesky(a);
        for (int i = 0; i < n; i++) {
            double[] row = c.row(i);
            assertThat(row).hasSize(i + 1);
            for (int j = 0; j <= i; j++) {
                assertThat(row[j]).as("L[%d][%d] at n=%d", i, j, n).isCloseTo(l[i][j], Offset.offset(TOL));
            }
        }
        if (n == 0) {
            return;
        }
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = r.nextDouble() * 2 - 1;
        }
        double[] x = c.solve(b);
        double[] ref = DenseReference.solve(a, b);
        double scale = Math.max(1, maxAbs(ref));
        for (int i = 0; i < n; i++) {
            assertThat(x[i]).as("solve[%d] at n=%d", i, n).isCloseTo(ref[i], Offset.offset(TOL * scale));
        }
        assertThat(c.logDet()).isCloseTo(DenseReference.logAbsDet(a), Offset.offset(TOL * n));
        double[][] many = new double[n][3];
        for (double[] row : many) {
            for (int k = 0; k < 3; k++) {
                row[k] = r.nextDouble() * 2 - 1;
            }
        }
        double[][] xs = c.solve(many);
        double[][] refs = DenseReference.solve(a, many);
        double scaleMany = Math.max(1, DenseReference.maxAbs(refs));
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                assertThat(xs[i][k]).as("solve(B)[%d][%d] at n=%d", i, k, n)
                        .isCloseTo(refs[i][k], Offset.offset(TOL * scaleMany));
            }
        }
        // forward substitution for m right-hand sides stored row-major (m = 1 and a batch), against the dense factor
        for (int m : new int[] {1, 5}) {
            double[] rhs = new double[m * n];
            for (int k = 0; k < rhs.length; k++) {
                rhs[k] = r.nextDouble() * 2 - 1;
            }
            double[] y = rhs.clone();
            c.solveLowerRowsInPlace(y, m);
            for (int q = 0; q < m; q++) {
                double[] expected = new double[n];
                for (int i = 0; i < n; i++) {
                    double v = rhs[q * n + i];
                    for (int j = 0; j < i; j++) {
                        v -= l[i][j] * expected[j];
                    }
                    expected[i] = v / l[i][i];
                }
                double sc = Math.max(1, maxAbs(expected));
                double[] single = c.solveLower(java.util.Arrays.copyOfRange(rhs, q * n, (q + 1) * n));
                for (int i = 0; i < n; i++) {
                    assertThat(y[q * n + i]).as("L⁻¹B row-major [%d][%d] at n=%d", q, i, n)
                            .isCloseTo(expected[i], Offset.offset(TOL * sc));
                    assertThat(single[i]).as("L⁻¹b [%d] at n=%d, the same alone as in a batch", i, n)
                            .isEqualTo(y[q * n + i]);
                }
            }
        }
        if (inverse) {
            double[][] inv = DenseReference.inverse(a);
            double[] diag = c.inverseDiagonal();
            for (int i = 0; i < n; i++) {
                assertThat(diag[i]).as("inverse diagonal %d", i)
                        .isCloseTo(inv[i][i], Offset.offset(TOL * Math.max(1, Math.abs(inv[i][i]))));
            }
            for (int block = 1; block <= 3; block++) {
                if (n % block != 0) {
                    continue;
                }
                double[][] blocks = c.inverseDiagonalBlocks(block);
                assertThat(blocks).hasNumberOfRows(n / block);
                for (int s = 0; s < n / block; s++) {
                    for (int p = 0; p < block; p++) {
                        for (int q = 0; q < block; q++) {
                            double e = inv[s * block + p][s * block + q];
                            assertThat(blocks[s][p * block + q]).as("inverse block %d [%d][%d] (size %d)", s, p, q,
                                    block).isCloseTo(e, Offset.offset(TOL * Math.max(1, Math.abs(e))));
                        }
                    }
                }
            }
        }
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void randomAddRemoveSequencesMatchADenseFactorFromScratch(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double ridge = 1e-2;
        IncrementalCholesky c = new IncrementalCholesky(ridge);
        List<double[]> points = new ArrayList<>();
        int removals = 0;
        for (int step = 0; step < 120; step++) {
            if (points.size() < 3 || r.nextDouble() < 0.6) {
                IncrementalCholesky.AddResult res = add(c, points, point(r));
                assertThat(res.jittered()).isFalse();
            } else {
                int index = r.nextInt(points.size());
                c.remove(index);
                points.remove(index);
                removals++;
            }
            assertMatchesDense(c, points, ridge, r, step % 10 == 0);
        }
        assertThat(removals).isGreaterThan(20);
        assertThat(c.totalJitter()).isZero();
    }

    @Test
    void removingTheFirstAndLastRowsAndEverythingWorks() {
        SplittableRandom r = new SplittableRandom(7);
        IncrementalCholesky c = new IncrementalCholesky(0.1);
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            add(c, points, point(r));
        }
        assertMatchesDense(c, points, 0.1, r, true);
        c.remove(0);
        points.remove(0);
        assertMatchesDense(c, points, 0.1, r, true);
        c.remove(points.size() - 1);
        points.remove(points.size() - 1);
        assertMatchesDense(c, points, 0.1, r, true);
        while (!points.isEmpty()) {
            c.remove(0);
            points.remove(0);
            assertMatchesDense(c, points, 0.1, r, false);
        }
        add(c, points, point(r));
        assertMatchesDense(c, points, 0.1, r, true);
    }

    @Test
    void duplicateSamplesWithoutRidgeGetJitterNotNaN() {
        SplittableRandom r = new SplittableRandom(11);
        IncrementalCholesky c = new IncrementalCholesky(0.0);
        List<double[]> points = new ArrayList<>();
        double[] p = point(r);
        assertThat(add(c, points, p).jittered()).isFalse();
        add(c, points, point(r));
        IncrementalCholesky.AddResult dup = add(c, points, p.clone());
        assertThat(dup.jittered()).as("exact duplicate, λ = 0").isTrue();
        // raised to the floor: pivot² = tolerance · k(x,x)
        assertThat(dup.pivot() * dup.pivot()).isCloseTo(IncrementalCholesky.DEFAULT_JITTER_TOLERANCE,
                Offset.offset(1e-20));
        assertThat(dup.jitterAdded()).isCloseTo(IncrementalCholesky.DEFAULT_JITTER_TOLERANCE, Offset.offset(1e-15));
        IncrementalCholesky.AddResult dup2 = add(c, points, p.clone());
        assertThat(dup2.jittered()).isTrue();
        assertThat(c.jitters()).hasSize(4);
        assertThat(c.totalJitter()).isPositive();
        double[] x = c.solve(new double[] {1, 2, 3, 4});
        for (double v : x) {
            assertThat(v).isFinite();
        }
        assertThat(c.logDet()).isFinite();
        // the factor is exactly that of K + D with the reported jitter D, also after a removal
        double[][] a = target(points, 0.0, c);
        double[][] l = DenseReference.cholesky(a);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j <= i; j++) {
                assertThat(c.row(i)[j]).isCloseTo(l[i][j], Offset.offset(1e-6 * Math.max(1, Math.abs(l[i][j]))));
            }
        }
        c.remove(1);
        points.remove(1);
        for (double v : c.solve(new double[] {1, 2, 3})) {
            assertThat(v).isFinite();
        }
    }

    @Test
    void duplicateSamplesWithRidgeNeedNoJitter() {
        SplittableRandom r = new SplittableRandom(12);
        double ridge = 1e-3;
        IncrementalCholesky c = new IncrementalCholesky(ridge);
        List<double[]> points = new ArrayList<>();
        double[] p = point(r);
        for (int i = 0; i < 5; i++) {
            IncrementalCholesky.AddResult res = add(c, points, p.clone());
            assertThat(res.jittered()).isFalse();
            // pivot² ≥ λ for a duplicate (Schur complement of K + λI)
            assertThat(res.pivot() * res.pivot()).isGreaterThanOrEqualTo(ridge * (1 - 1e-9));
        }
        assertMatchesDense(c, points, ridge, r, true);
    }

    @Test
    void fromRowsRebuildsTheSameFactor() {
        SplittableRandom r = new SplittableRandom(5);
        IncrementalCholesky c = new IncrementalCholesky(0.0);
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            add(c, points, point(r));
        }
        add(c, points, points.get(2).clone()); // a jittered row
        IncrementalCholesky copy = IncrementalCholesky.fromRows(c.ridge(), c.jitterTolerance(), c.rows(), c.jitters());
        double[] b = {1, -2, 3, -4, 5, -6, 7, -8, 9};
        assertThat(copy.solve(b)).containsExactly(c.solve(b));
        assertThat(copy.jitters()).containsExactly(c.jitters());
        assertThat(copy.logDet()).isEqualTo(c.logDet());
        copy.remove(3);
        c.remove(3);
        assertThat(copy.rows().get(7)).containsExactly(c.rows().get(7));
    }

    /** The kernel rows of {@code batch} as addAll / add take them: against the stored points and the batch before it. */
    static double[][] kernelRows(List<double[]> stored, List<double[]> batch) {
        double[][] rows = new double[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            double[] row = new double[stored.size() + i];
            for (int j = 0; j < row.length; j++) {
                row[j] = rbf(batch.get(i), j < stored.size() ? stored.get(j) : batch.get(j - stored.size()));
            }
            rows[i] = row;
        }
        return rows;
    }

    static double[] kSelf(List<double[]> batch) {
        return batch.stream().mapToDouble(p -> rbf(p, p)).toArray();
    }

    /** Sequential adds of the same rows: the reference addAll must equal. */
    static List<IncrementalCholesky.AddResult> addOneByOne(IncrementalCholesky c, double[][] rows, double[] kSelf) {
        List<IncrementalCholesky.AddResult> out = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            out.add(c.add(rows[i], kSelf[i]));
        }
        return out;
    }

    static void assertSameFactor(IncrementalCholesky blocked, IncrementalCholesky sequential,
                                 List<IncrementalCholesky.AddResult> a, List<IncrementalCholesky.AddResult> b, double tol) {
        assertThat(blocked.size()).isEqualTo(sequential.size());
        for (int i = 0; i < blocked.size(); i++) {
            double[] x = blocked.row(i);
            double[] y = sequential.row(i);
            assertThat(x).hasSameSizeAs(y);
            for (int j = 0; j < x.length; j++) {
                assertThat(x[j]).as("L[%d][%d]", i, j).isCloseTo(y[j], Offset.offset(tol * Math.max(1, Math.abs(y[j]))));
            }
            assertThat(blocked.jitter(i)).as("jitter %d", i).isCloseTo(sequential.jitter(i), Offset.offset(1e-12));
        }
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).jittered()).as("jittered %d", i).isEqualTo(b.get(i).jittered());
            assertThat(a.get(i).pivot()).as("pivot %d", i).isCloseTo(b.get(i).pivot(), Offset.offset(1e-12));
            assertThat(a.get(i).jitterAdded()).isCloseTo(b.get(i).jitterAdded(), Offset.offset(1e-12));
        }
    }

    /** L⁻¹B for m right-hand sides (row-major) one at a time, on the Java substitution (m = 1). */
    static double[] solveOneByOne(IncrementalCholesky c, double[] rhs, int m) {
        int n = c.size();
        double[] y = new double[rhs.length];
        for (int q = 0; q < m; q++) {
            System.arraycopy(c.solveLower(java.util.Arrays.copyOfRange(rhs, q * n, (q + 1) * n)), 0, y, q * n, n);
        }
        return y;
    }

    /** A batched solve (native from the thresholds on) ≡ the Java substitution one right-hand side at a time. */
    static void assertBatchedSolveMatchesJava(IncrementalCholesky c, int m, SplittableRandom r, String when) {
        int n = c.size();
        double[] rhs = new double[m * n];
        for (int k = 0; k < rhs.length; k++) {
            rhs[k] = r.nextDouble() * 2 - 1;
        }
        double[] batched = rhs.clone();
        c.solveLowerRowsInPlace(batched, m);
        double[] java = solveOneByOne(c, rhs, m);
        double scale = Math.max(1, maxAbs(java));
        for (int k = 0; k < rhs.length; k++) {
            assertThat(batched[k]).as("L⁻¹B [%d][%d] at n=%d, m=%d, %s", k / n, k % n, n, m, when)
                    .isCloseTo(java[k], Offset.offset(1e-10 * scale));
        }
    }

    @Test
    void batchedSolvesUseANativeCopyOfTheFactorThatFollowsAddsRemovesAndRestores() {
        SplittableRandom r = new SplittableRandom(11);
        double ridge = 1e-2;
        int m = IncrementalCholesky.NATIVE_MIN_RIGHT_HAND_SIDES;
        List<double[]> points = new ArrayList<>();
        IncrementalCholesky c = new IncrementalCholesky(ridge);
        try (c) {
            int n0 = IncrementalCholesky.NATIVE_MIN_ROWS + 10;
            for (int i = 0; i < n0; i++) {
                add(c, points, point(r));
            }
            // small batches stay on the Java path (no native copy), and bit-identical to one at a time
            double[] small = new double[(m - 1) * n0];
            for (int k = 0; k < small.length; k++) {
                small[k] = r.nextDouble() * 2 - 1;
            }
            double[] y = small.clone();
            c.solveLowerRowsInPlace(y, m - 1);
            assertThat(y).containsExactly(solveOneByOne(c, small, m - 1));
            assertThat(c.nativeRows()).isEqualTo(-1);
            assertThat(c.nativeBytes()).isZero();

            assertBatchedSolveMatchesJava(c, m, r, "first native solve");
            assertThat(c.nativeRows()).isEqualTo(n0);
            assertThat(c.nativeBytes()).isPositive();
            assertBatchedSolveMatchesJava(c, 32, r, "32 right-hand sides");
            // appends (past the first capacity of 128 rows... and 256) are copied at the next batched solve
            for (int step = 0; step < 140; step++) {
                add(c, points, point(r));
            }
            assertThat(c.nativeRows()).isEqualTo(n0);
            assertBatchedSolveMatchesJava(c, 33, r, "after 140 adds");
            assertThat(c.nativeRows()).isEqualTo(c.size());
            // a removal keeps the native rows above it; every kind of position, and adds in between
            int[] positions = {0, -1, 57, 0, 3, -1};
            for (int k = 0; k < positions.length; k++) {
                int at = positions[k] < 0 ? c.size() - 1 : positions[k];
                int before = c.nativeRows();
                c.remove(at);
                points.remove(at);
                assertThat(c.nativeRows()).isEqualTo(Math.min(before, at));
                if (k % 2 == 1) { // and appends by addAll, whose batch solve is native too: ≡ adds one by one
                    List<double[]> batch = new ArrayList<>();
                    for (int i = 0; i < m + 1; i++) {
                        batch.add(point(r));
                    }
                    double[][] rows = kernelRows(points, batch);
                    try (IncrementalCholesky sequential = IncrementalCholesky.fromRows(ridge, c.jitterTolerance(),
                            c.rows(), c.jitters())) {
                        List<IncrementalCholesky.AddResult> a = c.addAll(rows, kSelf(batch));
                        assertThat(c.nativeRows()).as("native solve in addAll").isEqualTo(c.size() - batch.size());
                        assertSameFactor(c, sequential, a, addOneByOne(sequential, rows, kSelf(batch)), 1e-12);
                    }
                    points.addAll(batch);
                }
                assertBatchedSolveMatchesJava(c, m + k, r, "after removing row " + at);
                assertMatchesDense(c, points, ridge, r, false);
            }
            // a factor rebuilt from the rows starts without a native copy and solves the same
            try (IncrementalCholesky restored = IncrementalCholesky.fromRows(ridge, c.jitterTolerance(), c.rows(),
                    c.jitters())) {
                assertThat(restored.nativeRows()).isEqualTo(-1);
                assertBatchedSolveMatchesJava(restored, 32, r, "restored");
                assertThat(restored.nativeRows()).isEqualTo(restored.size());
            }
            // close frees the copy; the factor stays usable and builds it again when needed
            c.close();
            assertThat(c.nativeRows()).isEqualTo(-1);
            assertThat(c.nativeBytes()).isZero();
            assertBatchedSolveMatchesJava(c, 32, r, "after close");
            assertThat(c.nativeRows()).isEqualTo(c.size());
        }
        assertThat(c.nativeBytes()).as("closed by try-with-resources").isZero();
        c.close(); // idempotent
    }

    @ParameterizedTest(name = "batch of {0}")
    @ValueSource(ints = {1, 2, 7, 33})
    void addAllEqualsSequentialAddsAndADenseFactor(int m) {
        SplittableRandom r = new SplittableRandom(40 + m);
        double ridge = 1e-2;
        IncrementalCholesky blocked = new IncrementalCholesky(ridge);
        IncrementalCholesky sequential = new IncrementalCholesky(ridge);
        List<double[]> points = new ArrayList<>();
        for (int round = 0; round < 3; round++) { // from empty, then onto a factor of 0, m, 2m (+ removals) rows
            List<double[]> batch = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                batch.add(point(r));
            }
            double[][] rows = kernelRows(points, batch);
            double[] self = kSelf(batch);
            List<IncrementalCholesky.AddResult> a = blocked.addAll(rows, self);
            List<IncrementalCholesky.AddResult> b = addOneByOne(sequential, rows, self);
            points.addAll(batch);
            assertSameFactor(blocked, sequential, a, b, 1e-12);
            assertMatchesDense(blocked, points, ridge, r, round == 1);
            if (points.size() > 3) {
                blocked.remove(1);
                sequential.remove(1);
                points.remove(1);
            }
        }
    }

    @Test
    void addAllAppliesTheJitterRuleToEachPivotInOrder() {
        SplittableRandom r = new SplittableRandom(13);
        for (double ridge : new double[] {0.0, 1e-3}) {
            IncrementalCholesky blocked = new IncrementalCholesky(ridge);
            IncrementalCholesky sequential = new IncrementalCholesky(ridge);
            List<double[]> points = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                double[] p = point(r);
                double[] row = kernelRows(points, List.of(p))[0];
                blocked.add(row, rbf(p, p));
                sequential.add(row, rbf(p, p));
                points.add(p);
            }
            // duplicates of stored points, a duplicate within the batch, and fresh points in between
            double[] fresh = point(r);
            List<double[]> batch = List.of(points.get(2).clone(), point(r), fresh, fresh.clone(), points.get(4).clone(),
                    point(r), points.get(2).clone());
            double[][] rows = kernelRows(points, batch);
            double[] self = kSelf(batch);
            List<IncrementalCholesky.AddResult> a = blocked.addAll(rows, self);
            List<IncrementalCholesky.AddResult> b = addOneByOne(sequential, rows, self);
            // at λ = 0 entries after a jittered pivot (√(1e-10 k(x,x))) amplify rounding ~1e5-fold
            assertSameFactor(blocked, sequential, a, b, ridge == 0 ? 1e-9 : 1e-12);
            if (ridge == 0) {
                assertThat(a.stream().filter(IncrementalCholesky.AddResult::jittered).count()).as("jittered pivots")
                        .isEqualTo(4);
                assertThat(a.get(1).jittered()).isFalse();
                assertThat(a.get(3).jittered()).isTrue();
            } else {
                assertThat(a).noneMatch(IncrementalCholesky.AddResult::jittered);
            }
            points.addAll(batch);
            // the factor is that of K + λI + D with the reported jitter D
            double[][] l = DenseReference.cholesky(target(points, ridge, blocked));
            for (int i = 0; i < points.size(); i++) {
                for (int j = 0; j <= i; j++) {
                    assertThat(blocked.row(i)[j]).isCloseTo(l[i][j], Offset.offset(1e-6 * Math.max(1, Math.abs(l[i][j]))));
                }
            }
        }
    }

    @Test
    void argumentErrorsNameTheArgumentAndShape() {
        IncrementalCholesky c = new IncrementalCholesky(0.1);
        c.add(new double[0], 1.0);
        assertThatThrownBy(() -> c.add(new double[3], 1.0)).hasMessageContaining("kernelRow: expected 1 values");
        assertThatThrownBy(() -> c.add(new double[] {Double.NaN}, 1.0)).hasMessageContaining("kernelRow[0]");
        assertThatThrownBy(() -> c.add(new double[1], Double.NaN)).hasMessageContaining("kSelf");
        assertThatThrownBy(() -> c.solve(new double[2])).hasMessageContaining("expected 1 values");
        assertThatThrownBy(() -> c.remove(1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new IncrementalCholesky(-1)).hasMessageContaining("ridge");
        assertThatThrownBy(() -> IncrementalCholesky.fromRows(0.1, 1e-10, List.of(new double[] {1}, new double[] {1}),
                null)).hasMessageContaining("Cholesky row 1: expected 2 values");
        assertThat(c.size()).isEqualTo(1);
        // addAll checks every row before it changes anything
        assertThatThrownBy(() -> c.addAll(new double[][] {new double[1], new double[1]}, new double[] {1, 1}))
                .hasMessageContaining("kernelRows[1]: expected 2 values");
        assertThatThrownBy(() -> c.addAll(new double[][] {new double[1], {0, Double.NaN}}, new double[] {1, 1}))
                .hasMessageContaining("kernelRows[1][1]");
        assertThatThrownBy(() -> c.addAll(new double[][] {new double[1], new double[2]}, new double[] {1, -5}))
                .hasMessageContaining("kSelf[1]");
        assertThatThrownBy(() -> c.addAll(new double[][] {new double[1]}, new double[2]))
                .hasMessageContaining("kSelf: expected 1 values");
        assertThat(c.size()).isEqualTo(1);
        assertThat(c.addAll(new double[0][], new double[0])).isEmpty();
    }
}
