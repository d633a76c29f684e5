package io.ntkstream.network.checkpoint;

import io.ntkstream.data.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Reads or writes a checkpoint choosing the format by extension ({@code .safetensors},
 * {@code .npz}); on read, an unknown extension falls back to the file's magic bytes.
 */
public final class CheckpointFiles {
    static final String SUPPORTED = "supported checkpoint formats: .safetensors (Hugging Face safetensors) "
            + "and .npz (NumPy np.savez / np.savez_compressed)";

    private CheckpointFiles() {
    }

    private enum Format { SAFETENSORS, NPZ }

    /** Reads all tensors of a checkpoint, in file order. */
    public static Map<String, NamedTensor> read(Path path) {
        requireFile(path);
        Format format = formatByName(lowerName(path));
        if (format == null) {
            format = formatByMagic(sniff(path), path.toString());
        }
        return format == Format.NPZ ? Npz.read(path) : Safetensors.read(path);
    }

    /**
     * Reads all tensors, in file order, from the bytes of a whole checkpoint file (e.g. read from a
     * remote file system). The format is chosen as for a path: by the extension of
     * {@code fileName}, else by the magic bytes; {@code fileName} also names the source in errors.
     */
    public static Map<String, NamedTensor> read(String fileName, byte[] bytes) {
        Format format = formatByName(fileName.toLowerCase(Locale.ROOT));
        if (format == null) {
            format = formatByMagic(Arrays.copyOf(bytes, Math.min(bytes.length, 16)), fileName);
        }
        return format == Format.NPZ ? Npz.read(bytes, fileName) : Safetensors.read(bytes, fileName);
    }

    private static Format formatByName(String lowerName) {
        if (lowerName.endsWith(".safetensors")) {
            return Format.SAFETENSORS;
        }
        return lowerName.endsWith(".npz") ? Format.NPZ : null;
    }

    private static Format formatByMagic(byte[] head, String src) {
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K'
                && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
            return Format.NPZ;
        }
        if (head.length >= 9 && head[8] == '{') {
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n > 1 && n <= Safetensors.MAX_HEADER) {
                return Format.SAFETENSORS;
            }
        }
        String hint = "";
        if (head.length >= 6 && (head[0] & 0xff) == 0x93 && head[1] == 'N' && head[2] == 'U') {
            hint = " (it is a single .npy array; save the tensors together with np.savez)";
        } else if (head.length >= 2 && (head[0] & 0xff) == 0x80) {
            hint = " (it looks like a Python pickle, e.g. a legacy PyTorch file; convert it with "
                    + "safetensors.torch.save_file(model.state_dict(), 'model.safetensors'))";
        }
        throw new CheckpointException(src + ": unrecognised checkpoint format (first bytes " + hex(head) + ")"
                + hint + "; " + SUPPORTED);
    }

    /** Writes the tensors in the format given by the extension, as {@code dtype}. */
    public static void write(Path path, Map<String, NamedTensor> tensors, DType dtype) {
        String name = lowerName(path);
        if (name.endsWith(".safetensors")) {
            Safetensors.write(path, tensors, dtype);
        } else if (name.endsWith(".npz")) {
            Npz.write(path, tensors, dtype);
        } else {
            throw new CheckpointException(path + ": cannot choose a checkpoint format from the file name; " + SUPPORTED);
        }
    }

    static void requireFile(Path path) {
        if (!Files.exists(path)) {
            throw new CheckpointException(path + ": checkpoint file not found (looked for " + path.toAbsolutePath() + ")");
        }
        if (Files.isDirectory(path)) {
            throw new CheckpointException(path + ": is a directory, expected a checkpoint file");
        }
    }

    static FileChannel openRead(Path path) {
        requireFile(path);
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": checkpoint file not found", e);
        } catch (AccessDeniedException e) {
            throw new CheckpointException(path + ": permission denied", e);
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot open: " + e, e);
        }
    }

    private static byte[] sniff(Path path) {
        try (FileChannel ch = openRead(path)) {
            ByteBuffer b = ByteBuffer.allocate(16);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill
            }
            byte[] out = new byte[b.position()];
            b.flip().get(out);
            return out;
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read: " + e, e);
        }
    }

    private static String lowerName(Path path) {
        Path f = path.getFileName();
        return f == null ? "" : f.toString().toLowerCase(Locale.ROOT);
    }

    private static String hex(byte[] b) {
        if (b.length == 0) {
            return "none, the file is empty";
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 8); i++) {
            s.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        }
        return s.toString();
    }
}
