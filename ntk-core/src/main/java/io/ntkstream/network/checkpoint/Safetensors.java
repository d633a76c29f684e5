package io.ntkstream.network.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.data.DType;
import io.ntkstream.data.LittleEndianArrays;
import io.ntkstream.data.NdArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON describing each tensor (dtype, shape, data_offsets relative
 * to the data buffer), then the little-endian C-order data. Reads F64, F32, F16, BF16, I64, I32;
 * writes F32 or F64 with {@code "__metadata__": {"format": "pt"}}.
 */
public final class Safetensors {
    /** The reference implementation refuses larger headers. */
    static final long MAX_HEADER = 100_000_000L;
    private static final String METADATA = "__metadata__";
    private static final String SUPPORTED = "F64, F32, F16, BF16, I64, I32";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Safetensors() {
    }

    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {
    }

    /** Random-access reads from a file or an in-memory image. */
    private interface Source {
        long size() throws IOException;

        ByteBuffer readAt(long pos, int len) throws IOException;

        void readValues(long pos, DType dtype, double[] dst) throws IOException;
    }

    /** Reads all tensors, in header order. */
    public static Map<String, NamedTensor> read(Path path) {
        String src = path.toString();
        try (FileChannel ch = CheckpointFiles.openRead(path)) {
            return read(new Source() {
                @Override
                public long size() throws IOException {
                    return ch.size();
                }

                @Override
                public ByteBuffer readAt(long pos, int len) throws IOException {
                    return Safetensors.readAt(ch, pos, len);
                }

                @Override
                public void readValues(long pos, DType dtype, double[] dst) throws IOException {
                    LittleEndianArrays.read(ch, pos, dtype, dst);
                }
            }, src);
        } catch (IOException e) {
            throw new CheckpointException(src + ": cannot read: " + e, e);
        }
    }

    /**
     * Reads all tensors, in header order, from the bytes of a whole safetensors file (e.g. read from
     * a remote file system); {@code source} names it in error messages.
     */
    public static Map<String, NamedTensor> read(byte[] bytes, String source) {
        try {
            return read(new Source() {
                @Override
                public long size() {
                    return bytes.length;
                }

                @Override
                public ByteBuffer readAt(long pos, int len) {
                    return ByteBuffer.wrap(bytes, (int) pos, len).slice();
                }

                @Override
                public void readValues(long pos, DType dtype, double[] dst) {
                    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                    b.position(Math.toIntExact(pos));
                    LittleEndianArrays.decode(b, dtype, dst, 0, dst.length);
                }
            }, source);
        } catch (IOException e) {
            throw new CheckpointException(source + ": cannot read: " + e, e);
        }
    }

    private static Map<String, NamedTensor> read(Source in, String src) throws IOException {
        long size = in.size();
        if (size < 8) {
            throw new CheckpointException(src + " is truncated: it has " + size
                    + " bytes, a safetensors file starts with an 8-byte header length");
        }
        long n = in.readAt(0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > size - 8) {
            throw new CheckpointException(src + ": header length " + Long.toUnsignedString(n)
                    + " (from the first 8 bytes) is larger than the file (" + size
                    + " bytes); not a safetensors file, or truncated");
        }
        if (n > MAX_HEADER) {
            throw new CheckpointException(src + ": header length " + n + " exceeds the limit of "
                    + MAX_HEADER + " bytes");
        }
        List<Entry> entries = parseHeader(in.readAt(8, (int) n), src);
        long dataStart = 8 + n;
        long maxEnd = 0;
        for (Entry e : entries) {
            maxEnd = Math.max(maxEnd, e.end());
        }
        if (maxEnd > size - dataStart) {
            throw new CheckpointException(src + " is truncated: header says data ends at byte "
                    + (dataStart + maxEnd) + " but the file has " + size + " bytes");
        }
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            double[] v = new double[(int) NdArray.elementCount(e.shape())];
            in.readValues(dataStart + e.begin(), e.dtype(), v);
            out.put(e.name(), new NamedTensor(e.name(), e.shape(), v, e.dtype()));
        }
        return out;
    }

    private static List<Entry> parseHeader(ByteBuffer raw, String src) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(raw).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(src + ": header is not valid UTF-8; not a safetensors file", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(src + ": header is not valid JSON (" + e.getOriginalMessage()
                    + "); expected {\"name\": {\"dtype\": ..., \"shape\": [...], \"data_offsets\": [b, e]}, ...}", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(src + ": header must be a JSON object but is "
                    + (root == null ? "empty" : root.getNodeType()));
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            if (!f.getKey().equals(METADATA)) {
                entries.add(entry(f.getKey(), f.getValue(), src));
            }
        }
        return entries;
    }

    private static Entry entry(String name, JsonNode info, String src) {
        String where = src + ": tensor '" + name + "'";
        if (!info.isObject()) {
            throw new CheckpointException(where + " must be a JSON object with dtype, shape and data_offsets");
        }
        JsonNode dt = info.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new CheckpointException(where + " has no \"dtype\" string; expected one of " + SUPPORTED);
        }
        DType dtype = parseDtype(dt.asText());
        if (dtype == null) {
            throw new CheckpointException(where + " has unsupported dtype '" + dt.asText() + "'; supported: " + SUPPORTED);
        }
        JsonNode sh = info.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new CheckpointException(where + " has no \"shape\" array");
        }
        int[] shape = new int[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw new CheckpointException(where + " has an invalid dimension " + d + " in shape " + sh);
            }
            shape[i] = d.intValue();
        }
        JsonNode off = info.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !isOffset(off.get(0)) || !isOffset(off.get(1))) {
            throw new CheckpointException(where + " needs \"data_offsets\": [begin, end] with non-negative integers, found " + off);
        }
        long begin = off.get(0).longValue();
        long end = off.get(1).longValue();
        if (end < begin) {
            throw new CheckpointException(where + " has data_offsets [" + begin + ", " + end + "] with end before begin");
        }
        long count;
        long bytes;
        try {
            count = NdArray.elementCount(shape);
            bytes = Math.multiplyExact(count, (long) dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new CheckpointException(where + " has a shape too large: " + Arrays.toString(shape));
        }
        String dtName = dt.asText();
        if (end - begin != bytes) {
            throw new CheckpointException(where + " declares shape " + Arrays.toString(shape) + " (" + dtName + ", "
                    + bytes + " bytes) but data_offsets span " + (end - begin) + " bytes");
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(where + " has " + count + " elements, too many for one Java array");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static boolean isOffset(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0;
    }

    /** Writes the tensors (under their map keys, in map order) as {@code dtype} (FLOAT32 or FLOAT64). */
    public static void write(Path path, Map<String, NamedTensor> tensors, DType dtype) {
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("safetensors output dtype must be FLOAT32 or FLOAT64, not " + dtype);
        }
        ObjectNode header = JSON.createObjectNode();
        header.putObject(METADATA).put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, NamedTensor> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                throw new IllegalArgumentException("'" + METADATA + "' is reserved and cannot name a tensor");
            }
            NamedTensor t = e.getValue();
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", dtypeName(dtype));
            ArrayNode shape = info.putArray("shape");
            for (int d : t.shape()) {
                shape.add(d);
            }
            long end = offset + (long) t.values().length * dtype.itemSize();
            info.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) {
                ch.write(head);
            }
            ByteBuffer scratch = LittleEndianArrays.newScratch();
            for (NamedTensor t : tensors.values()) {
                LittleEndianArrays.write(ch, t.values(), 0, t.values().length, dtype, scratch);
            }
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot write: " + e, e);
        }
    }

    /** Safetensors dtype string for a DType, e.g. {@code F32}. */
    static String dtypeName(DType t) {
        return switch (t) {
            case FLOAT64 -> "F64";
            case FLOAT32 -> "F32";
            case FLOAT16 -> "F16";
            case BFLOAT16 -> "BF16";
            case INT64 -> "I64";
            case INT32 -> "I32";
        };
    }

    private static DType parseDtype(String s) {
        return switch (s) {
            case "F64" -> DType.FLOAT64;
            case "F32" -> DType.FLOAT32;
            case "F16" -> DType.FLOAT16;
            case "BF16" -> DType.BFLOAT16;
            case "I64" -> DType.INT64;
            case "I32" -> DType.INT32;
            default -> null;
        };
    }

    private static ByteBuffer readAt(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("unexpected end of file at byte " + (pos + b.position()));
            }
        }
        return b.flip();
    }
}
