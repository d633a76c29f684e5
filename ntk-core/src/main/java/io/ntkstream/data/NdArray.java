package io.ntkstream.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * An n-dimensional array of doubles in C (row-major) order, with the dtype it was stored as.
 * The arrays are not copied; equality compares shape, dtype and values.
 *
 * <p>INT64 values beyond ±2<sup>53</sup> lose precision as doubles; use
 * {@link Npy#readLabels(java.nio.file.Path)} for exact integers.
 */
public record NdArray(int[] shape, double[] values, DType dtype) {

    /** Validates that {@code values.length} equals the product of {@code shape}. */
    public NdArray {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(dtype, "dtype");
        long n = elementCount(shape);
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + formatShape(shape) + " holds " + n
                    + " values but " + values.length + " were given");
        }
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of rows of a 2-D array. */
    public int rows() {
        require2d();
        return shape[0];
    }

    /** Number of columns of a 2-D array. */
    public int cols() {
        require2d();
        return shape[1];
    }

    /** The element at the given index (one coordinate per dimension). */
    public double get(int... idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(idx) + " has "
                    + idx.length + " coordinates but the array has shape " + formatShape(shape));
        }
        int flat = 0;
        for (int d = 0; d < idx.length; d++) {
            if (idx[d] < 0 || idx[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(idx)
                        + " is out of bounds for shape " + formatShape(shape));
            }
            flat = flat * shape[d] + idx[d];
        }
        return values[flat];
    }

    /** Copies a 2-D array into {@code double[rows][cols]}. */
    public double[][] toMatrix() {
        require2d();
        int r = shape[0];
        int c = shape[1];
        double[][] m = new double[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(values, i * c, m[i], 0, c);
        }
        return m;
    }

    private void require2d() {
        if (shape.length != 2) {
            throw new IllegalStateException("expected a 2-D array but the shape is "
                    + formatShape(shape) + " (" + shape.length + "-D)");
        }
    }

    /** Product of the dimensions (1 for a scalar); rejects negative dimensions. */
    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + formatShape(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Python tuple style, e.g. {@code (4, 3)}, {@code (8,)}, {@code ()}. */
    public static String formatShape(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringJoiner j = new StringJoiner(", ", "(", ")");
        for (int d : shape) {
            j.add(Integer.toString(d));
        }
        return j.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NdArray a && dtype == a.dtype && Arrays.equals(shape, a.shape)
                && Arrays.equals(values, a.values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "NdArray[shape=" + formatShape(shape) + ", dtype=" + dtype.numpyName() + "]";
    }
}
