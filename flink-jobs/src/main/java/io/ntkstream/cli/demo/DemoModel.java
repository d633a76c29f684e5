package io.ntkstream.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.data.DType;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model version as the demo publishes it: an architecture JSON file and a checkpoint on disk, and
 * the models-topic record naming them ({@code params_uri} a file:// URI).
 */
public record DemoModel(long version, Architecture arch, Path archFile, Path params) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The classifier of scenario 1: an NTK-parametrized relu MLP, 2 → 64 → 64 → 3 (the README's shape, narrower). */
    static Architecture classifierArch(int inputDim, int classes) {
        return Architecture.mlp(inputDim, 64, 2, classes, Activation.RELU, Parametrization.NTK, 1.4, 0.1);
    }

    /** The sinusoid regressor of scenario 2: 1 → 40 → 40 → 1, as in docs/science.md. */
    static Architecture sinusoidArch() {
        return Architecture.mlp(1, 40, 2, 1, Activation.RELU, Parametrization.NTK, 1.414, 0.1);
    }

    /** Writes {@code name}.arch.json and {@code name}-v{version}.safetensors (random init, float64) into {@code dir}. */
    static DemoModel write(Path dir, String name, Architecture arch, long version, long seed) {
        try {
            Files.createDirectories(dir);
            Path archFile = dir.resolve(name + ".arch.json");
            Files.writeString(archFile, arch.toJson());
            Path params = dir.resolve(name + "-v" + version + ".safetensors");
            CheckpointFiles.write(params, Networks.randomTensors(arch, seed), DType.FLOAT64);
            return new DemoModel(version, arch, archFile, params);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo's model into " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The user's own checkpoint ({@code --arch}, {@code --params}), checked by loading it. */
    static DemoModel existing(Path archFile, Path params, long version) {
        Architecture a;
        try {
            a = Architecture.read(archFile);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--arch " + archFile + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(params)) {
            throw new IllegalArgumentException("--params " + params + ": no such file");
        }
        try {
            Networks.fromTensors(a, CheckpointFiles.read(params), Precision.FLOAT32);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--params " + params + ": does not fit --arch (" + e.getMessage() + ")", e);
        }
        return new DemoModel(version, a, archFile.toAbsolutePath(), params.toAbsolutePath());
    }

    /** The network itself (for a local reference computation). */
    Network network(Precision precision) {
        return Networks.fromTensors(arch, CheckpointFiles.read(params), precision);
    }

    String paramsUri() {
        return params.toAbsolutePath().toUri().toString();
    }

    /** The models-topic record. */
    String record() {
        try {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", version);
            m.put("arch", JSON.readTree(arch.toJson()));
            m.put("params_uri", paramsUri());
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
