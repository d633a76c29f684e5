package io.ntkstream.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.data.DType;
import io.ntkstream.kafka.ModelEvent;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoaderTest {
    static final Architecture ARCH = Architecture.mlp(5, 16, 2, 3, Activation.RELU, Parametrization.NTK, 1.5, 0.1);
    static final long SEED = 42;

    @TempDir
    Path tmp;

    /** N inputs of dimension d, entries N(0,1), as a d x N matrix (as in ntk-core's TestNetworks). */
    static Matrix inputs(int d, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[d * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, d, n, v);
    }

    static double[] outputs(Network net) {
        try (Matrix x = inputs(net.inputDim(), 7, 3); Matrix y = net.apply(x)) {
            return y.toColumnMajor();
        }
    }

    private ModelEvent written(String fileName, long version) {
        Path file = tmp.resolve(fileName);
        CheckpointFiles.write(file, Networks.randomTensors(ARCH, SEED), DType.FLOAT64);
        return new ModelEvent(version, ARCH.toJson(), file.toUri().toString());
    }

    @Test
    void loadsSafetensorsAndNpzThroughAFileUri() {
        double[] expected = outputs(Networks.random(ARCH, SEED, Precision.FLOAT64));
        for (String name : new String[] {"v3.safetensors", "v3.npz", "V3.NPZ"}) {
            ModelEvent m = written(name, 3);
            assertThat(m.paramsUri).startsWith("file:/");
            LoadedModel loaded = ModelLoader.load(m, Precision.FLOAT64);
            assertThat(loaded.version()).isEqualTo(3L);
            assertThat(loaded.arch()).isEqualTo(ARCH);
            assertThat(loaded.network().precision()).isEqualTo(Precision.FLOAT64);
            double[] got = outputs(loaded.network());
            assertThat(got).hasSameSizeAs(expected);
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as(name + " output " + i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-12));
            }
        }
    }

    @Test
    void float32PrecisionIsHonoured() {
        LoadedModel loaded = ModelLoader.load(written("m.safetensors", 1), Precision.FLOAT32);
        assertThat(loaded.network().precision()).isEqualTo(Precision.FLOAT32);
    }

    @Test
    void missingFileNamesTheUri() {
        String uri = tmp.resolve("nope.safetensors").toUri().toString();
        assertThatThrownBy(() -> ModelLoader.load(new ModelEvent(2, ARCH.toJson(), uri), Precision.FLOAT64))
                .isInstanceOf(CheckpointLoadException.class)
                .hasMessageContaining(uri).hasMessageContaining("v2").hasMessageContaining("not found")
                .satisfies(e -> assertThat(((CheckpointLoadException) e).uri()).isEqualTo(uri));
    }

    @Test
    void unknownExtensionIsAClearError() throws IOException {
        Path p = tmp.resolve("model.pt");
        Files.write(p, new byte[] {1, 2, 3});
        String uri = p.toUri().toString();
        assertThatThrownBy(() -> ModelLoader.load(new ModelEvent(1, ARCH.toJson(), uri), Precision.FLOAT64))
                .isInstanceOf(CheckpointLoadException.class).hasMessageContaining(uri)
                .hasMessageContaining(".safetensors or .npz");
    }

    @Test
    void corruptOrMismatchedFilesNameTheUriAndTheCause() throws IOException {
        Path junk = tmp.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3});
        String uri = junk.toUri().toString();
        assertThatThrownBy(() -> ModelLoader.load(new ModelEvent(1, ARCH.toJson(), uri), Precision.FLOAT64))
                .isInstanceOf(CheckpointLoadException.class).hasMessageContaining(uri).hasMessageContaining("truncated");

        // a checkpoint of another architecture: wrong shapes
        Architecture other = Architecture.mlp(5, 8, 2, 3, Activation.RELU, Parametrization.NTK, 1.5, 0.1);
        Path wrong = tmp.resolve("wrong.npz");
        CheckpointFiles.write(wrong, Networks.randomTensors(other, 1), DType.FLOAT64);
        String wrongUri = wrong.toUri().toString();
        assertThatThrownBy(() -> ModelLoader.load(new ModelEvent(1, ARCH.toJson(), wrongUri), Precision.FLOAT64))
                .isInstanceOf(CheckpointLoadException.class).hasMessageContaining(wrongUri)
                .hasMessageContaining("0.weight").hasMessageContaining("shape");

        // a missing tensor
        Map<String, NamedTensor> t = new LinkedHashMap<>(Networks.randomTensors(ARCH, SEED));
        t.remove("2.bias");
        Path partial = tmp.resolve("partial.safetensors");
        CheckpointFiles.write(partial, t, DType.FLOAT64);
        assertThatThrownBy(() -> ModelLoader.load(new ModelEvent(1, ARCH.toJson(), partial.toUri().toString()),
                Precision.FLOAT64)).isInstanceOf(CheckpointLoadException.class).hasMessageContaining("2.bias");
    }

    @Test
    void badArchitectureOrUriAreClearErrors() {
        ModelEvent m = written("ok.npz", 1);
        assertThatThrownBy(() -> ModelLoader.load(new ModelEvent(1, "{\"input_dim\":0}", m.paramsUri), Precision.FLOAT64))
                .isInstanceOf(CheckpointLoadException.class).hasMessageContaining(m.paramsUri)
                .hasMessageContaining("architecture");
        assertThatThrownBy(() -> ModelLoader.load(new ModelEvent(1, ARCH.toJson(), "relative/ok.npz"), Precision.FLOAT64))
                .isInstanceOf(CheckpointLoadException.class).hasMessageContaining("relative/ok.npz")
                .hasMessageContaining("scheme");
        assertThatThrownBy(() -> ModelLoader.load(new ModelEvent(1, ARCH.toJson(), "nosuchfs://host/ok.npz"),
                Precision.FLOAT64)).isInstanceOf(CheckpointLoadException.class)
                .hasMessageContaining("nosuchfs://host/ok.npz");
        assertThatThrownBy(() -> ModelLoader.load(new ModelEvent(1, ARCH.toJson(), tmp.toUri().toString()),
                Precision.FLOAT64)).isInstanceOf(CheckpointLoadException.class);
    }
}
