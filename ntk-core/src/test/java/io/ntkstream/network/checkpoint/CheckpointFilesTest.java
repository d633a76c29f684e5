package io.ntkstream.network.checkpoint;

import static io.ntkstream.network.checkpoint.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.data.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointFilesTest {
    @TempDir
    Path tmp;

    @Test
    void choosesByExtension() {
        assertThat(CheckpointFiles.read(resource("fixtures/mlp_relu_ntk.npz")))
                .isEqualTo(Npz.read(resource("fixtures/mlp_relu_ntk.npz")));
        assertThat(CheckpointFiles.read(resource("fixtures/mlp_gelu_standard.safetensors")))
                .isEqualTo(Safetensors.read(resource("fixtures/mlp_gelu_standard.safetensors")));
    }

    @Test
    void fallsBackToMagicBytes() throws IOException {
        Path zip = tmp.resolve("model.ckpt");
        Files.copy(resource("fixtures/mlp_relu_ntk.compressed.npz"), zip);
        assertThat(CheckpointFiles.read(zip).keySet()).containsExactly("0.weight", "0.bias", "2.weight", "2.bias",
                "4.weight", "4.bias");
        Path st = tmp.resolve("model.bin");
        Files.copy(resource("fixtures/mlp_gelu_standard.safetensors"), st);
        assertThat(CheckpointFiles.read(st).keySet()).containsExactly("0.weight", "0.bias", "2.weight", "2.bias");
    }

    @Test
    void unknownFormatListsSupportedOnes() throws IOException {
        Path p = tmp.resolve("model.pt");
        Files.write(p, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc});
        assertThatThrownBy(() -> CheckpointFiles.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.pt: unrecognised checkpoint format (first bytes 80 02 8a 0a 6c fc)")
                .hasMessageContaining("pickle")
                .hasMessageContaining("supported checkpoint formats: .safetensors")
                .hasMessageContaining(".npz");

        Path npy = tmp.resolve("w.dat");
        Files.copy(resource("fixtures/mlp_relu_ntk.x1.npy"), npy);
        assertThatThrownBy(() -> CheckpointFiles.read(npy)).hasMessageContaining("single .npy array");

        assertThatThrownBy(() -> CheckpointFiles.write(tmp.resolve("out.h5"),
                Map.of(), DType.FLOAT64)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("out.h5: cannot choose a checkpoint format")
                .hasMessageContaining(".safetensors").hasMessageContaining(".npz");
    }

    @Test
    void writesByExtension() {
        Map<String, NamedTensor> t = CheckpointFiles.read(resource("fixtures/mlp_gelu_standard.safetensors"));
        Path npz = tmp.resolve("copy.npz");
        Path st = tmp.resolve("copy.SAFETENSORS");
        CheckpointFiles.write(npz, t, DType.FLOAT64);
        CheckpointFiles.write(st, t, DType.FLOAT64);
        assertThat(Npz.read(npz)).isEqualTo(t);
        assertThat(Safetensors.read(st)).isEqualTo(t);
    }

    @Test
    void missingFileNamesThePath() {
        Path p = tmp.resolve("sub").resolve("model.safetensors");
        assertThatThrownBy(() -> CheckpointFiles.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.safetensors: checkpoint file not found")
                .hasMessageContaining(p.toAbsolutePath().toString());
    }
}
