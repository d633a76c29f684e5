package io.ntkstream.data;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Bulk conversion between little-endian raw element bytes and {@code double[]}, using buffer views
 * (no per-byte loops), plus chunked channel I/O so multi-GB data never needs one huge buffer.
 */
public final class LittleEndianArrays {
    /** Size of the I/O chunks and scratch buffers. */
    public static final int CHUNK_BYTES = 1 << 22;
    private static final int TMP = 1 << 16;

    private LittleEndianArrays() {
    }

    /** A scratch buffer of about {@link #CHUNK_BYTES}, little-endian. */
    public static ByteBuffer newScratch() {
        return ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Decodes {@code n} elements from {@code src}'s position into {@code dst[off..]}; advances src. */
    public static void decode(ByteBuffer src, DType type, double[] dst, int off, int n) {
        ByteBuffer b = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT64 -> b.asDoubleBuffer().get(dst, off, n);
            case FLOAT32 -> {
                var fb = b.asFloatBuffer();
                float[] t = new float[Math.min(n, TMP)];
                for (int done = 0; done < n; ) {
                    int k = Math.min(t.length, n - done);
                    fb.get(t, 0, k);
                    for (int i = 0; i < k; i++) {
                        dst[off + done + i] = t[i];
                    }
                    done += k;
                }
            }
            case INT64 -> {
                var lb = b.asLongBuffer();
                long[] t = new long[Math.min(n, TMP)];
                for (int done = 0; done < n; ) {
                    int k = Math.min(t.length, n - done);
                    lb.get(t, 0, k);
                    for (int i = 0; i < k; i++) {
                        dst[off + done + i] = t[i];
                    }
                    done += k;
                }
            }
            case INT32 -> {
                var ib = b.asIntBuffer();
                int[] t = new int[Math.min(n, TMP)];
                for (int done = 0; done < n; ) {
                    int k = Math.min(t.length, n - done);
                    ib.get(t, 0, k);
                    for (int i = 0; i < k; i++) {
                        dst[off + done + i] = t[i];
                    }
                    done += k;
                }
            }
            case FLOAT16, BFLOAT16 -> {
                var sb = b.asShortBuffer();
                short[] t = new short[Math.min(n, TMP)];
                boolean half = type == DType.FLOAT16;
                for (int done = 0; done < n; ) {
                    int k = Math.min(t.length, n - done);
                    sb.get(t, 0, k);
                    for (int i = 0; i < k; i++) {
                        dst[off + done + i] = half ? halfToFloat(t[i]) : bfloat16ToFloat(t[i]);
                    }
                    done += k;
                }
            }
        }
        src.position(src.position() + n * type.itemSize());
    }

    /** Decodes {@code n} INT64 or INT32 elements exactly into {@code dst[off..]}; advances src. */
    public static void decodeLongs(ByteBuffer src, DType type, long[] dst, int off, int n) {
        ByteBuffer b = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (type == DType.INT64) {
            b.asLongBuffer().get(dst, off, n);
        } else if (type == DType.INT32) {
            var ib = b.asIntBuffer();
            for (int i = 0; i < n; i++) {
                dst[off + i] = ib.get();
            }
        } else {
            throw new IllegalArgumentException("not an integer dtype: " + type);
        }
        src.position(src.position() + n * type.itemSize());
    }

    /**
     * Encodes {@code src[off..off+n)} as {@code type} at {@code dst}'s position; advances dst.
     * Integer types require integral values in range.
     */
    public static void encode(double[] src, int off, int n, DType type, ByteBuffer dst) {
        ByteBuffer b = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT64 -> b.asDoubleBuffer().put(src, off, n);
            case FLOAT32 -> {
                var fb = b.asFloatBuffer();
                for (int i = 0; i < n; i++) {
                    fb.put((float) src[off + i]);
                }
            }
            case INT64 -> {
                var lb = b.asLongBuffer();
                for (int i = 0; i < n; i++) {
                    lb.put(toLong(src[off + i], Long.MIN_VALUE, Long.MAX_VALUE, type));
                }
            }
            case INT32 -> {
                var ib = b.asIntBuffer();
                for (int i = 0; i < n; i++) {
                    ib.put((int) toLong(src[off + i], Integer.MIN_VALUE, Integer.MAX_VALUE, type));
                }
            }
            case FLOAT16, BFLOAT16 ->
                    throw new IllegalArgumentException("writing " + type.numpyName() + " is not supported");
        }
        dst.position(dst.position() + n * type.itemSize());
    }

    private static long toLong(double v, long min, long max, DType type) {
        long l = (long) v;
        if (l != v || l < min || l > max || (type == DType.INT64 && Math.abs(v) >= 0x1p63)) {
            throw new IllegalArgumentException("value " + v + " cannot be stored exactly as " + type.numpyName());
        }
        return l;
    }

    /** Reads {@code dst.length} elements of {@code type} from {@code ch} starting at byte {@code pos}. */
    public static void read(FileChannel ch, long pos, DType type, double[] dst) throws IOException {
        readChunked(ch, pos, type, dst.length, (buf, off, k) -> decode(buf, type, dst, off, k));
    }

    /** Like {@link #read} for integer types, exact into {@code long[]}. */
    public static void readLongs(FileChannel ch, long pos, DType type, long[] dst) throws IOException {
        readChunked(ch, pos, type, dst.length, (buf, off, k) -> decodeLongs(buf, type, dst, off, k));
    }

    private interface ChunkSink {
        void accept(ByteBuffer buf, int off, int count);
    }

    private static void readChunked(FileChannel ch, long pos, DType type, int n, ChunkSink sink)
            throws IOException {
        int size = type.itemSize();
        int perChunk = CHUNK_BYTES / size;
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min((long) n * size, CHUNK_BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        long p = pos;
        for (int done = 0; done < n; ) {
            int k = Math.min(perChunk, n - done);
            buf.clear().limit(k * size);
            while (buf.hasRemaining()) {
                int r = ch.read(buf, p);
                if (r < 0) {
                    throw new EOFException("end of file at byte " + p);
                }
                p += r;
            }
            buf.flip();
            sink.accept(buf, done, k);
            done += k;
        }
    }

    /** Encodes and writes {@code src[off..off+n)} to {@code ch}, through {@code scratch}. */
    public static void write(WritableByteChannel ch, double[] src, int off, int n, DType type,
                             ByteBuffer scratch) throws IOException {
        int perChunk = scratch.capacity() / type.itemSize();
        for (int done = 0; done < n; ) {
            int k = Math.min(perChunk, n - done);
            scratch.clear();
            encode(src, off + done, k, type, scratch);
            scratch.flip();
            while (scratch.hasRemaining()) {
                ch.write(scratch);
            }
            done += k;
        }
    }

    /** IEEE 754 binary16 bits to float (exact; Float.float16ToFloat needs Java 20). */
    public static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) { // inf or NaN: keep the payload
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) { // zero or subnormal: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 127 - 15) << 23) | (mant << 13));
    }

    /** bfloat16 bits (the upper 16 bits of a binary32) to float. */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
