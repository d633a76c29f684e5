package io.ntkstream.ntk;

/**
 * Receives the kernel a block of rows at a time, in order: rows [rowStart, rowStart + rowCount)
 * times all N2 columns, row-major in the mode's layout. Lets an output larger than memory be
 * written to disk block by block.
 */
@FunctionalInterface
public interface RowBlockSink {
    void accept(int rowStart, int rowCount, double[] values);
}
