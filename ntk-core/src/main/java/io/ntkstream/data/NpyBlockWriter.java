package io.ntkstream.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams a {@code .npy} file of known shape to disk block by block, so outputs larger than memory
 * (several GB) can be written. The header is written on open; blocks of whole rows (along axis 0,
 * C order) are appended; {@link #close()} checks that exactly the declared number of values arrived.
 */
public final class NpyBlockWriter implements AutoCloseable {
    private final Path path;
    private final int[] shape;
    private final DType dtype;
    private final long total;
    private final long rowSize;
    private final FileChannel ch;
    private final ByteBuffer scratch = LittleEndianArrays.newScratch();
    private long written;
    private boolean closed;

    /** Creates (or truncates) {@code path} and writes the header for {@code shape} and {@code dtype}. */
    public NpyBlockWriter(Path path, int[] shape, DType dtype) {
        this.path = path;
        this.shape = shape.clone();
        this.dtype = dtype;
        byte[] header = Npy.headerBytes(this.shape, dtype);
        this.total = NdArray.elementCount(this.shape);
        long r = 1;
        for (int d = 1; d < this.shape.length; d++) {
            r *= this.shape[d];
        }
        this.rowSize = r;
        try {
            ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new DataFileException(path + ": cannot create the file (does the directory exist?)", e);
        } catch (IOException e) {
            throw new DataFileException(path + ": cannot create the file: " + e, e);
        }
        try {
            ByteBuffer h = ByteBuffer.wrap(header);
            while (h.hasRemaining()) {
                ch.write(h);
            }
        } catch (IOException e) {
            closeQuietly();
            throw new DataFileException(path + ": cannot write the header: " + e, e);
        }
    }

    /** Appends whole rows, C order; the length must be a multiple of the row size. */
    public void appendRows(double[] rowMajorValues) {
        appendRows(rowMajorValues, 0, rowMajorValues.length);
    }

    /** Appends {@code values[offset..offset+length)}, a whole number of rows in C order. */
    public void appendRows(double[] values, int offset, int length) {
        if (closed) {
            throw new IllegalStateException(path + ": writer is closed");
        }
        if (offset < 0 || length < 0 || offset + length > values.length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length
                    + " out of bounds for an array of " + values.length);
        }
        if (rowSize > 0 ? length % rowSize != 0 : length != 0) {
            throw new IllegalArgumentException(path + ": block of " + length + " values is not a whole number of rows of "
                    + rowSize + " values (shape " + NdArray.formatShape(shape) + ")");
        }
        if (written + length > total) {
            throw new DataFileException(path + ": appending " + length + " values after " + written
                    + " exceeds the declared shape " + NdArray.formatShape(shape) + " (" + total + " values)");
        }
        try {
            LittleEndianArrays.write(ch, values, offset, length, dtype, scratch);
        } catch (IOException e) {
            throw new DataFileException(path + ": write failed after " + written + " values: " + e, e);
        }
        written += length;
    }

    /** Values appended so far. */
    public long valuesWritten() {
        return written;
    }

    /** Values the declared shape holds. */
    public long totalValues() {
        return total;
    }

    /** Closes the file; fails if the number of values written differs from the declared shape. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            ch.close();
        } catch (IOException e) {
            throw new DataFileException(path + ": cannot close: " + e, e);
        }
        if (written != total) {
            throw new DataFileException(path + ": incomplete .npy file: " + written + " of " + total
                    + " values written for shape " + NdArray.formatShape(shape) + " " + dtype.numpyName());
        }
    }

    private void closeQuietly() {
        closed = true;
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing
        }
    }
}
