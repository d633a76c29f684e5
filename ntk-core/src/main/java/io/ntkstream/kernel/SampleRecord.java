package io.ntkstream.kernel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Everything a {@link KernelState} keeps about sample i, as one row: what a streaming state
 * backend stores per sample (a MapState entry), so that adding a sample writes one new row.
 * {@code gramRow} and {@code choleskyRow} hold i + 1 values (the lower triangle: k(x_i, x_j) and
 * L[i][j] for j ≤ i); {@code jitter} is what was added to A's diagonal at this sample.
 */
public record SampleRecord(String id, double[] x, double[] target, double[] f0, double[] features, double[] gramRow,
                           double[] choleskyRow, double jitter) {

    public void write(DataOutput out) throws IOException {
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
        return new SampleRecord(in.readUTF(), readArray(in), readArray(in), readArray(in), readArray(in),
                readArray(in), readArray(in), in.readDouble());
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
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

    private static void writeArray(DataOutput out, double[] v) throws IOException {
        out.writeInt(v.length);
        for (double d : v) {
            out.writeDouble(d);
        }
    }

    private static double[] readArray(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (1 << 28)) {
            throw new IOException("corrupt array length " + n);
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }
}
