package io.ntkstream.network.checkpoint;

import io.ntkstream.data.DType;
import io.ntkstream.data.DataFileException;
import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * NumPy {@code .npz}: a zip of {@code name.npy} members, STORED ({@code np.savez}) or DEFLATED
 * ({@code np.savez_compressed}). Member {@code name.npy} becomes tensor {@code name}. Members are
 * held in memory while parsed (fine for checkpoints; each must be below 2 GB).
 */
public final class Npz {
    private static final LocalDateTime ZIP_EPOCH = LocalDateTime.of(1980, 1, 1, 0, 0);

    private Npz() {
    }

    /** Reads all members, in archive order. */
    public static Map<String, NamedTensor> read(Path path) {
        String src = path.toString();
        CheckpointFiles.requireFile(path);
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(path.toFile())) {
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                String member = e.getName();
                String where = src + " member '" + member + "'";
                checkMemberName(member, where);
                add(out, member, memberBytes(zip, e, where), where);
            }
        } catch (ZipException e) {
            throw new CheckpointException(src + ": not a valid zip archive (" + e.getMessage()
                    + "); an .npz file is a zip of .npy members as written by np.savez", e);
        } catch (IOException e) {
            throw new CheckpointException(src + ": cannot read: " + e, e);
        }
        return out;
    }

    /**
     * Reads all members, in archive order, from the bytes of a whole {@code .npz} file (e.g. read
     * from a remote file system); {@code source} names it in error messages. Members are found by
     * their local headers, as a stream reader does.
     */
    public static Map<String, NamedTensor> read(byte[] bytes, String source) {
        if (!(bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K'
                && ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6)))) {
            throw new CheckpointException(source + ": not a valid zip archive (no zip signature at the start); "
                    + "an .npz file is a zip of .npy members as written by np.savez");
        }
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.isDirectory()) {
                    continue;
                }
                String member = e.getName();
                String where = source + " member '" + member + "'";
                checkMemberName(member, where);
                byte[] data;
                try {
                    data = zip.readAllBytes();
                } catch (IOException ex) {
                    throw new CheckpointException(where + " is corrupt: " + ex.getMessage(), ex);
                }
                add(out, member, data, where);
            }
        } catch (ZipException e) {
            throw new CheckpointException(source + ": not a valid zip archive (" + e.getMessage()
                    + "); an .npz file is a zip of .npy members as written by np.savez", e);
        } catch (IOException e) {
            throw new CheckpointException(source + ": cannot read: " + e, e);
        }
        return out;
    }

    private static void checkMemberName(String member, String where) {
        if (!member.endsWith(".npy")) {
            throw new CheckpointException(where + " is not a .npy array; an .npz holds only name.npy members"
                    + (member.endsWith("data.pkl")
                    ? " (this looks like a PyTorch torch.save file; convert it with "
                    + "safetensors.torch.save_file(model.state_dict(), 'model.safetensors'))" : ""));
        }
    }

    private static void add(Map<String, NamedTensor> out, String member, byte[] bytes, String where) {
        NdArray a;
        try {
            a = Npy.fromBytes(bytes, where);
        } catch (DataFileException ex) {
            throw new CheckpointException(ex.getMessage(), ex);
        }
        String name = member.substring(0, member.length() - 4);
        out.put(name, new NamedTensor(name, a.shape(), a.values(), a.dtype()));
    }

    private static byte[] memberBytes(ZipFile zip, ZipEntry e, String where) {
        byte[] bytes;
        try (InputStream in = zip.getInputStream(e)) {
            bytes = in.readAllBytes();
        } catch (IOException ex) {
            throw new CheckpointException(where + " is corrupt: " + ex.getMessage(), ex);
        } catch (OutOfMemoryError ex) {
            throw new CheckpointException(where + " is too large to load (" + e.getSize() + " bytes)", ex);
        }
        if (e.getSize() >= 0 && bytes.length != e.getSize()) {
            throw new CheckpointException(where + " is corrupt: the zip directory says " + e.getSize()
                    + " bytes but " + bytes.length + " were read");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        if (e.getCrc() >= 0 && crc.getValue() != e.getCrc()) {
            throw new CheckpointException(where + " is corrupt: CRC-32 " + Long.toHexString(crc.getValue())
                    + " does not match the " + Long.toHexString(e.getCrc()) + " recorded in the zip directory");
        }
        return bytes;
    }

    /** Writes like {@code np.savez} (STORED members). */
    public static void write(Path path, Map<String, NamedTensor> tensors, DType dtype) {
        write(path, tensors, dtype, false);
    }

    /** Writes like {@code np.savez} or, if {@code compressed}, {@code np.savez_compressed} (DEFLATED). */
    public static void write(Path path, Map<String, NamedTensor> tensors, DType dtype, boolean compressed) {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(path));
             ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, NamedTensor> t : tensors.entrySet()) {
                NamedTensor v = t.getValue();
                byte[] bytes = Npy.toBytes(v.shape(), v.values(), dtype);
                ZipEntry e = new ZipEntry(t.getKey() + ".npy");
                e.setTimeLocal(ZIP_EPOCH);
                if (compressed) {
                    e.setMethod(ZipEntry.DEFLATED);
                } else {
                    CRC32 crc = new CRC32();
                    crc.update(bytes);
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(bytes.length);
                    e.setCompressedSize(bytes.length);
                    e.setCrc(crc.getValue());
                }
                zip.putNextEntry(e);
                zip.write(bytes);
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot write: " + e, e);
        }
    }
}
