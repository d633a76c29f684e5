package io.ntkstream.linalg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.function.DoubleUnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dense column-major matrix in float32 or float64: the one facade over the linear-algebra
 * library (ND4J), so the choice lives here. Column-major because GEMM runs at full speed on it
 * (docs/benchmarks.md) and because a block of columns is contiguous: in ntkstream a column is
 * a sample, so a block of samples is a free view.
 *
 * <p>Element access goes through a direct NIO view of the native buffer; GEMM goes to BLAS.
 */
public final class Matrix {
    private final INDArray array;
    private final Precision precision;
    private final int rows;
    private final int cols;
    /** Offset of element (0,0) in the underlying buffer, in elements. */
    private final long offset;
    private final FloatBuffer floats;
    private final DoubleBuffer doubles;

    private Matrix(INDArray array, Precision precision, int rows, int cols) {
        this.array = array;
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
        return new Matrix(Nd4j.create(precision.nd4j, new long[] {rows, cols}, 'f'), precision, rows, cols);
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
        Matrix m = zeros(precision, rows, cols);
        m.put(values);
        return m;
    }

    private static void requireShape(int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("matrix shape must be positive, got " + rows + "x" + cols);
        }
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

    public void addLinear(long i, double v) {
        setLinear(i, getLinear(i) + v);
    }

    public long length() {
        return (long) rows * cols;
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
        return new Matrix(v, precision, r, c);
    }

    public Matrix copy() {
        Matrix m = zeros(precision, rows, cols);
        m.array.assign(array);
        return m;
    }

    public Matrix toPrecision(Precision p) {
        if (p == precision) {
            return this;
        }
        Matrix m = zeros(p, rows, cols);
        m.put(values());
        return m;
    }

    /** C = alpha * op(A) op(B), a new matrix. */
    public static Matrix multiply(Matrix a, boolean transA, Matrix b, boolean transB, double alpha) {
        int m = transA ? a.cols : a.rows;
        int n = transB ? b.rows : b.cols;
        Matrix c = zeros(a.precision, m, n);
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
        Nd4j.gemm(a.array, b.array, c.array, transA, transB, alpha, beta);
    }

    /** this += alpha * other (same shape). */
    public void addScaled(Matrix other, double alpha) {
        requireSameShape(other);
        double[] a = values();
        double[] b = other.values();
        for (int i = 0; i < a.length; i++) {
            a[i] += alpha * b[i];
        }
        put(a);
    }

    /** this += v elementwise. */
    public void addConstant(double v) {
        double[] a = values();
        for (int i = 0; i < a.length; i++) {
            a[i] += v;
        }
        put(a);
    }

    /** this[:, c] += alpha * v for every column c. */
    public void addToEveryColumn(double[] v, double alpha) {
        if (v.length != rows) {
            throw new IllegalArgumentException("column vector of length " + v.length + " for " + rows + " rows");
        }
        if (alpha == 0.0) {
            return;
        }
        double[] a = values();
        parallelFor(cols, (from, to) -> {
            for (int c = from; c < to; c++) {
                int base = c * rows;
                for (int r = 0; r < rows; r++) {
                    a[base + r] += alpha * v[r];
                }
            }
        });
        put(a);
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
        double[] fz = z.values();
        parallelFor(fz.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                fz[i] = f.applyAsDouble(fz[i]);
            }
        });
        double[] a = values();
        int zcols = z.cols;
        parallelFor(cols, (from, to) -> {
            for (int c = from; c < to; c++) {
                int base = c * rows;
                int fbase = (tiled ? c % zcols : c / group) * rows;
                for (int r = 0; r < rows; r++) {
                    a[base + r] *= fz[fbase + r];
                }
            }
        });
        Matrix m = zeros(precision, rows, cols);
        m.put(a);
        return m;
    }

    /** Runs body over [0, n) split into contiguous ranges on the common pool when n is large. */
    private static void parallelFor(int n, RangeBody body) {
        int parts = n >= PARALLEL_THRESHOLD ? Math.max(1, java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1) : 1;
        if (parts == 1) {
            body.run(0, n);
            return;
        }
        java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> {
            long from = (long) n * p / parts;
            long to = (long) n * (p + 1) / parts;
            body.run((int) from, (int) to);
        });
    }

    private static final int PARALLEL_THRESHOLD = 1 << 15;

    @FunctionalInterface
    private interface RangeBody {
        void run(int from, int to);
    }

    /** A new matrix with f applied to every element. */
    public Matrix map(DoubleUnaryOperator f) {
        double[] a = values();
        parallelFor(a.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                a[i] = f.applyAsDouble(a[i]);
            }
        });
        Matrix m = zeros(precision, rows, cols);
        m.put(a);
        return m;
    }

    /** Copies src into the columns starting at {@code colOffset} (same row count). */
    public void setColumns(int colOffset, Matrix src) {
        if (src.rows != rows || colOffset + src.cols > cols) {
            throw new IllegalArgumentException("cannot place " + src.rows + "x" + src.cols + " at column " + colOffset
                    + " of " + rows + "x" + cols);
        }
        columns(colOffset, colOffset + src.cols).put(src.values());
    }

    /** Row-major copy of the values (the .npy layout). */
    public double[] toRowMajor() {
        double[] a = values();
        double[] out = new double[a.length];
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                out[r * cols + c] = a[c * rows + r];
            }
        }
        return out;
    }

    /** Column-major copy of the values. */
    public double[] toColumnMajor() {
        return values();
    }

    /** Overwrites every value from a column-major array of {@link #length()} values. */
    public void setColumnMajor(double[] values) {
        if (values.length != length()) {
            throw new IllegalArgumentException("expected " + length() + " values, got " + values.length);
        }
        put(values);
    }

    /**
     * Writes {@code values} into column {@code col} from row {@code row0} on (one bulk copy, no view
     * created, safe from several threads for disjoint ranges).
     */
    public void setColumnSegment(int col, int row0, double[] values) {
        if (col < 0 || col >= cols || row0 < 0 || row0 + values.length > rows) {
            throw new IndexOutOfBoundsException(values.length + " values at (" + row0 + ", " + col + ") of " + this);
        }
        putAt(offset + (long) col * rows + row0, values);
    }

    /** All values, column-major, widened to double (one bulk copy out of the native buffer). */
    private double[] values() {
        int n = Math.toIntExact(length());
        int at = Math.toIntExact(offset);
        double[] out = new double[n];
        if (doubles != null) {
            doubles.get(at, out);
        } else {
            float[] f = new float[n];
            floats.get(at, f);
            for (int i = 0; i < n; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    /** Overwrites all values from a column-major array (one bulk copy into the native buffer). */
    private void put(double[] v) {
        putAt(offset, v);
    }

    private void putAt(long position, double[] v) {
        int at = Math.toIntExact(position);
        if (doubles != null) {
            doubles.put(at, v);
        } else {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            floats.put(at, f);
        }
    }

    private void requireSameShape(Matrix o) {
        if (o.rows != rows || o.cols != cols) {
            throw new IllegalArgumentException("shape " + o.rows + "x" + o.cols + " differs from " + rows + "x" + cols);
        }
    }

    @Override
    public String toString() {
        return "Matrix[" + rows + "x" + cols + ", " + precision + "]";
    }
}
