package io.ntkstream.checkpoint;

import io.ntkstream.kafka.ModelEvent;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Loads the network of a {@link ModelEvent}: reads {@code params_uri} through Flink's
 * {@link FileSystem} ({@code file://} always; {@code s3://}, {@code hdfs://}, ... when the cluster
 * has the file-system plugin), parses it as safetensors or {@code .npz} by the file extension, and
 * builds the network of the event's architecture from it, every tensor checked by name and shape.
 * The file is read into memory whole, so it must be below 2 GB.
 */
public final class ModelLoader {
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private ModelLoader() {
    }

    /** The model of {@code m}; a {@link CheckpointLoadException} naming the URI on any failure. */
    public static LoadedModel load(ModelEvent m, Precision precision) {
        String uri = m.paramsUri;
        String what = "cannot load model v" + m.version + " from " + uri + ": ";
        Architecture arch;
        try {
            arch = Architecture.parse(m.arch);
        } catch (RuntimeException e) {
            throw new CheckpointLoadException(uri, what + "invalid architecture: " + e.getMessage(), e);
        }
        Path path = path(uri, what);
        String name = path.getName();
        String lower = name.toLowerCase(Locale.ROOT);
        if (!lower.endsWith(".safetensors") && !lower.endsWith(".npz")) {
            throw new CheckpointLoadException(uri, what + "unknown checkpoint format of '" + name
                    + "'; the file name must end with .safetensors or .npz", null);
        }
        byte[] bytes = readAll(path, uri, what);
        try {
            Map<String, NamedTensor> tensors = CheckpointFiles.read(name, bytes);
            Network network = Networks.fromTensors(arch, tensors, precision);
            return new LoadedModel(m.version, network, arch);
        } catch (RuntimeException e) {
            throw new CheckpointLoadException(uri, what + e.getMessage(), e);
        }
    }

    private static Path path(String uri, String what) {
        if (uri == null || uri.isBlank()) {
            throw new CheckpointLoadException(uri, what + "no params_uri", null);
        }
        try {
            URI u = new URI(uri);
            if (u.getScheme() == null || u.getPath() == null || u.getPath().isEmpty()) {
                throw new CheckpointLoadException(uri, what
                        + "expected a URI with a scheme and a path, e.g. file:///models/v3.safetensors", null);
            }
            return new Path(u);
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new CheckpointLoadException(uri, what + "not a valid URI (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] readAll(Path path, String uri, String what) {
        try {
            FileSystem fs = path.getFileSystem();
            FileStatus status = fs.getFileStatus(path);
            if (status.isDir()) {
                throw new CheckpointLoadException(uri, what + "is a directory, expected a checkpoint file", null);
            }
            if (status.getLen() > MAX_BYTES) {
                throw new CheckpointLoadException(uri, what + "the file has " + status.getLen()
                        + " bytes, more than the 2 GB that can be loaded", null);
            }
            try (InputStream in = fs.open(path)) {
                return in.readAllBytes();
            }
        } catch (FileNotFoundException e) {
            throw new CheckpointLoadException(uri, what + "file not found (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof CheckpointLoadException c) {
                throw c;
            }
            throw new CheckpointLoadException(uri, what + "cannot read: " + e, e);
        }
    }
}
