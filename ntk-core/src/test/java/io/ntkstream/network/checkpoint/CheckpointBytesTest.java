package io.ntkstream.network.checkpoint;

import static io.ntkstream.network.checkpoint.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.data.DType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory readers ({@code read(name, bytes)}) agree with the file readers, errors included. */
class CheckpointBytesTest {
    @TempDir
    Path tmp;

    private static byte[] bytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    @Test
    void sameTensorsAsTheFileReaders() throws IOException {
        for (String f : new String[] {"mlp_relu_ntk.npz", "mlp_relu_ntk.compressed.npz",
                "mlp_gelu_standard.safetensors"}) {
            Path p = resource("fixtures/" + f);
            assertThat(CheckpointFiles.read(f, bytes(p))).as(f).isEqualTo(CheckpointFiles.read(p));
        }
        Path st = resource("fixtures/mlp_gelu_standard.safetensors");
        assertThat(Safetensors.read(bytes(st), "x")).isEqualTo(Safetensors.read(st));
        Path npz = resource("fixtures/mlp_relu_ntk.npz");
        assertThat(Npz.read(bytes(npz), "x")).isEqualTo(Npz.read(npz));
    }

    @Test
    void roundTripsWhatWasWritten() throws IOException {
        Map<String, NamedTensor> t = CheckpointFiles.read(resource("fixtures/mlp_gelu_standard.safetensors"));
        for (String name : new String[] {"m.safetensors", "m.npz"}) {
            Path p = tmp.resolve(name);
            CheckpointFiles.write(p, t, DType.FLOAT64);
            assertThat(CheckpointFiles.read(name, bytes(p))).as(name).isEqualTo(CheckpointFiles.read(p));
        }
        Path c = tmp.resolve("c.npz");
        Npz.write(c, t, DType.FLOAT64, true);
        assertThat(Npz.read(bytes(c), "c.npz")).isEqualTo(Npz.read(c));
    }

    @Test
    void unknownExtensionFallsBackToMagicBytes() throws IOException {
        byte[] zip = bytes(resource("fixtures/mlp_relu_ntk.compressed.npz"));
        assertThat(CheckpointFiles.read("model.ckpt", zip).keySet()).containsExactly("0.weight", "0.bias",
                "2.weight", "2.bias", "4.weight", "4.bias");
        byte[] st = bytes(resource("fixtures/mlp_gelu_standard.safetensors"));
        assertThat(CheckpointFiles.read("model.bin", st).keySet()).containsExactly("0.weight", "0.bias",
                "2.weight", "2.bias");
        assertThatThrownBy(() -> CheckpointFiles.read("model.pt", new byte[] {(byte) 0x80, 2, (byte) 0x8a}))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.pt: unrecognised checkpoint format (first bytes 80 02 8a)")
                .hasMessageContaining("pickle");
        assertThatThrownBy(() -> CheckpointFiles.read("empty", new byte[0]))
                .hasMessageContaining("empty: unrecognised checkpoint format (first bytes none, the file is empty)");
    }

    @Test
    void malformedBytesAreNamed() throws IOException {
        byte[] st = bytes(resource("fixtures/mlp_gelu_standard.safetensors"));
        assertThatThrownBy(() -> Safetensors.read(Arrays.copyOf(st, st.length - 5), "t.safetensors"))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("t.safetensors is truncated");
        assertThatThrownBy(() -> Safetensors.read(new byte[] {1, 2}, "s.safetensors"))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("s.safetensors is truncated");
        assertThatThrownBy(() -> Npz.read("no zip here".getBytes(StandardCharsets.US_ASCII), "n.npz"))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("n.npz: not a valid zip archive");

        for (String f : new String[] {"mlp_relu_ntk.npz", "mlp_relu_ntk.compressed.npz"}) {
            byte[] zip = bytes(resource("fixtures/" + f));
            byte[] name = "2.weight.npy".getBytes(StandardCharsets.US_ASCII);
            int at = NpzTest.indexOf(zip, name) + name.length + 60;
            byte[] bad = zip.clone();
            for (int i = at; i < at + 8; i++) {
                bad[i] ^= (byte) 0x5a;
            }
            assertThatThrownBy(() -> Npz.read(bad, f)).as(f).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining(f + " member '2.weight.npy'");
        }
    }
}
