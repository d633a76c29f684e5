package io.ntkstream.linalg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dense column-major matrix in float32 or float64: the one facade over the linear-algebra
 * library (ND4J), so the choice lives here. Column-major because GEMM runs at full speed on it
 * (docs/benchmarks.md) and because a block of columns is contiguous: in ntkstream a column is
 * a sample, so a block of samples is a free view.
 *
 * <p>Element access goes through a direct NIO view of the native buffer, elementwise work in
 * small chunks through per-thread scratch arrays, GEMM to BLAS.
 *
 * <p>Memory: native buffers are freed by {@link #close()} (views share their owner's buffer and
 * close nothing). Closing temporaries matters: a fresh native page costs a page fault, and
 * buffers left to the garbage collector are not reused until a GC happens to run.
 */
public final class Matrix implements AutoCloseable {
    private static final int CHUNK = 4096;
    private static final int PARALLEL_THRESHOLD = 1 << 15;
    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[][] {
        new double[CHUNK], new double[CHUNK]});
    private static final ThreadLocal<float[]> SCRATCH_F = ThreadLocal.withInitial(() -> new float[CHUNK]);

    private final INDArray array;
    private final boolean owner;
    private final Precision precision;
    private final int rows;
    private final int cols;
    /** Offset of element (0,0) in the underlying buffer, in elements. */
    private final long offset;
    private final FloatBuffer floats;
    private final DoubleBuffer doubles;

    private Matrix(INDArray array, boolean owner, Precision precision, int rows, int cols) {
        this.array = array;
        this.owner = owner;
        this.precision = precision;
        this.rows = rows;
        this.cols = cols;
        this.offset = array.offset();
        ByteBuffer bytes = array.data().asNio().order(ByteOrder.nativeOrder());
        if (precision == Precision.FLOAT32) {
            this.floats = bytes.asFloatBuffer();
            this.doubles = null;
        } else {
            this.doubles = bytes.asDoubleBuffer();
            this.floats = null;
        }
    }

    public static Matrix zeros(Precision precision, int rows, int cols) {
        requireShape(rows, cols);
        return new Matrix(Nd4j.create(precision.nd4j, new long[] {rows, cols}, 'f'), true, precision, rows, cols);
    }

    /** A column of {@code rows} ones (sums as products: Aᵀ·1). */
    public static Matrix ones(Precision precision, int rows) {
        Matrix m = zeros(precision, rows, 1);
        m.addConstant(1.0);
        return m;
    }

    /** A matrix whose every value the caller will overwrite (no zero fill). */
    static Matrix uninitialized(Precision precision, int rows, int cols) {
        requireShape(rows, cols);
        return new Matrix(Nd4j.createUninitialized(precision.nd4j, new long[] {rows, cols}, 'f'), true, precision,
                rows, cols);
    }

    /** A matrix from row-major values (the layout of .npy files and Java arrays). */
    public static Matrix fromRowMajor(Precision precision, int rows, int cols, double[] values) {
        if (values.length != (long) rows * cols) {
            throw new IllegalArgumentException("expected " + rows + "x" + cols + " = " + (long) rows * cols
                    + " values, got " + values.length);
        }
        double[] colMajor = new double[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                colMajor[c * rows + r] = values[r * cols + c];
            }
        }
        return fromColumnMajor(precision, rows, cols, colMajor);
    }

    /** A matrix from column-major values. */
    public static Matrix fromColumnMajor(Precision precision, int rows, int cols, double[] values) {
        if (values.length != (long) rows * cols) {
            throw new IllegalArgumentException("expected " + (long) rows * cols + " values, got " + values.length);
        }
        Matrix m = uninitialized(precision, rows, cols);
        m.write(0, values, 0, values.length);
        return m;
    }

    private static void requireShape(int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("matrix shape must be positive, got " + rows + "x" + cols);
        }
    }

    /** The backing ND4J array, for the other classes of this package (the facade's only door to ND4J). */
    INDArray nd4j() {
        return array;
    }

    /** Wraps an ND4J array this package created (2-D, column-major, owned). */
    static Matrix wrap(INDArray array, Precision precision) {
        if (array.rank() != 2 || array.ordering() != 'f') {
            throw new IllegalArgumentException("expected a 2-D column-major array, got rank " + array.rank()
                    + " order " + array.ordering());
        }
        return new Matrix(array, true, precision, (int) array.rows(), (int) array.columns());
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public Precision precision() {
        return precision;
    }

    public long sizeInBytes() {
        return (long) rows * cols * precision.bytes();
    }

    public long length() {
        return (long) rows * cols;
    }

    public double get(int r, int c) {
        return getLinear((long) c * rows + r);
    }

    public void set(int r, int c, double v) {
        setLinear((long) c * rows + r, v);
    }

    /** Element at column-major index i (= c*rows + r). */
    public double getLinear(long i) {
        int at = Math.toIntExact(offset + i);
        return floats != null ? floats.get(at) : doubles.get(at);
    }

    public void setLinear(long i, double v) {
        int at = Math.toIntExact(offset + i);
        if (floats != null) {
            floats.put(at, (float) v);
        } else {
            doubles.put(at, v);
        }
    }

    /** Columns [from, to) as a view sharing storage (contiguous in column-major order). */
    public Matrix columns(int from, int to) {
        if (from < 0 || to > cols || from >= to) {
            throw new IndexOutOfBoundsException("columns [" + from + ", " + to + ") of a matrix with " + cols);
        }
        if (from == 0 && to == cols) {
            return this;
        }
        return view((long) from * rows, rows, to - from);
    }

    /**
     * Reinterprets the same column-major storage as {@code newRows x newCols} (a view). E.g. a
     * (out x N*O) cotangent block with columns n*O+o is the (O*out x N) matrix whose column n
     * stacks every output's cotangent of sample n.
     */
    public Matrix reshape(int newRows, int newCols) {
        if ((long) newRows * newCols != length()) {
            throw new IllegalArgumentException("cannot reshape " + rows + "x" + cols + " to " + newRows + "x" + newCols);
        }
        return view(0, newRows, newCols);
    }

    /**
     * A contiguous {@code r x c} column-major block starting at column-major index
     * {@code elementOffset} (a view), e.g. one layer's weights inside a flat parameter vector.
     */
    public Matrix block(long elementOffset, int r, int c) {
        if (elementOffset < 0 || elementOffset + (long) r * c > length()) {
            throw new IndexOutOfBoundsException("block of " + r + "x" + c + " at " + elementOffset + " in " + this);
        }
        return view(elementOffset, r, c);
    }

    private Matrix view(long elementOffset, int r, int c) {
        INDArray v = Nd4j.create(array.data(), new long[] {r, c}, new long[] {1, r}, offset + elementOffset, 'f',
                precision.nd4j);
        return new Matrix(v, false, precision, r, c);
    }

    public Matrix copy() {
        Matrix m = uninitialized(precision, rows, cols);
        m.array.assign(array);
        return m;
    }

    /** This matrix in precision p: itself if already so, else a converted copy. */
    public Matrix toPrecision(Precision p) {
        if (p == precision) {
            return this;
        }
        Matrix m = uninitialized(p, rows, cols);
        double[] buf = SCRATCH.get()[0];
        for (long pos = 0; pos < length(); pos += CHUNK) {
            int len = (int) Math.min(CHUNK, length() - pos);
            read(pos, buf, 0, len);
            m.write(pos, buf, 0, len);
        }
        return m;
    }

    /** C = alpha * op(A) op(B), a new matrix. */
    public static Matrix multiply(Matrix a, boolean transA, Matrix b, boolean transB, double alpha) {
        int m = transA ? a.cols : a.rows;
        int n = transB ? b.rows : b.cols;
        Matrix c = uninitialized(a.precision, m, n);
        gemm(a, transA, b, transB, alpha, 0.0, c);
        return c;
    }

    /** C = alpha * op(A) op(B) + beta * C (BLAS GEMM). Shapes are checked and named on error. */
    public static void gemm(Matrix a, boolean transA, Matrix b, boolean transB, double alpha, double beta, Matrix c) {
        int m = transA ? a.cols : a.rows;
        int k = transA ? a.rows : a.cols;
        int kb = transB ? b.cols : b.rows;
        int n = transB ? b.rows : b.cols;
        if (k != kb || c.rows != m || c.cols != n) {
            throw new IllegalArgumentException("gemm shapes: op(A) " + m + "x" + k + ", op(B) " + kb + "x" + n
                    + ", C " + c.rows + "x" + c.cols);
        }
        if (a.precision != b.precision || a.precision != c.precision) {
            throw new IllegalArgumentException("gemm precisions differ: " + a.precision + ", " + b.precision + ", "
                    + c.precision);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            Nd4j.gemm(a.array, b.array, c.array, transA, transB, alpha, beta);
            return;
        }
        // straight to BLAS: ND4J's gemm is an op execution costing tens of µs per call, which the
        // many per-sample products of a convolution would pay thousands of times
        int ta = transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int tb = transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int lda = Math.max(1, a.rows);
        int ldb = Math.max(1, b.rows);
        int ldc = Math.max(1, c.rows);
        if (c.precision == Precision.FLOAT32) {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasColMajor, ta, tb, m, n, k, (float) alpha,
                    (FloatPointer) a.pointer(), lda, (FloatPointer) b.pointer(), ldb, (float) beta,
                    (FloatPointer) c.pointer(), ldc);
        } else {
            openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasColMajor, ta, tb, m, n, k, alpha,
                    (DoublePointer) a.pointer(), lda, (DoublePointer) b.pointer(), ldb, beta,
                    (DoublePointer) c.pointer(), ldc);
        }
    }

    /**
     * A native pointer to element (0, 0) for BLAS calls of this package: the direct buffer every read
     * and write of this matrix goes through (a DoublePointer for float64, FloatPointer for float32).
     */
    Pointer pointer() {
        return precision == Precision.FLOAT32 ? new FloatPointer(floats).position(offset)
                : new DoublePointer(doubles).position(offset);
    }

    /** this += v elementwise. */
    public void addConstant(double v) {
        forEachChunk(this, (buf, len) -> {
            for (int i = 0; i < len; i++) {
                buf[i] += v;
            }
        });
    }

    /** this += alpha·other elementwise (same shape): e.g. two paths' cotangents meeting at a shared value. */
    public void addScaled(Matrix other, double alpha) {
        if (other.rows != rows || other.cols != cols) {
            throw new IllegalArgumentException("cannot add " + other.rows + "x" + other.cols + " to " + rows + "x" + cols);
        }
        long n = length();
        int chunks = (int) ((n + CHUNK - 1) / CHUNK);
        parallelFor(chunks, n, (from, to) -> {
            double[][] scratch = SCRATCH.get();
            double[] buf = scratch[0];
            double[] add = scratch[1];
            for (int ch = from; ch < to; ch++) {
                long pos = (long) ch * CHUNK;
                int len = (int) Math.min(CHUNK, n - pos);
                read(pos, buf, 0, len);
                other.read(pos, add, 0, len);
                for (int i = 0; i < len; i++) {
                    buf[i] += alpha * add[i];
                }
                write(pos, buf, 0, len);
            }
        });
    }

    /** this[:, c] += alpha * v for every column c. */
    public void addToEveryColumn(double[] v, double alpha) {
        if (v.length != rows) {
            throw new IllegalArgumentException("column vector of length " + v.length + " for " + rows + " rows");
        }
        if (alpha == 0.0) {
            return;
        }
        parallelFor(cols, length(), (from, to) -> {
            double[] buf = SCRATCH.get()[0];
            for (int c = from; c < to; c++) {
                for (int r0 = 0; r0 < rows; r0 += CHUNK) {
                    int len = Math.min(CHUNK, rows - r0);
                    long pos = (long) c * rows + r0;
                    read(pos, buf, 0, len);
                    for (int i = 0; i < len; i++) {
                        buf[i] += alpha * v[r0 + i];
                    }
                    write(pos, buf, 0, len);
                }
            }
        });
    }

    /**
     * A new matrix: this ⊙ f(z), where column c of this uses column {@code c / group} of z (grouped:
     * several cotangents per sample) or {@code c mod z.cols} (tiled: several tangents per sample).
     * Backpropagation through an elementwise φ is {@code cotangent.timesMapped(z, φ', group, false)}.
     */
    public Matrix timesMapped(Matrix z, DoubleUnaryOperator f, int group, boolean tiled) {
        if (z.rows != rows || (tiled ? cols % z.cols != 0 : (long) z.cols * group != cols)) {
            throw new IllegalArgumentException("product with mapped " + z.rows + "x" + z.cols + " for " + rows + "x"
                    + cols + (tiled ? " tiled" : " in groups of " + group));
        }
        Matrix result = uninitialized(precision, rows, cols);
        int copies = cols / z.cols;
        parallelFor(z.cols, length(), (from, to) -> {
            double[][] scratch = SCRATCH.get();
            double[] fz = scratch[0];
            double[] buf = scratch[1];
            for (int zc = from; zc < to; zc++) {
                for (int r0 = 0; r0 < rows; r0 += CHUNK) {
                    int len = Math.min(CHUNK, rows - r0);
                    z.read((long) zc * rows + r0, fz, 0, len);
                    for (int i = 0; i < len; i++) {
                        fz[i] = f.applyAsDouble(fz[i]);
                    }
                    for (int k = 0; k < copies; k++) {
                        int c = tiled ? zc + k * z.cols : zc * group + k;
                        long pos = (long) c * rows + r0;
                        read(pos, buf, 0, len);
                        for (int i = 0; i < len; i++) {
                            buf[i] *= fz[i];
                        }
                        result.write(pos, buf, 0, len);
                    }
                }
            }
        });
        return result;
    }

    /** A new matrix with f applied to every element. */
    public Matrix map(DoubleUnaryOperator f) {
        Matrix m = uninitialized(precision, rows, cols);
        long n = length();
        int chunks = (int) ((n + CHUNK - 1) / CHUNK);
        parallelFor(chunks, n, (from, to) -> {
            double[] buf = SCRATCH.get()[0];
            for (int ch = from; ch < to; ch++) {
                long pos = (long) ch * CHUNK;
                int len = (int) Math.min(CHUNK, n - pos);
                read(pos, buf, 0, len);
                for (int i = 0; i < len; i++) {
                    buf[i] = f.applyAsDouble(buf[i]);
                }
                m.write(pos, buf, 0, len);
            }
        });
        return m;
    }

    /** Copies src into the columns starting at {@code colOffset} (same row count). */
    public void setColumns(int colOffset, Matrix src) {
        if (src.rows != rows || colOffset + src.cols > cols) {
            throw new IllegalArgumentException("cannot place " + src.rows + "x" + src.cols + " at column " + colOffset
                    + " of " + rows + "x" + cols);
        }
        Matrix target = columns(colOffset, colOffset + src.cols);
        target.array.assign(src.array);
    }

    /** Reads column c into dst[0..rows). */
    public void readColumn(int c, double[] dst) {
        read((long) c * rows, dst, 0, rows);
    }

    /** Reads columns [c0, c1) into dst[0 .. (c1 − c0)·rows), column-major (one bulk copy). */
    public void readColumns(int c0, int c1, double[] dst) {
        if (c0 < 0 || c1 < c0 || c1 > cols || dst.length < (long) (c1 - c0) * rows) {
            throw new IndexOutOfBoundsException("columns [" + c0 + ", " + c1 + ") of " + this + " into "
                    + dst.length + " values");
        }
        read((long) c0 * rows, dst, 0, (c1 - c0) * rows);
    }

    /** Column-major copy of the values. */
    public double[] toColumnMajor() {
        double[] out = new double[Math.toIntExact(length())];
        read(0, out, 0, out.length);
        return out;
    }

    /** Overwrites every value from a column-major array of {@link #length()} values. */
    public void setColumnMajor(double[] values) {
        if (values.length != length()) {
            throw new IllegalArgumentException("expected " + length() + " values, got " + values.length);
        }
        write(0, values, 0, values.length);
    }

    /**
     * Writes {@code values} into column {@code col} from row {@code row0} on (bulk copies, no view
     * created, safe from several threads for disjoint ranges).
     */
    public void setColumnSegment(int col, int row0, double[] values) {
        if (col < 0 || col >= cols || row0 < 0 || row0 + values.length > rows) {
            throw new IndexOutOfBoundsException(values.length + " values at (" + row0 + ", " + col + ") of " + this);
        }
        write((long) col * rows + row0, values, 0, values.length);
    }

    /** Frees the native buffer now (owners only; a view closes nothing). Using it afterwards is an error. */
    @Override
    public void close() {
        if (owner && !array.wasClosed()) {
            array.close();
        }
    }

    /** Reads len values from column-major position pos into dst[off..], widening float32. */
    void read(long pos, double[] dst, int off, int len) {
        int at = Math.toIntExact(offset + pos);
        if (doubles != null) {
            doubles.get(at, dst, off, len);
            return;
        }
        float[] f = len <= CHUNK ? SCRATCH_F.get() : new float[Math.min(len, 1 << 20)];
        for (int done = 0; done < len; done += f.length) {
            int n = Math.min(f.length, len - done);
            floats.get(at + done, f, 0, n);
            for (int i = 0; i < n; i++) {
                dst[off + done + i] = f[i];
            }
        }
    }

    /** Writes len values from src[off..] to column-major position pos, rounding for float32. */
    void write(long pos, double[] src, int off, int len) {
        int at = Math.toIntExact(offset + pos);
        if (doubles != null) {
            doubles.put(at, src, off, len);
            return;
        }
        float[] f = len <= CHUNK ? SCRATCH_F.get() : new float[Math.min(len, 1 << 20)];
        for (int done = 0; done < len; done += f.length) {
            int n = Math.min(f.length, len - done);
            for (int i = 0; i < n; i++) {
                f[i] = (float) src[off + done + i];
            }
            floats.put(at + done, f, 0, n);
        }
    }

    @FunctionalInterface
    private interface ChunkBody {
        void apply(double[] buf, int len);
    }

    /** Applies body to every chunk of m in place. */
    private static void forEachChunk(Matrix m, ChunkBody body) {
        long n = m.length();
        int chunks = (int) ((n + CHUNK - 1) / CHUNK);
        parallelFor(chunks, n, (from, to) -> {
            double[] buf = SCRATCH.get()[0];
            for (int ch = from; ch < to; ch++) {
                long pos = (long) ch * CHUNK;
                int len = (int) Math.min(CHUNK, n - pos);
                m.read(pos, buf, 0, len);
                body.apply(buf, len);
                m.write(pos, buf, 0, len);
            }
        });
    }

    @FunctionalInterface
    private interface RangeBody {
        void run(int from, int to);
    }

    /** Runs body over [0, n) split into contiguous ranges on the common pool when there are enough elements. */
    private static void parallelFor(int n, long elements, RangeBody body) {
        int parts = Math.min(n, ForkJoinPool.getCommonPoolParallelism() + 1);
        if (parts <= 1 || elements < PARALLEL_THRESHOLD) {
            body.run(0, n);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> body.run((int) ((long) n * p / parts),
                (int) ((long) n * (p + 1) / parts)));
    }

    @Override
    public String toString() {
        return "Matrix[" + rows + "x" + cols + ", " + precision + "]";
    }
}
