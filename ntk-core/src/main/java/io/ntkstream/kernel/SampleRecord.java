package io.ntkstream.kernel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Everything a {@link KernelState} keeps about sample i, as one row: what a streaming state
 * backend stores per sample (a MapState entry), so that adding a sample writes one new row.
 * {@code gramRow} and {@code choleskyRow} hold i + 1 values (the lower triangle: k(x_i, x_j) and
 * L[i][j] for j ≤ i); {@code jitter} is what was added to A's diagonal at this sample;
 * {@code features} are the kernel's stored features without what x gives back
 * ({@link FeatureStore#sampleValues}: for a network whose first layer is dense, its inputs are x).
 *
 * <p>Bytes, format {@value #FORMAT}: magic "NTSR", the format number, the id (modified UTF-8), then
 * x, target, f0, features, Gram row, Cholesky row — each array as its length, a width byte and
 * the values: width 4 (float32) when every value is exactly a float (a float32 network's features
 * are; narrowing them back is exact), else 8 (float64) — and the jitter. Format 1 (before the
 * magic; features widened to doubles and the first layer's inputs stored besides x) is not read:
 * such rows fail with a message naming it, and the state is rebuilt from the raw samples.
 */
public record SampleRecord(String id, double[] x, double[] target, double[] f0, double[] features, double[] gramRow,
                           double[] choleskyRow, double jitter) {
    /** "NTSR". */
    static final int MAGIC = 0x4e545352;
    /** The row format written and read. */
    public static final int FORMAT = 2;

    public void write(DataOutput out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(FORMAT);
        out.writeUTF(id);
        writeArray(out, x);
        writeArray(out, target);
        writeArray(out, f0);
        writeArray(out, features);
        writeArray(out, gramRow);
        writeArray(out, choleskyRow);
        out.writeDouble(jitter);
    }

    public static SampleRecord read(DataInput in) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IllegalArgumentException("sample record: not format " + FORMAT + " (no \"NTSR\" header); rows of "
                    + "SampleRecord format 1 (written before format 2) are not supported: rebuild the task's state "
                    + "from its raw samples");
        }
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IllegalArgumentException("sample record: SampleRecord format " + format
                    + " is not supported (this build reads format " + FORMAT + ")");
        }
        return new SampleRecord(in.readUTF(), readArray(in), readArray(in), readArray(in), readArray(in),
                readArray(in), readArray(in), in.readDouble());
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(serializedSize());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static SampleRecord fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return read(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a serialized sample record: " + e.getMessage(), e);
        }
    }

    /** Bytes {@link #write} produces. */
    public int serializedSize() {
        return 8 + 2 + utfLength(id) + arraySize(x) + arraySize(target) + arraySize(f0) + arraySize(features)
                + arraySize(gramRow) + arraySize(choleskyRow) + 8;
    }

    /** Length of the modified UTF-8 {@link DataOutput#writeUTF} writes (without its 2-byte length). */
    private static int utfLength(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c >= 0x0001 && c <= 0x007f ? 1 : c <= 0x07ff ? 2 : 3;
        }
        return n;
    }

    private static boolean floatExact(double[] v) {
        for (double d : v) {
            if ((double) (float) d != d && !Double.isNaN(d)) {
                return false;
            }
        }
        return true;
    }

    private static int arraySize(double[] v) {
        return 5 + v.length * (floatExact(v) ? 4 : 8);
    }

    private static void writeArray(DataOutput out, double[] v) throws IOException {
        out.writeInt(v.length);
        // bulk through a big-endian buffer: the same bytes as writeFloat / writeDouble one by one
        if (floatExact(v)) {
            out.writeByte(4);
            ByteBuffer b = ByteBuffer.allocate(4 * v.length);
            FloatBuffer f = b.asFloatBuffer();
            for (double d : v) {
                f.put((float) d);
            }
            out.write(b.array());
        } else {
            out.writeByte(8);
            ByteBuffer b = ByteBuffer.allocate(8 * v.length);
            b.asDoubleBuffer().put(v);
            out.write(b.array());
        }
    }

    private static double[] readArray(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (1 << 24)) { // (a corrupt length must not allocate gigabytes)
            throw new IOException("corrupt array length " + n);
        }
        int width = in.readByte();
        double[] v = new double[n];
        if (width == 4) {
            byte[] raw = new byte[4 * n];
            in.readFully(raw);
            FloatBuffer f = ByteBuffer.wrap(raw).asFloatBuffer();
            for (int i = 0; i < n; i++) {
                v[i] = f.get(i);
            }
        } else if (width == 8) {
            byte[] raw = new byte[8 * n];
            in.readFully(raw);
            ByteBuffer.wrap(raw).asDoubleBuffer().get(v);
        } else {
            throw new IOException("corrupt value width " + width);
        }
        return v;
    }
}
