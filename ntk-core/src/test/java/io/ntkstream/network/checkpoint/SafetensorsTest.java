package io.ntkstream.network.checkpoint;

import static io.ntkstream.network.checkpoint.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.data.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path tmp;

    @Test
    void readsPyTorchWrittenFixture() {
        Map<String, NamedTensor> t = Safetensors.read(resource("fixtures/mlp_gelu_standard.safetensors"));
        assertThat(t.keySet()).containsExactly("0.weight", "0.bias", "2.weight", "2.bias");
        assertThat(t.get("0.weight").shape()).containsExactly(7, 4);
        assertThat(t.get("0.bias").shape()).containsExactly(7);
        assertThat(t.get("2.weight").shape()).containsExactly(3, 7);
        assertThat(t.get("2.bias").shape()).containsExactly(3);
        assertThat(t.values()).allSatisfy(v -> assertThat(v.storedAs()).isEqualTo(DType.FLOAT64));
        // printed by numpy (np.frombuffer of each data_offsets slice, dtype '<f8', reshaped)
        double[][] w0 = t.get("0.weight").toMatrix();
        assertThat(w0[0][0]).isEqualTo(0.9624558620912129);
        assertThat(w0[6][3]).isEqualTo(0.06762023489359624);
        assertThat(t.get("2.weight").toNdArray().get(2, 6)).isEqualTo(0.08116359331300041);
        assertThat(t.get("0.bias").values()[4]).isEqualTo(-0.20595728437036548);
        assertThat(t.get("2.bias").values()[2]).isEqualTo(0.13403553536802987);
    }

    /** Builds a file byte by byte from the public spec: u64 LE header size, JSON header, LE data. */
    static byte[] handBuilt(String json, ByteBuffer data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.position()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data.flip());
        return b.array();
    }

    @Test
    void readsHandBuiltFileWithHalfPrecisionAndIntegers() throws IOException {
        String json = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"hand-built\"},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[8,16]},"
                + "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
                + "\"l\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[24,40]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[40,44]},"
                + "\"e\":{\"dtype\":\"F64\",\"shape\":[0,3],\"data_offsets\":[44,44]}}   ";
        ByteBuffer d = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        // F16 bit patterns (checked with numpy .view(np.uint16)): 1.0, -2.0, 65504 (max), 2^-24 (min subnormal)
        d.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x7bff).putShort((short) 0x0001);
        // BF16 = upper 16 bits of binary32: 1.0, -5.0, 0.15625, 0xbac5 = -0.00150299072265625 (numpy)
        d.putShort((short) 0x3f80).putShort((short) 0xc0a0).putShort((short) 0x3e20).putShort((short) 0xbac5);
        d.putFloat(0.5f).putFloat(-3.25f);
        d.putLong(-7).putLong(1L << 40);
        d.putInt(123456);
        Path p = tmp.resolve("hand.safetensors");
        Files.write(p, handBuilt(json, d));

        Map<String, NamedTensor> t = Safetensors.read(p);
        assertThat(t.keySet()).containsExactly("h", "b", "f", "l", "i", "e");
        assertThat(t.get("h").storedAs()).isEqualTo(DType.FLOAT16);
        assertThat(t.get("h").shape()).containsExactly(2, 2);
        assertThat(t.get("h").values()).containsExactly(1.0, -2.0, 65504.0, 0x1p-24);
        assertThat(t.get("b").storedAs()).isEqualTo(DType.BFLOAT16);
        assertThat(t.get("b").values()).containsExactly(1.0, -5.0, 0.15625, -0.00150299072265625);
        assertThat(t.get("f").values()).containsExactly(0.5, -3.25);
        assertThat(t.get("l").storedAs()).isEqualTo(DType.INT64);
        assertThat(t.get("l").values()).containsExactly(-7, 1L << 40);
        assertThat(t.get("i").shape()).isEmpty();
        assertThat(t.get("i").values()).containsExactly(123456);
        assertThat(t.get("e").shape()).containsExactly(0, 3);
        assertThat(t.get("e").values()).isEmpty();
    }

    static Map<String, NamedTensor> sample() {
        Map<String, NamedTensor> m = new LinkedHashMap<>();
        m.put("0.weight", new NamedTensor("0.weight", new int[] {3, 2}, new double[] {0.1, -0.2, 1e-8, 3, 4.5, -6}, DType.FLOAT64));
        m.put("0.bias", new NamedTensor("0.bias", new int[] {3}, new double[] {Math.PI, -Math.E, 0}, DType.FLOAT64));
        m.put("scalar", new NamedTensor("scalar", new int[] {}, new double[] {1.0 / 3}, DType.FLOAT64));
        return m;
    }

    @Test
    void roundTripsFloat64() throws IOException {
        Path p = tmp.resolve("m.safetensors");
        Safetensors.write(p, sample(), DType.FLOAT64);
        assertThat(Safetensors.read(p)).isEqualTo(sample());

        byte[] b = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"0.weight\":{\"dtype\":\"F64\",\"shape\":[3,2],"
                + "\"data_offsets\":[0,48]}");
        assertThat(b.length).isEqualTo(8 + n + (6 + 3 + 1) * 8);
    }

    @Test
    void roundTripsFloat32() {
        Path p = tmp.resolve("m32.safetensors");
        Safetensors.write(p, sample(), DType.FLOAT32);
        Map<String, NamedTensor> back = Safetensors.read(p);
        assertThat(back.keySet()).containsExactlyElementsOf(sample().keySet());
        for (NamedTensor orig : sample().values()) {
            NamedTensor t = back.get(orig.name());
            assertThat(t.storedAs()).isEqualTo(DType.FLOAT32);
            assertThat(t.shape()).isEqualTo(orig.shape());
            for (int i = 0; i < orig.values().length; i++) {
                assertThat(t.values()[i]).isEqualTo((double) (float) orig.values()[i]);
            }
        }
    }

    @Test
    void onlyFloatOutputTypes() {
        assertThatThrownBy(() -> Safetensors.write(tmp.resolve("x.safetensors"), sample(), DType.FLOAT16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FLOAT32 or FLOAT64");
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        byte[] full = Files.readAllBytes(resource("fixtures/mlp_gelu_standard.safetensors"));
        Path p = tmp.resolve("P.safetensors");
        Files.write(p, Arrays.copyOf(full, 700));
        // header is 288 bytes, data 472 bytes: ends at 8 + 288 + 472 = 768
        assertThatThrownBy(() -> Safetensors.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessage("P.safetensors is truncated: header says data ends at byte 768 but the file has 700 bytes"
                        .replace("P.safetensors", p.toString()));
        Files.write(p, Arrays.copyOf(full, 5));
        assertThatThrownBy(() -> Safetensors.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("P.safetensors is truncated: it has 5 bytes");
    }

    @Test
    void headerLongerThanFileIsReported() throws IOException {
        byte[] full = Files.readAllBytes(resource("fixtures/mlp_gelu_standard.safetensors"));
        Path p = tmp.resolve("P.safetensors");
        Files.write(p, Arrays.copyOf(full, 200)); // header says 288 bytes
        assertThatThrownBy(() -> Safetensors.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("P.safetensors: header length 288 (from the first 8 bytes) is larger than the file (200 bytes)");

        Path npz = tmp.resolve("Z.safetensors");
        Files.copy(resource("fixtures/mlp_relu_ntk.npz"), npz);
        assertThatThrownBy(() -> Safetensors.read(npz)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("Z.safetensors: header length").hasMessageContaining("is larger than the file");
    }

    @Test
    void offsetsThatDisagreeWithShapeAreReported() throws IOException {
        String json = "{\"2.weight\":{\"dtype\":\"F32\",\"shape\":[6,8],\"data_offsets\":[0,96]}}";
        Path p = tmp.resolve("P.safetensors");
        Files.write(p, handBuilt(json, ByteBuffer.allocate(96).position(96)));
        assertThatThrownBy(() -> Safetensors.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessage(p + ": tensor '2.weight' declares shape [6, 8] (F32, 192 bytes) but data_offsets span 96 bytes");

        String backwards = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}";
        Files.write(p, handBuilt(backwards, ByteBuffer.allocate(8).position(8)));
        assertThatThrownBy(() -> Safetensors.read(p)).hasMessageContaining("tensor 'w' has data_offsets [8, 4] with end before begin");
    }

    @Test
    void unsupportedDtypeAndMalformedHeaderAreReported() throws IOException {
        Path p = tmp.resolve("P.safetensors");
        Files.write(p, handBuilt("{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}",
                ByteBuffer.allocate(2).position(2)));
        assertThatThrownBy(() -> Safetensors.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor 'mask' has unsupported dtype 'BOOL'; supported: F64, F32, F16, BF16, I64, I32");

        Files.write(p, handBuilt("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", ByteBuffer.allocate(0)));
        assertThatThrownBy(() -> Safetensors.read(p)).hasMessageContaining("tensor 'w' needs \"data_offsets\"");

        Files.write(p, handBuilt("{\"w\": [1, 2", ByteBuffer.allocate(0)));
        assertThatThrownBy(() -> Safetensors.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("P.safetensors: header is not valid JSON");

        Files.write(p, handBuilt("{\"w\":{},\"w\":{}}", ByteBuffer.allocate(0)));
        assertThatThrownBy(() -> Safetensors.read(p)).hasMessageContaining("not valid JSON").hasMessageContaining("Duplicate");
    }

    @Test
    void missingFileNamesThePath() {
        Path p = tmp.resolve("gone.safetensors");
        assertThatThrownBy(() -> Safetensors.read(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("gone.safetensors: checkpoint file not found")
                .hasMessageContaining(p.toAbsolutePath().toString());
    }
}
