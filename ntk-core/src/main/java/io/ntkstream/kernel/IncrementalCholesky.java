package io.ntkstream.kernel;

import io.ntkstream.linalg.NativeLowerFactor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Cholesky factor L (LLᵀ = A) of A = K + λI + D, grown and shrunk one sample at a time in
 * O(n²), float64, stored row-wise: row i is a {@code double[i + 1]} (the lower triangle), so a
 * streaming state backend writes only the rows that changed.
 *
 * <ul>
 *   <li>{@link #add}: one row appended by forward substitution, L·l = k, pivot² = k(x,x) + λ − ‖l‖².</li>
 *   <li>{@link #remove}: the row and column of a sample deleted; the trailing block absorbs the
 *       deleted column by a rank-one Cholesky <em>update</em> (always stable, no downdate).</li>
 * </ul>
 *
 * <p>Jitter: D is a diagonal of automatic jitter, zero unless a new pivot² falls below
 * {@code jitterTolerance · (k(x,x) + λ)} (a duplicate or near-duplicate sample with tiny λ); then
 * the pivot² is raised to that floor, the amount is recorded per row ({@link #jitter(int)}) and
 * reported by {@link AddResult}. So a duplicate never produces NaN.
 *
 * <p>Batched forward substitutions ({@link #solveLowerRowsInPlace} with at least
 * {@link #NATIVE_MIN_RIGHT_HAND_SIDES} right-hand sides on at least {@link #NATIVE_MIN_ROWS} rows)
 * run in OpenBLAS (dtrsm) on a native float64 copy of L, built on first need and then kept up to
 * date lazily: appended rows are copied at the next such solve, a removal invalidates the rows from
 * its position on (they changed), a factor {@link #fromRows rebuilt from rows} starts without one.
 * That copy is native memory: {@link #close()} frees it (the factor stays usable). Everything else
 * is plain Java on the rows.
 */
public final class IncrementalCholesky implements AutoCloseable {
    /** Default relative pivot² floor: pivots below 1e-10 of the sample's own diagonal get jitter. */
    public static final double DEFAULT_JITTER_TOLERANCE = 1e-10;
    /**
     * Fewest right-hand sides for which {@link #solveLowerRowsInPlace} uses the native copy of L
     * (dtrsm): from 8 on, for n ≥ 128, 2.7–5× the speed of the Java substitution with the copy
     * current and still 1.1–2× right after a removal of the oldest sample invalidated all of it;
     * with fewer, refreshing the copy can cost more than the solve saves (docs/benchmarks.md).
     */
    static final int NATIVE_MIN_RIGHT_HAND_SIDES = 8;
    /** Fewest rows of L for the native path (below, the Java substitution takes microseconds). */
    static final int NATIVE_MIN_ROWS = 128;

    /** What {@link #add} did: the new diagonal entry of L and the jitter added to A's diagonal (0 if none). */
    public record AddResult(double pivot, double jitterAdded) {
        public boolean jittered() {
            return jitterAdded > 0;
        }
    }

    private final double ridge;
    private final double jitterTolerance;
    private final List<double[]> rows = new ArrayList<>();
    private final List<Double> jitter = new ArrayList<>();
    /** Native copy of L for batched solves, or null; its rows [0, nativeFactor.rows()) equal rows[0, ...). */
    private NativeLowerFactor nativeFactor;

    public IncrementalCholesky(double ridge) {
        this(ridge, DEFAULT_JITTER_TOLERANCE);
    }

    public IncrementalCholesky(double ridge, double jitterTolerance) {
        if (!(ridge >= 0) || !Double.isFinite(ridge)) {
            throw new IllegalArgumentException("ridge λ must be a finite number >= 0, got " + ridge);
        }
        if (!(jitterTolerance > 0) || !(jitterTolerance < 1)) {
            throw new IllegalArgumentException("jitterTolerance must be in (0, 1), got " + jitterTolerance);
        }
        this.ridge = ridge;
        this.jitterTolerance = jitterTolerance;
    }

    /**
     * Rebuilds a factor from its rows (row i of length i + 1, positive diagonal) and the jitter
     * recorded per row (null: none), e.g. from serialized state. The rows are copied.
     */
    public static IncrementalCholesky fromRows(double ridge, double jitterTolerance, List<double[]> rows,
                                               double[] jitter) {
        IncrementalCholesky c = new IncrementalCholesky(ridge, jitterTolerance);
        if (jitter != null && jitter.length != rows.size()) {
            throw new IllegalArgumentException("jitter: expected " + rows.size() + " values (one per row), got "
                    + jitter.length);
        }
        for (int i = 0; i < rows.size(); i++) {
            double[] r = rows.get(i);
            if (r == null || r.length != i + 1) {
                throw new IllegalArgumentException("Cholesky row " + i + ": expected " + (i + 1) + " values, got "
                        + (r == null ? "null" : r.length));
            }
            if (!(r[i] > 0) || !Double.isFinite(r[i])) {
                throw new IllegalArgumentException("Cholesky row " + i + ": diagonal must be finite and > 0, got " + r[i]);
            }
            double j = jitter == null ? 0.0 : jitter[i];
            if (!(j >= 0) || !Double.isFinite(j)) {
                throw new IllegalArgumentException("jitter[" + i + "] must be finite and >= 0, got " + j);
            }
            c.rows.add(r.clone());
            c.jitter.add(j);
        }
        return c;
    }

    public double ridge() {
        return ridge;
    }

    public double jitterTolerance() {
        return jitterTolerance;
    }

    /** n, the number of rows (samples). */
    public int size() {
        return rows.size();
    }

    /**
     * Appends the row of a new sample: {@code kernelRow[j] = k(x, x_j)} against the n samples
     * already factored, {@code kSelf = k(x, x)}. O(n²).
     */
    public AddResult add(double[] kernelRow, double kSelf) {
        int n = rows.size();
        if (kernelRow.length != n) {
            throw new IllegalArgumentException("kernelRow: expected " + n + " values (one per stored sample), got "
                    + kernelRow.length);
        }
        if (!Double.isFinite(kSelf) || kSelf + ridge <= 0) {
            throw new IllegalArgumentException("kSelf: k(x,x) + λ must be finite and > 0, got k(x,x) = " + kSelf
                    + ", λ = " + ridge);
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(kernelRow[i])) {
                throw new IllegalArgumentException("kernelRow[" + i + "] is not finite: " + kernelRow[i]);
            }
        }
        double[] row = Arrays.copyOf(kernelRow, n + 1);
        forwardRows(row, 1, n + 1);
        double squares = 0;
        for (int i = 0; i < n; i++) {
            squares += row[i] * row[i];
        }
        double diagonal = kSelf + ridge;
        double pivotSquared = diagonal - squares;
        double floor = jitterTolerance * diagonal;
        double added = 0.0;
        if (!(pivotSquared >= floor)) {
            added = floor - pivotSquared;
            pivotSquared = floor;
        }
        row[n] = Math.sqrt(pivotSquared);
        rows.add(row);
        jitter.add(added);
        return new AddResult(row[n], added);
    }

    /**
     * Appends m rows at once, what m calls of {@link #add} with the same arguments do (the same
     * jitter rule per pivot, in order; bit-identical below the native thresholds, else to rounding),
     * blocked: {@code kernelRows[i]} holds k(x_i, ·) against the n stored samples and the new samples
     * before i (n + i values), {@code kSelf[i]} = k(x_i, x_i). One forward substitution with m
     * right-hand sides, L·Wᵀ = K(new, stored)ᵀ, by {@link #solveLowerRowsInPlace} (the Java kernel
     * that streams L once, or dtrsm on the native copy for large batches), then WWᵀ and the m x m
     * block one row at a time.
     * O(n²·m + n·m²). Arguments are checked before anything changes.
     */
    public List<AddResult> addAll(double[][] kernelRows, double[] kSelf) {
        int n = rows.size();
        int m = kernelRows.length;
        if (kSelf.length != m) {
            throw new IllegalArgumentException("kSelf: expected " + m + " values (one per kernel row), got " + kSelf.length);
        }
        for (int i = 0; i < m; i++) {
            double[] k = kernelRows[i];
            if (k == null || k.length != n + i) {
                throw new IllegalArgumentException("kernelRows[" + i + "]: expected " + (n + i) + " values (the stored "
                        + "samples and the new ones before it), got " + (k == null ? "null" : k.length));
            }
            for (int j = 0; j < k.length; j++) {
                if (!Double.isFinite(k[j])) {
                    throw new IllegalArgumentException("kernelRows[" + i + "][" + j + "] is not finite: " + k[j]);
                }
            }
            if (!Double.isFinite(kSelf[i]) || kSelf[i] + ridge <= 0) {
                throw new IllegalArgumentException("kSelf[" + i + "]: k(x,x) + λ must be finite and > 0, got k(x,x) = "
                        + kSelf[i] + ", λ = " + ridge);
            }
        }
        if (m == 1) {
            return List.of(add(kernelRows[0], kSelf[0]));
        }
        // W = K(new, stored)·L⁻ᵀ, m x n row-major (new sample i's factor entries at i·n): one forward
        // substitution with m right-hand sides, L streamed once
        double[] w = new double[m * n];
        for (int i = 0; i < m; i++) {
            System.arraycopy(kernelRows[i], 0, w, i * n, n);
        }
        solveLowerRowsInPlace(w, m);
        // G = WWᵀ (lower triangle, row-major m x m)
        double[] g = new double[m * m];
        for (int i = 0; i < m; i++) {
            for (int t = 0; t <= i; t++) {
                g[i * m + t] = dot(w, i * n, w, t * n, n);
            }
        }
        // the m x m block, one new row at a time, with the jitter rule of add
        double[][] newRows = new double[m][];
        double[] added = new double[m];
        for (int i = 0; i < m; i++) {
            double[] row = new double[n + i + 1];
            System.arraycopy(w, i * n, row, 0, n);
            double squares = g[i * m + i];
            double[] k = kernelRows[i];
            for (int t = 0; t < i; t++) {
                double[] rt = newRows[t];
                double v = k[n + t] - g[i * m + t] - dot(row, n, rt, n, t);
                row[n + t] = v / rt[n + t];
                squares += row[n + t] * row[n + t];
            }
            double diagonal = kSelf[i] + ridge;
            double pivotSquared = diagonal - squares;
            double floor = jitterTolerance * diagonal;
            if (!(pivotSquared >= floor)) {
                added[i] = floor - pivotSquared;
                pivotSquared = floor;
            }
            row[n + i] = Math.sqrt(pivotSquared);
            newRows[i] = row;
        }
        List<AddResult> results = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            rows.add(newRows[i]);
            jitter.add(added[i]);
            results.add(new AddResult(newRows[i][n + i], added[i]));
        }
        return results;
    }

    /**
     * Deletes sample {@code index} (its row and column of A): rows above are unchanged, the rows
     * below lose one entry and their trailing block L₃₃ becomes the factor of L₃₃L₃₃ᵀ + l l ᵀ
     * (l the deleted column below the diagonal) by a rank-one update. O(n²).
     */
    public void remove(int index) {
        int n = rows.size();
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("index " + index + " of a factor with " + n + " rows");
        }
        if (nativeFactor != null) { // rows from index on change: the native copy keeps the ones above
            nativeFactor.truncate(Math.min(nativeFactor.rows(), index));
        }
        int m = n - index - 1;
        double[] x = new double[m];
        for (int i = index + 1; i < n; i++) {
            double[] old = rows.get(i);
            x[i - index - 1] = old[index];
            double[] shorter = new double[old.length - 1];
            System.arraycopy(old, 0, shorter, 0, index);
            System.arraycopy(old, index + 1, shorter, index, old.length - index - 1);
            rows.set(i, shorter);
        }
        rows.remove(index);
        jitter.remove(index);
        // rank-one update of the trailing block (rows/cols index..n-2 now), Givens-style
        for (int k = 0; k < m; k++) {
            double[] rk = rows.get(index + k);
            int kk = index + k;
            double lkk = rk[kk];
            double r = Math.hypot(lkk, x[k]);
            double c = r / lkk;
            double s = x[k] / lkk;
            rk[kk] = r;
            for (int i = k + 1; i < m; i++) {
                double[] ri = rows.get(index + i);
                ri[kk] = (ri[kk] + s * x[i]) / c;
                x[i] = c * x[i] - s * ri[kk];
            }
        }
    }

    /** y with L·y = b (forward substitution), O(n²). */
    public double[] solveLower(double[] b) {
        int n = rows.size();
        requireLength(b, n);
        double[] y = b.clone();
        solveLowerRowsInPlace(y, 1);
        return y;
    }

    /**
     * Solves L·y_q = b_q in place for m right-hand sides stored row-major, b_q = b[q·n, (q + 1)·n)
     * (e.g. m queries' kernel rows as the kernel gives them), O(n²·m). L is streamed once: for each
     * row i of L, every right-hand side's y_q[i] = (b_q[i] − L[i][0..i)·y_q[0..i))/L_ii, each dot
     * product over contiguous memory. From {@link #NATIVE_MIN_RIGHT_HAND_SIDES} right-hand sides on
     * {@link #NATIVE_MIN_ROWS} rows or more: OpenBLAS's dtrsm on the native copy of L instead (the
     * same values to rounding, ~1e-16 relative, but not bit-identical to the Java substitution).
     */
    public void solveLowerRowsInPlace(double[] b, int m) {
        int n = rows.size();
        if (m < 0 || b.length != (long) n * m) {
            throw new IllegalArgumentException("right-hand sides: expected m x n = " + m + " x " + n
                    + " values (row-major, one row per right-hand side), got " + b.length);
        }
        if (m >= NATIVE_MIN_RIGHT_HAND_SIDES && n >= NATIVE_MIN_ROWS && NativeLowerFactor.available()) {
            nativeFactor().solveRowsInPlace(b, m);
        } else {
            forwardRows(b, m, n);
        }
    }

    /** The native copy of L, created or brought up to date (the rows appended or changed since the last use). */
    private NativeLowerFactor nativeFactor() {
        int n = rows.size();
        if (nativeFactor == null) {
            nativeFactor = new NativeLowerFactor(n);
        }
        for (int i = nativeFactor.rows(); i < n; i++) {
            nativeFactor.appendRow(rows.get(i));
        }
        return nativeFactor;
    }

    /** Rows of L in the native copy that are current (−1: no copy), for tests. */
    int nativeRows() {
        return nativeFactor == null ? -1 : nativeFactor.rows();
    }

    /** Native bytes held by the copy of L (0: none). */
    public long nativeBytes() {
        return nativeFactor == null ? 0 : nativeFactor.nativeBytes();
    }

    /**
     * Frees the native copy of L, if any (idempotent). The factor stays usable: a later batched
     * solve builds the copy again.
     */
    @Override
    public void close() {
        if (nativeFactor != null) {
            nativeFactor.close();
            nativeFactor = null;
        }
    }

    /**
     * Forward substitution with the n rows of L in place for m right-hand sides, b_q at b[q·stride,
     * q·stride + n). Register-blocked: four rows of L against two right-hand sides at a time share
     * their loads (eight independent sums over j below the block), then the 4 x 4 triangle; a
     * right-hand side left over takes the same four sums alone. Each right-hand side sees the same
     * arithmetic in the same order whatever the others are, so a query's answer does not depend on
     * its batch. About twice the speed of one dot product per row and right-hand side, and of
     * column-wise axpy updates over the right-hand sides (measured at n = 1,000, m = 32).
     */
    private void forwardRows(double[] b, int m, int stride) {
        int n = rows.size();
        int i0 = 0;
        for (; i0 + 4 <= n; i0 += 4) {
            double[] l0 = rows.get(i0);
            double[] l1 = rows.get(i0 + 1);
            double[] l2 = rows.get(i0 + 2);
            double[] l3 = rows.get(i0 + 3);
            int q = 0;
            for (; q + 2 <= m; q += 2) {
                int a0 = q * stride;
                int a1 = a0 + stride;
                double s00 = 0;
                double s01 = 0;
                double s10 = 0;
                double s11 = 0;
                double s20 = 0;
                double s21 = 0;
                double s30 = 0;
                double s31 = 0;
                for (int j = 0; j < i0; j++) {
                    double x0 = b[a0 + j];
                    double x1 = b[a1 + j];
                    double v = l0[j];
                    s00 += v * x0;
                    s01 += v * x1;
                    v = l1[j];
                    s10 += v * x0;
                    s11 += v * x1;
                    v = l2[j];
                    s20 += v * x0;
                    s21 += v * x1;
                    v = l3[j];
                    s30 += v * x0;
                    s31 += v * x1;
                }
                finishBlock(b, a0, i0, l0, l1, l2, l3, s00, s10, s20, s30);
                finishBlock(b, a1, i0, l0, l1, l2, l3, s01, s11, s21, s31);
            }
            if (q < m) {
                int a0 = q * stride;
                double s0 = 0;
                double s1 = 0;
                double s2 = 0;
                double s3 = 0;
                for (int j = 0; j < i0; j++) { // the same sums, in the same order, as in a pair above
                    double x = b[a0 + j];
                    s0 += l0[j] * x;
                    s1 += l1[j] * x;
                    s2 += l2[j] * x;
                    s3 += l3[j] * x;
                }
                finishBlock(b, a0, i0, l0, l1, l2, l3, s0, s1, s2, s3);
            }
        }
        for (; i0 < n; i0++) {
            double[] li = rows.get(i0);
            for (int q = 0, at = 0; q < m; q++, at += stride) {
                b[at + i0] = (b[at + i0] - dot(li, 0, b, at, i0)) / li[i0];
            }
        }
    }

    /** Rows i0..i0+3 for the right-hand side at offset a, given each row's sum over j < i0. */
    private static void finishBlock(double[] b, int a, int i0, double[] l0, double[] l1, double[] l2, double[] l3,
                                    double s0, double s1, double s2, double s3) {
        double y0 = (b[a + i0] - s0) / l0[i0];
        double y1 = (b[a + i0 + 1] - s1 - l1[i0] * y0) / l1[i0 + 1];
        double y2 = (b[a + i0 + 2] - s2 - l2[i0] * y0 - l2[i0 + 1] * y1) / l2[i0 + 2];
        double y3 = (b[a + i0 + 3] - s3 - l3[i0] * y0 - l3[i0 + 1] * y1 - l3[i0 + 2] * y2) / l3[i0 + 3];
        b[a + i0] = y0;
        b[a + i0 + 1] = y1;
        b[a + i0 + 2] = y2;
        b[a + i0 + 3] = y3;
    }

    /** Σ_{j<len} a[j]·b[offset + j], four partial sums (independent chains, so the loop is not latency-bound). */
    static double dot(double[] a, double[] b, int offset, int len) {
        return dot(a, 0, b, offset, len);
    }

    /** Σ_{j<len} a[aOffset + j]·b[bOffset + j], four partial sums. */
    static double dot(double[] a, int aOffset, double[] b, int bOffset, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 3 < len; j += 4) {
            s0 += a[aOffset + j] * b[bOffset + j];
            s1 += a[aOffset + j + 1] * b[bOffset + j + 1];
            s2 += a[aOffset + j + 2] * b[bOffset + j + 2];
            s3 += a[aOffset + j + 3] * b[bOffset + j + 3];
        }
        for (; j < len; j++) {
            s0 += a[aOffset + j] * b[bOffset + j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Y with L·Y = B for k right-hand sides at once (B: n rows of k values, row i for sample i),
     * O(n²·k); the inner loop runs over the k columns, so a block of queries streams L once.
     */
    public double[][] solveLower(double[][] b) {
        int n = rows.size();
        if (b.length != n) {
            throw new IllegalArgumentException("right-hand sides: expected " + n + " rows (one per sample), got "
                    + b.length);
        }
        double[][] y = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] li = rows.get(i);
            double[] yi = b[i].clone();
            for (int j = 0; j < i; j++) {
                double lij = li[j];
                if (lij != 0) {
                    double[] yj = y[j];
                    for (int r = 0; r < yi.length; r++) {
                        yi[r] -= lij * yj[r];
                    }
                }
            }
            double inv = 1.0 / li[i];
            for (int r = 0; r < yi.length; r++) {
                yi[r] *= inv;
            }
            y[i] = yi;
        }
        return y;
    }

    /** X with Lᵀ·X = Y for k right-hand sides (rows as in {@link #solveLower(double[][])}), O(n²·k). */
    public double[][] solveUpper(double[][] y) {
        int n = rows.size();
        if (y.length != n) {
            throw new IllegalArgumentException("right-hand sides: expected " + n + " rows (one per sample), got "
                    + y.length);
        }
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = y[i].clone();
        }
        for (int i = n - 1; i >= 0; i--) {
            double[] li = rows.get(i);
            double[] xi = x[i];
            double inv = 1.0 / li[i];
            for (int r = 0; r < xi.length; r++) {
                xi[r] *= inv;
            }
            for (int j = 0; j < i; j++) {
                double lij = li[j];
                if (lij != 0) {
                    double[] xj = x[j];
                    for (int r = 0; r < xi.length; r++) {
                        xj[r] -= lij * xi[r];
                    }
                }
            }
        }
        return x;
    }

    /** A⁻¹B for k right-hand sides (B: n rows of k values), O(n²·k). */
    public double[][] solve(double[][] b) {
        return solveUpper(solveLower(b));
    }

    /** x with Lᵀ·x = y (back substitution, by rows of L), O(n²). */
    public double[] solveUpper(double[] y) {
        int n = rows.size();
        requireLength(y, n);
        double[] x = y.clone();
        for (int i = n - 1; i >= 0; i--) {
            double[] li = rows.get(i);
            x[i] /= li[i];
            double xi = x[i];
            for (int j = 0; j < i; j++) {
                x[j] -= li[j] * xi;
            }
        }
        return x;
    }

    /** A⁻¹b = (K + λI + D)⁻¹b, O(n²). */
    public double[] solve(double[] b) {
        return solveUpper(solveLower(b));
    }

    /** log det A = 2 Σ log L_ii. */
    public double logDet() {
        double s = 0;
        for (int i = 0; i < rows.size(); i++) {
            s += Math.log(rows.get(i)[i]);
        }
        return 2 * s;
    }

    /** The diagonal of A⁻¹ (Σ_k (L⁻¹)_{ki}²), O(n³): for leave-one-out residuals. */
    public double[] inverseDiagonal() {
        int n = rows.size();
        double[][] w = inverseFactorRows();
        double[] diag = new double[n];
        for (int k = 0; k < n; k++) {
            double[] wk = w[k];
            for (int j = 0; j <= k; j++) {
                diag[j] += wk[j] * wk[j];
            }
        }
        return diag;
    }

    /**
     * The diagonal blocks of A⁻¹ = WᵀW (W = L⁻¹) for consecutive groups of {@code block} rows (a
     * sample's O rows of a full-NTK Gram): n/block row-major block x block matrices,
     * [A⁻¹]_{sb+a, sb+c} = Σ_k W[k][sb+a]·W[k][sb+c]. O(n³). For block leave-one-out residuals.
     */
    public double[][] inverseDiagonalBlocks(int block) {
        int n = rows.size();
        if (block < 1 || n % block != 0) {
            throw new IllegalArgumentException("block: expected a size >= 1 dividing n = " + n + ", got " + block);
        }
        double[][] w = inverseFactorRows();
        double[][] blocks = new double[n / block][block * block];
        for (int k = 0; k < n; k++) {
            double[] wk = w[k];
            for (int s = 0; s * block <= k; s++) {
                double[] b = blocks[s];
                int base = s * block;
                for (int a = 0; a < block && base + a <= k; a++) {
                    double wa = wk[base + a];
                    for (int c = 0; c < block && base + c <= k; c++) {
                        b[a * block + c] += wa * wk[base + c];
                    }
                }
            }
        }
        return blocks;
    }

    /** W = L⁻¹ by rows (row k has k + 1 values), from L·W = I, O(n³). */
    private double[][] inverseFactorRows() {
        int n = rows.size();
        double[][] w = new double[n][];
        for (int k = 0; k < n; k++) {
            double[] lk = rows.get(k);
            double[] wk = new double[k + 1];
            wk[k] = 1.0 / lk[k];
            for (int j = 0; j < k; j++) {
                double s = 0;
                for (int m = j; m < k; m++) {
                    s += lk[m] * w[m][j];
                }
                wk[j] = -s / lk[k];
            }
            w[k] = wk;
        }
        return w;
    }

    /** Row i of L (a copy, {@code i + 1} values). */
    public double[] row(int i) {
        return rows.get(i).clone();
    }

    /** Row i of L itself (no copy; read it, never modify it). */
    double[] rowView(int i) {
        return rows.get(i);
    }

    /** Every row of L (copies), for serialization. */
    public List<double[]> rows() {
        List<double[]> copy = new ArrayList<>(rows.size());
        for (double[] r : rows) {
            copy.add(r.clone());
        }
        return copy;
    }

    /** Jitter added to A's diagonal at sample i (0 if none). */
    public double jitter(int i) {
        return jitter.get(i);
    }

    /** Jitter of every sample, index-aligned with the rows. */
    public double[] jitters() {
        return jitter.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Sum of the jitter of the samples currently factored. */
    public double totalJitter() {
        return jitter.stream().mapToDouble(Double::doubleValue).sum();
    }

    private static void requireLength(double[] b, int n) {
        if (b.length != n) {
            throw new IllegalArgumentException("right-hand side: expected " + n + " values (one per sample), got "
                    + b.length);
        }
    }

    @Override
    public String toString() {
        return "IncrementalCholesky[n=" + rows.size() + ", λ=" + ridge + ", total jitter=" + totalJitter() + "]";
    }
}
