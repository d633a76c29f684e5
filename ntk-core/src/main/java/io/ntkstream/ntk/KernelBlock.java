package io.ntkstream.ntk;

/**
 * A block of kernel values for rows x cols input pairs, float64, row-major in the output layout
 * of the mode: value k of pair (i, j) at {@code (i·cols + j)·valuesPerPair + k}.
 */
public record KernelBlock(int rows, int cols, int valuesPerPair, double[] values) {

    public static KernelBlock zeros(int rows, int cols, int valuesPerPair) {
        return new KernelBlock(rows, cols, valuesPerPair, new double[Math.multiplyExact(rows * cols, valuesPerPair)]);
    }

    public int index(int i, int j, int k) {
        return (i * cols + j) * valuesPerPair + k;
    }

    public double get(int i, int j, int k) {
        return values[index(i, j, k)];
    }
}
