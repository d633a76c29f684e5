package io.ntkstream.linalg;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * A float64 lower-triangular factor L (n x n) held in native memory for OpenBLAS triangular
 * solves with many right-hand sides (dtrsm), grown one row at a time: a copy of a factor kept
 * elsewhere row by row (e.g. the Java rows of an incremental Cholesky), brought up to date by
 * {@link #appendRow} and {@link #truncate}.
 *
 * <p>Layout: one column-major {@code capacity x capacity} buffer holding U = Lᵀ, so column i is
 * row i of L (i + 1 contiguous values) and appending a row is one bulk copy. The capacity doubles
 * when a row does not fit (only then is the factor copied, so appends are amortized O(n)); the
 * buffer is never zero-filled: dtrsm does not read the strictly lower triangle of U or anything
 * past n. Memory: 8·capacity² bytes (8 MiB for n ≤ 1,024) plus a right-hand-side scratch buffer.
 *
 * <p>Solves call {@code cblas_dtrsm} directly (Left, Upper, Trans, NonUnit on U, i.e. L·Y = B),
 * the binding ND4J itself uses: ND4J's {@code level3().trsm} passes the diag flag unconverted
 * (OpenBLAS rejects it and leaves B as it was) and ignores array offsets; {@link Decompositions}'s
 * blocked solve (Java diagonal blocks, GEMM updates) is 5–50× slower for the 1–32 right-hand sides
 * here (docs/benchmarks.md). Not thread-safe. Native memory: {@link #close()} it.
 */
public final class NativeLowerFactor implements AutoCloseable {
    /** Capacity of the first buffer, at least (then powers of two). */
    private static final int MIN_CAPACITY = 128;

    private Matrix u;
    private DoublePointer uPointer;
    private int capacity;
    private int rows;
    private Matrix scratch;
    private DoublePointer scratchPointer;
    private boolean closed;

    /**
     * Whether native solves give correct results here: the backend check of {@link Decompositions}
     * (run once per JVM; fails e.g. on AVX-512 CPUs without {@code OPENBLAS_CORETYPE=Haswell}).
     */
    public static boolean available() {
        return BackendCheck.passed();
    }

    /** An empty factor with room for {@code expectedRows} rows before it first grows. */
    public NativeLowerFactor(int expectedRows) {
        BackendCheck.ensure();
        allocate(capacityFor(Math.max(1, expectedRows)));
    }

    private static int capacityFor(int n) {
        int c = MIN_CAPACITY;
        while (c < n) {
            c = Math.multiplyExact(c, 2);
        }
        return c;
    }

    private void allocate(int newCapacity) {
        Matrix bigger = Matrix.uninitialized(Precision.FLOAT64, newCapacity, newCapacity);
        if (u != null) {
            double[] column = new double[rows];
            for (int i = 0; i < rows; i++) {
                u.read((long) i * capacity, column, 0, i + 1);
                bigger.write((long) i * newCapacity, column, 0, i + 1);
            }
            u.close();
        }
        u = bigger;
        uPointer = (DoublePointer) bigger.pointer();
        capacity = newCapacity;
    }

    /** n, the rows held. */
    public int rows() {
        return rows;
    }

    /** Rows that fit before the buffer grows. */
    public int capacity() {
        return capacity;
    }

    /** Native bytes held (the factor's buffer and the scratch), 0 once closed. */
    public long nativeBytes() {
        if (closed) {
            return 0;
        }
        return u.sizeInBytes() + (scratch == null ? 0 : scratch.sizeInBytes());
    }

    public boolean isClosed() {
        return closed;
    }

    /** Keeps rows [0, keep) only (e.g. every row from a removed sample's position on changed). */
    public void truncate(int keep) {
        requireOpen();
        if (keep < 0 || keep > rows) {
            throw new IndexOutOfBoundsException("keep " + keep + " of " + rows + " rows");
        }
        rows = keep;
    }

    /** Appends row n of L: n + 1 values, its diagonal last (non-zero). Doubles the capacity if full. */
    public void appendRow(double[] row) {
        requireOpen();
        if (row.length != rows + 1) {
            throw new IllegalArgumentException("row " + rows + ": expected " + (rows + 1) + " values, got " + row.length);
        }
        if (rows == capacity) {
            allocate(Math.multiplyExact(capacity, 2));
        }
        u.write((long) rows * capacity, row, 0, row.length);
        rows++;
    }

    /**
     * Solves L·y_q = b_q in place for m right-hand sides stored row-major, b_q = b[q·n, (q + 1)·n):
     * one copy in, one dtrsm, one copy out.
     */
    public void solveRowsInPlace(double[] b, int m) {
        requireOpen();
        int n = rows;
        if (m < 0 || b.length != (long) n * m) {
            throw new IllegalArgumentException("right-hand sides: expected m x n = " + m + " x " + n
                    + " values (row-major, one row per right-hand side), got " + b.length);
        }
        if (n == 0 || m == 0) {
            return;
        }
        if (scratch == null || scratch.length() < b.length) {
            if (scratch != null) {
                scratch.close();
            }
            long want = Math.max(b.length, scratch == null ? 0 : 2 * scratch.length());
            scratch = Matrix.uninitialized(Precision.FLOAT64, Math.toIntExact(want), 1);
            scratchPointer = (DoublePointer) scratch.pointer();
        }
        scratch.write(0, b, 0, b.length);
        // B is n x m column-major with leading dimension n: exactly the row-major m x n right-hand sides
        openblas_nolapack.cblas_dtrsm(openblas_nolapack.CblasColMajor, openblas_nolapack.CblasLeft,
                openblas_nolapack.CblasUpper, openblas_nolapack.CblasTrans, openblas_nolapack.CblasNonUnit,
                n, m, 1.0, uPointer, capacity, scratchPointer, n);
        scratch.read(0, b, 0, b.length);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("NativeLowerFactor is closed");
        }
    }

    /** Frees the native buffers (idempotent). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        u.close();
        if (scratch != null) {
            scratch.close();
        }
        u = null;
        uPointer = null;
        scratch = null;
        scratchPointer = null;
    }

    @Override
    public String toString() {
        return "NativeLowerFactor[n=" + rows + ", capacity=" + capacity + (closed ? ", closed" : "") + "]";
    }
}
