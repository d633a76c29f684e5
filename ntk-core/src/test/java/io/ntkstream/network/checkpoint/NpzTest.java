package io.ntkstream.network.checkpoint;

import static io.ntkstream.network.checkpoint.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.data.DType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {
    @TempDir
    Path tmp;

    @Test
    void readsNumpySavezAndSavezCompressed() {
        Map<String, NamedTensor> stored = Npz.read(resource("fixtures/mlp_relu_ntk.npz"));
        Map<String, NamedTensor> deflated = Npz.read(resource("fixtures/mlp_relu_ntk.compressed.npz"));
        assertThat(stored.keySet()).containsExactly("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias");
        assertThat(deflated).isEqualTo(stored);
        assertThat(stored.get("0.weight").shape()).containsExactly(8, 3);
        assertThat(stored.get("0.bias").shape()).containsExactly(8);
        assertThat(stored.get("2.weight").shape()).containsExactly(6, 8);
        assertThat(stored.get("2.bias").shape()).containsExactly(6);
        assertThat(stored.get("4.weight").shape()).containsExactly(2, 6);
        assertThat(stored.get("4.bias").shape()).containsExactly(2);
        assertThat(stored.values()).allSatisfy(t -> assertThat(t.storedAs()).isEqualTo(DType.FLOAT64));
        // printed by numpy: z['0.weight'][0,0], z['0.weight'][7,2], z['2.weight'][5,7], z['4.bias'][1], z['0.bias'][3]
        double[][] w0 = stored.get("0.weight").toMatrix();
        assertThat(w0[0][0]).isEqualTo(1.2333915856792161);
        assertThat(w0[7][2]).isEqualTo(-1.640570409267538);
        assertThat(stored.get("2.weight").toNdArray().get(5, 7)).isEqualTo(0.42317936212230933);
        assertThat(stored.get("4.bias").values()[1]).isEqualTo(0.8398296358024281);
        assertThat(stored.get("0.bias").values()[3]).isEqualTo(-1.4037612254387657);
    }

    @Test
    void roundTripsStoredAndCompressed() throws IOException {
        Map<String, NamedTensor> orig = Npz.read(resource("fixtures/mlp_relu_ntk.npz"));
        Path a = tmp.resolve("a.npz");
        Npz.write(a, orig, DType.FLOAT64);
        assertThat(Npz.read(a)).isEqualTo(orig);
        assertThat(methods(a)).containsOnly(ZipEntry.STORED);

        Path b = tmp.resolve("b.npz");
        Npz.write(b, orig, DType.FLOAT64, true);
        assertThat(Npz.read(b)).isEqualTo(orig);
        assertThat(methods(b)).containsOnly(ZipEntry.DEFLATED);

        Path c = tmp.resolve("c.npz");
        Npz.write(c, orig, DType.FLOAT32);
        Map<String, NamedTensor> back = Npz.read(c);
        NamedTensor w = back.get("2.weight");
        assertThat(w.storedAs()).isEqualTo(DType.FLOAT32);
        assertThat(w.values()[47]).isEqualTo((double) (float) orig.get("2.weight").values()[47]);
    }

    private static java.util.List<Integer> methods(Path p) throws IOException {
        try (ZipFile z = new ZipFile(p.toFile())) {
            return Collections.list(z.entries()).stream().map(ZipEntry::getMethod).toList();
        }
    }

    /** Overwrites bytes in the middle of a member's data, located via its local file header. */
    private static byte[] corruptMember(byte[] zip, String member) {
        byte[] name = member.getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(zip, name);
        int local = at - 30;
        ByteBuffer le = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(le.getInt(local)).isEqualTo(0x04034b50);
        int compressed = le.getInt(local + 18);
        int extra = le.getShort(local + 28) & 0xffff;
        int data = at + name.length + extra;
        byte[] out = zip.clone();
        for (int i = compressed / 2; i < compressed / 2 + 8; i++) {
            out[data + i] ^= (byte) 0x5a;
        }
        return out;
    }

    @Test
    void corruptMembersAreNamed() throws IOException {
        for (String f : new String[] {"mlp_relu_ntk.npz", "mlp_relu_ntk.compressed.npz"}) {
            byte[] bad = corruptMember(Files.readAllBytes(resource("fixtures/" + f)), "2.weight.npy");
            Path p = tmp.resolve("bad-" + f);
            Files.write(p, bad);
            assertThatThrownBy(() -> Npz.read(p)).as(f).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining(p + " member '2.weight.npy' is corrupt");
        }
    }

    private static void zipOf(Path p, String member, byte[] content) throws IOException {
        try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry(member));
            z.write(content);
            z.closeEntry();
        }
    }

    @Test
    void badMemberArraysAreNamed() throws IOException {
        Path p = tmp.resolve("W.npz");
        zipOf(p, "w.npy", Files.readAllBytes(resource("npy/fortran_f8.npy")));
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("W.npz member 'w.npy': Fortran-order arrays are not supported");

        zipOf(p, "w.npy", new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("W.npz member 'w.npy': not a NumPy .npy file");

        zipOf(p, "archive/data.pkl", new byte[] {(byte) 0x80, 2});
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("member 'archive/data.pkl' is not a .npy array")
                .hasMessageContaining("PyTorch");
    }

    @Test
    void notAZip() throws IOException {
        Path p = tmp.resolve("N.npz");
        Files.writeString(p, "this is not a zip archive at all");
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("N.npz: not a valid zip archive");
    }

    @Test
    void missingFile() {
        Path p = tmp.resolve("none.npz");
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("none.npz: checkpoint file not found");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
