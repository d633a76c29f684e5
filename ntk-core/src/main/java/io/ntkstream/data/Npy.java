package io.ntkstream.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * NumPy {@code .npy} files: reads format versions 1.0, 2.0 and 3.0 (little-endian, C order,
 * float64/float32/int64/int32, and float16 read-only); writes version 1.0 (2.0 for huge headers)
 * with the data aligned to 64 bytes, byte-for-byte as {@code np.save} does.
 * Every problem is a {@link DataFileException} naming the file.
 */
public final class Npy {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    static final int ALIGN = 64;
    private static final String SUPPORTED =
            "<f8 (float64), <f4 (float32), <i8 (int64), <i4 (int32), <f2 (float16)";

    private Npy() {
    }

    /** Parsed header: element type, shape, element count and the byte offset of the data. */
    record Header(DType dtype, String descr, int[] shape, long count, long dataOffset) {
        long dataBytes() {
            return count * dtype.itemSize();
        }
    }

    /** Reads any supported array. */
    public static NdArray read(Path path) {
        String src = path.toString();
        try (FileChannel ch = openRead(path)) {
            Header h = header(ch, src);
            double[] v = new double[intCount(h, src)];
            LittleEndianArrays.read(ch, h.dataOffset(), h.dtype(), v);
            return new NdArray(h.shape(), v, h.dtype());
        } catch (IOException e) {
            throw new DataFileException(src + ": cannot read: " + e, e);
        }
    }

    /** Reads a 2-D {@code (N, D)} float32/float64 array as {@code double[N][D]}. */
    public static double[][] readMatrix(Path path) {
        String src = path.toString();
        try (FileChannel ch = openRead(path)) {
            Header h = header(ch, src);
            if (h.shape().length != 2) {
                throw new DataFileException(src + ": expected a 2-D (N, D) matrix but found shape "
                        + NdArray.formatShape(h.shape()) + " (" + h.shape().length + "-D)");
            }
            if (h.dtype() != DType.FLOAT64 && h.dtype() != DType.FLOAT32) {
                throw new DataFileException(src + ": expected float32 or float64 values but found "
                        + h.dtype().numpyName() + " ('" + h.descr() + "'); save with x.astype(np.float64)");
            }
            double[] v = new double[intCount(h, src)];
            LittleEndianArrays.read(ch, h.dataOffset(), h.dtype(), v);
            return new NdArray(h.shape(), v, h.dtype()).toMatrix();
        } catch (IOException e) {
            throw new DataFileException(src + ": cannot read: " + e, e);
        }
    }

    /** Reads a 1-D int32/int64 label vector exactly. */
    public static long[] readLabels(Path path) {
        String src = path.toString();
        try (FileChannel ch = openRead(path)) {
            Header h = header(ch, src);
            if (h.shape().length != 1) {
                throw new DataFileException(src + ": expected a 1-D label vector (N,) but found shape "
                        + NdArray.formatShape(h.shape()) + "; save with y.reshape(-1)");
            }
            if (h.dtype() != DType.INT64 && h.dtype() != DType.INT32) {
                throw new DataFileException(src + ": expected integer labels (int32 or int64) but found "
                        + h.dtype().numpyName() + " ('" + h.descr() + "'); save with y.astype(np.int64)");
            }
            long[] v = new long[intCount(h, src)];
            LittleEndianArrays.readLongs(ch, h.dataOffset(), h.dtype(), v);
            return v;
        } catch (IOException e) {
            throw new DataFileException(src + ": cannot read: " + e, e);
        }
    }

    /** Parses an in-memory {@code .npy} image (e.g. a {@code .npz} member); {@code source} names it in errors. */
    public static NdArray fromBytes(byte[] bytes, String source) {
        Header h = parseHeader((pos, len) -> ByteBuffer.wrap(bytes, (int) pos, len).slice(), bytes.length, source);
        checkData(h, bytes.length, source);
        double[] v = new double[intCount(h, source)];
        ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        data.position((int) h.dataOffset());
        LittleEndianArrays.decode(data, h.dtype(), v, 0, v.length);
        return new NdArray(h.shape(), v, h.dtype());
    }

    /** Writes values (C order) of the given shape. */
    public static void write(Path path, int[] shape, double[] values, DType dtype) {
        long n = NdArray.elementCount(shape);
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + NdArray.formatShape(shape) + " holds " + n
                    + " values but " + values.length + " were given");
        }
        try (NpyBlockWriter w = new NpyBlockWriter(path, shape, dtype)) {
            w.appendRows(values);
        }
    }

    /** Writes a rectangular matrix as shape {@code (rows, cols)}. */
    public static void writeMatrix(Path path, double[][] matrix, DType dtype) {
        int cols = matrix.length == 0 ? 0 : matrix[0].length;
        for (int i = 0; i < matrix.length; i++) {
            if (matrix[i].length != cols) {
                throw new IllegalArgumentException("ragged matrix: row " + i + " has " + matrix[i].length
                        + " columns, row 0 has " + cols);
            }
        }
        try (NpyBlockWriter w = new NpyBlockWriter(path, new int[] {matrix.length, cols}, dtype)) {
            for (double[] row : matrix) {
                w.appendRows(row);
            }
        }
    }

    /** The complete {@code .npy} image of an array, as {@link #write} would produce it. */
    public static byte[] toBytes(int[] shape, double[] values, DType dtype) {
        byte[] head = headerBytes(shape, dtype);
        long total = head.length + (long) values.length * dtype.itemSize();
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("array too large for an in-memory image: " + total + " bytes");
        }
        new NdArray(shape, values, dtype); // validates the shape
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(head);
        LittleEndianArrays.encode(values, 0, values.length, dtype, b);
        return b.array();
    }

    /** Header bytes (magic, version, length, padded dict) for a C-order array, as NumPy writes them. */
    static byte[] headerBytes(int[] shape, DType dtype) {
        if (!dtype.isWritable()) {
            throw new IllegalArgumentException("writing " + dtype.numpyName() + " .npy files is not supported");
        }
        NdArray.elementCount(shape); // rejects negative dimensions
        StringBuilder dict = new StringBuilder("{'descr': '").append(dtype.npyDescr())
                .append("', 'fortran_order': False, 'shape': ").append(NdArray.formatShape(shape)).append(", }");
        if (shape.length > 0) { // NumPy leaves room to grow the first axis in place
            dict.append(" ".repeat(21 - Integer.toString(shape[0]).length()));
        }
        int hlen = dict.length() + 1;
        int version = 1;
        int prefix = MAGIC.length + 2 + 2;
        int pad = ALIGN - (prefix + hlen) % ALIGN;
        if (hlen + pad > 0xffff) {
            version = 2;
            prefix = MAGIC.length + 2 + 4;
            pad = ALIGN - (prefix + hlen) % ALIGN;
        }
        dict.append(" ".repeat(pad)).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        b.put(text);
        return b.array();
    }

    // ---- reading internals

    private interface ReadAt {
        ByteBuffer read(long pos, int len) throws IOException;
    }

    static FileChannel openRead(Path path) {
        String src = path.toString();
        if (Files.isDirectory(path)) {
            throw new DataFileException(src + ": is a directory, expected a .npy file");
        }
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new DataFileException(src + ": file not found (looked for " + path.toAbsolutePath() + ")", e);
        } catch (AccessDeniedException e) {
            throw new DataFileException(src + ": permission denied", e);
        } catch (IOException e) {
            throw new DataFileException(src + ": cannot open: " + e, e);
        }
    }

    private static Header header(FileChannel ch, String src) throws IOException {
        long size = ch.size();
        Header h = parseHeader((pos, len) -> {
            ByteBuffer b = ByteBuffer.allocate(len);
            while (b.hasRemaining() && ch.read(b, pos + b.position()) >= 0) {
                // keep reading
            }
            return b.flip();
        }, size, src);
        checkData(h, size, src);
        return h;
    }

    private static Header parseHeader(ReadAt in, long size, String src) {
        ByteBuffer pre;
        try {
            pre = in.read(0, (int) Math.min(size, 12)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new DataFileException(src + ": cannot read: " + e, e);
        }
        int n = pre.remaining();
        for (int i = 0; i < MAGIC.length; i++) {
            if (i >= n) {
                throw new DataFileException(src + " is truncated: it has only " + size
                        + " bytes, a .npy file starts with a header of at least 10 bytes");
            }
            if (pre.get(i) != MAGIC[i]) {
                throw new DataFileException(src + ": not a NumPy .npy file: expected the magic string "
                        + "\\x93NUMPY at the start but found " + hex(pre, Math.min(n, 8)) + zipHint(pre));
            }
        }
        if (n < 8) {
            throw new DataFileException(src + " is truncated: it has only " + size
                    + " bytes, a .npy file starts with a header of at least 10 bytes");
        }
        int major = pre.get(6) & 0xff;
        int minor = pre.get(7) & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw new DataFileException(src + ": unsupported .npy format version " + major + "." + minor
                    + "; expected 1.0, 2.0 or 3.0");
        }
        int lenField = major == 1 ? 2 : 4;
        if (n < 8 + lenField) {
            throw new DataFileException(src + " is truncated: it has only " + size
                    + " bytes, the version " + major + ".0 header length field ends at byte " + (8 + lenField));
        }
        long hlen = major == 1 ? pre.getShort(8) & 0xffff : pre.getInt(8) & 0xffffffffL;
        long dataOffset = 8 + lenField + hlen;
        if (dataOffset > size) {
            throw new DataFileException(src + " is truncated: the header declares " + hlen
                    + " header bytes (ending at byte " + dataOffset + ") but the file has " + size + " bytes");
        }
        if (hlen > Integer.MAX_VALUE - 16) {
            throw new DataFileException(src + ": implausible header length " + hlen);
        }
        String text;
        try {
            byte[] raw = new byte[(int) hlen];
            in.read(8 + lenField, (int) hlen).get(raw);
            text = new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new DataFileException(src + ": cannot read: " + e, e);
        }
        return interpret(text, dataOffset, src);
    }

    private static Header interpret(String text, long dataOffset, String src) {
        Object parsed;
        try {
            parsed = PyLiteral.parse(text);
        } catch (IllegalArgumentException e) {
            throw new DataFileException(src + ": malformed .npy header (" + e.getMessage()
                    + "); expected a Python dict literal but found: " + text.strip());
        }
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw new DataFileException(src + ": malformed .npy header: expected a dict but found: " + text.strip());
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new DataFileException(src + ": malformed .npy header: missing key '" + key
                        + "' in " + text.strip());
            }
        }
        Object descrObj = dict.get("descr");
        if (!(descrObj instanceof String descr)) {
            throw new DataFileException(src + ": structured (record) dtypes are not supported; found descr "
                    + descrObj + ", expected one of " + SUPPORTED);
        }
        DType dtype = parseDescr(descr, src);
        if (!(dict.get("shape") instanceof List<?> dims)) {
            throw new DataFileException(src + ": malformed .npy header: 'shape' is not a tuple in " + text.strip());
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new DataFileException(src + ": malformed .npy header: bad dimension " + dims.get(i)
                        + " in shape " + dims);
            }
            shape[i] = d.intValue();
        }
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean)) {
            throw new DataFileException(src + ": malformed .npy header: 'fortran_order' is " + fortran
                    + ", expected True or False");
        }
        if ((Boolean) fortran && shape.length > 1) {
            throw new DataFileException(src + ": Fortran-order arrays are not supported (found "
                    + "'fortran_order': True, shape " + NdArray.formatShape(shape)
                    + "); save with np.ascontiguousarray(x) (C order)");
        }
        long count;
        try {
            count = NdArray.elementCount(shape);
            Math.multiplyExact(count, (long) dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new DataFileException(src + ": shape " + NdArray.formatShape(shape) + " is too large");
        }
        return new Header(dtype, descr, shape, count, dataOffset);
    }

    private static DType parseDescr(String descr, String src) {
        String expected = "; expected one of " + SUPPORTED;
        if (descr.length() >= 2 && descr.charAt(0) == '>') {
            throw new DataFileException(src + ": big-endian dtype '" + descr + "' is not supported" + expected
                    + "; convert with x.astype('<" + descr.substring(1) + "')");
        }
        if (descr.contains("O")) {
            throw new DataFileException(src + ": object arrays ('" + descr + "') are not supported" + expected);
        }
        if (descr.length() < 2 || (descr.charAt(0) != '<' && descr.charAt(0) != '|')) {
            throw new DataFileException(src + ": unsupported dtype '" + descr
                    + "' (byte order must be '<' or '|')" + expected);
        }
        return switch (descr.substring(1)) {
            case "f8" -> DType.FLOAT64;
            case "f4" -> DType.FLOAT32;
            case "i8" -> DType.INT64;
            case "i4" -> DType.INT32;
            case "f2" -> DType.FLOAT16;
            default -> throw new DataFileException(src + ": unsupported dtype '" + descr + "'" + expected);
        };
    }

    private static void checkData(Header h, long size, String src) {
        long end = h.dataOffset() + h.dataBytes();
        if (end > size) {
            throw new DataFileException(src + " is truncated: the header declares shape "
                    + NdArray.formatShape(h.shape()) + " " + h.dtype().numpyName() + ", i.e. " + h.dataBytes()
                    + " data bytes ending at byte " + end + ", but the file has " + size + " bytes");
        }
    }

    private static int intCount(Header h, String src) {
        if (h.count() > Integer.MAX_VALUE - 8) {
            throw new DataFileException(src + ": shape " + NdArray.formatShape(h.shape()) + " has " + h.count()
                    + " elements, too many for one Java array; read it in parts");
        }
        return (int) h.count();
    }

    private static String hex(ByteBuffer b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : " ").append(String.format("%02x", b.get(i) & 0xff));
        }
        return n == 0 ? "an empty file" : s.toString();
    }

    private static String zipHint(ByteBuffer b) {
        return b.remaining() >= 2 && b.get(0) == 'P' && b.get(1) == 'K'
                ? " (this looks like a zip archive, e.g. an .npz file)" : "";
    }
}
