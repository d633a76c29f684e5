package io.ntkstream.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads files written by NumPy (fixtures/ from the PyTorch reference run, npy/ from
 * make_npy_fixtures.py); expected values were printed by NumPy, e.g.
 * {@code python3 -c "import numpy as np; print(repr(np.load('mlp_relu_ntk.x1.npy')[0,0]))"}.
 */
class NpyTest {
    @TempDir
    Path tmp;

    static Path resource(String name) {
        try {
            return Path.of(NpyTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- files written by NumPy

    @Test
    void readsFixtureInputsAsMatrix() {
        double[][] x1 = Npy.readMatrix(resource("fixtures/mlp_relu_ntk.x1.npy"));
        assertThat(x1.length).isEqualTo(4);
        assertThat(x1[0]).hasSize(3);
        // printed by numpy: a[0,0], a[3,2], a[1,1]
        assertThat(x1[0][0]).isEqualTo(-0.6232232072465728);
        assertThat(x1[3][2]).isEqualTo(-0.5249867670311872);
        assertThat(x1[1][1]).isEqualTo(0.029918910760386115);

        NdArray g = Npy.read(resource("fixtures/mlp_gelu_standard.x1.npy"));
        assertThat(g.shape()).containsExactly(4, 4);
        assertThat(g.dtype()).isEqualTo(DType.FLOAT64);
        assertThat(g.rows()).isEqualTo(4);
        assertThat(g.cols()).isEqualTo(4);
        assertThat(g.get(0, 0)).isEqualTo(-1.140437746127701); // printed by numpy
        assertThat(g.get(3, 3)).isEqualTo(-0.4570715080977042); // printed by numpy
    }

    @Test
    void readsFourDimensionalNtk() {
        NdArray relu = Npy.read(resource("fixtures/mlp_relu_ntk.ntk_full.npy"));
        assertThat(relu.shape()).containsExactly(4, 3, 2, 2);
        // printed by numpy: b[0,0,0,0], b[3,2,1,0], b[2,1,0,1]
        assertThat(relu.get(0, 0, 0, 0)).isEqualTo(0.18165070734944083);
        assertThat(relu.get(3, 2, 1, 0)).isEqualTo(0.2578672600375653);
        assertThat(relu.get(2, 1, 0, 1)).isEqualTo(0.07011791482411608);

        NdArray gelu = Npy.read(resource("fixtures/mlp_gelu_standard.ntk_full.npy"));
        assertThat(gelu.shape()).containsExactly(4, 3, 3, 3);
        assertThat(gelu.get(1, 2, 2, 0)).isEqualTo(0.460579222083884); // printed by numpy
        assertThatThrownBy(gelu::toMatrix).hasMessageContaining("expected a 2-D array")
                .hasMessageContaining("(4, 3, 3, 3)");
    }

    // printed by numpy: [repr(float(x)) for x in np.load('f32_3x4.npy').ravel()]
    static final double[] F32_3X4 = {-0.7857142686843872, -0.6428571343421936, -0.5, -0.3571428656578064,
        -0.2142857164144516, -0.0714285746216774, 0.0714285746216774, 0.2142857164144516,
        0.3571428656578064, 0.5, 0.6428571343421936, 0.7857142686843872};
    // printed by numpy: np.load('f8_v3.npy').ravel().tolist()
    static final double[] F8_3X4 = {-0.7857142857142857, -0.6428571428571429, -0.5, -0.35714285714285715,
        -0.21428571428571427, -0.07142857142857142, 0.07142857142857142, 0.21428571428571427,
        0.35714285714285715, 0.5, 0.6428571428571429, 0.7857142857142857};

    @Test
    void readsFloat32() {
        NdArray a = Npy.read(resource("npy/f32_3x4.npy"));
        assertThat(a.dtype()).isEqualTo(DType.FLOAT32);
        assertThat(a.shape()).containsExactly(3, 4);
        assertThat(a.values()).containsExactly(F32_3X4);
        assertThat(Npy.readMatrix(resource("npy/f32_3x4.npy"))[2]).containsExactly(Arrays.copyOfRange(F32_3X4, 8, 12));
    }

    @Test
    void readsHeaderVersions2And3() {
        for (String f : new String[] {"npy/f8_v2.npy", "npy/f8_v3.npy"}) {
            NdArray a = Npy.read(resource(f));
            assertThat(a.shape()).as(f).containsExactly(3, 4);
            assertThat(a.values()).as(f).containsExactly(F8_3X4);
        }
    }

    @Test
    void readsLabels() {
        assertThat(Npy.readLabels(resource("npy/labels_i8.npy"))).containsExactly(3, 1, 4, 1, 5, 9, 2, -6);
        assertThat(Npy.readLabels(resource("npy/labels_i4.npy"))).containsExactly(2, 7, 1, 8, 2, 8);
        NdArray asDoubles = Npy.read(resource("npy/labels_i4.npy"));
        assertThat(asDoubles.dtype()).isEqualTo(DType.INT32);
        assertThat(asDoubles.values()).containsExactly(2, 7, 1, 8, 2, 8);
    }

    @Test
    void readsFloat16() {
        // printed by numpy: np.load('f16.npy').astype(np.float64).tolist()
        NdArray a = Npy.read(resource("npy/f16.npy"));
        assertThat(a.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(a.values()).containsExactly(1.0, -2.5, 65504.0, 5.960464477539063e-08, 0.0999755859375,
                Double.POSITIVE_INFINITY);
    }

    // ---- writing

    @Test
    void writesTheSameBytesAsNumpy() throws IOException {
        Path ref = resource("fixtures/mlp_relu_ntk.x1.npy");
        Path out = tmp.resolve("x1.npy");
        Npy.writeMatrix(out, Npy.readMatrix(ref), DType.FLOAT64);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(ref));

        for (String f : new String[] {"npy/f32_3x4.npy", "npy/labels_i8.npy", "npy/labels_i4.npy", "npy/f8_3d.npy"}) {
            NdArray a = Npy.read(resource(f));
            Path o = tmp.resolve(f.replace('/', '_'));
            Npy.write(o, a.shape(), a.values(), a.dtype());
            assertThat(Files.readAllBytes(o)).as(f).isEqualTo(Files.readAllBytes(resource(f)));
            assertThat(Npy.toBytes(a.shape(), a.values(), a.dtype())).as(f).isEqualTo(Files.readAllBytes(resource(f)));
        }
    }

    @Test
    void roundTripsFloat32AndFloat64() {
        Random r = new Random(7);
        double[] v = new double[5 * 7 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian() * 1e3;
        }
        int[] shape = {5, 7, 3};
        Path p64 = tmp.resolve("a64.npy");
        Npy.write(p64, shape, v, DType.FLOAT64);
        assertThat(Npy.read(p64)).isEqualTo(new NdArray(shape, v, DType.FLOAT64));

        Path p32 = tmp.resolve("a32.npy");
        Npy.write(p32, shape, v, DType.FLOAT32);
        NdArray back = Npy.read(p32);
        assertThat(back.dtype()).isEqualTo(DType.FLOAT32);
        for (int i = 0; i < v.length; i++) {
            assertThat(back.values()[i]).isEqualTo((double) (float) v[i]);
        }

        double[][] m = {{1.5, -2}, {3, 4.25}, {0, 1e-300}};
        Path pm = tmp.resolve("m.npy");
        Npy.writeMatrix(pm, m, DType.FLOAT64);
        assertThat(Npy.readMatrix(pm)).isDeepEqualTo(m);
    }

    @Test
    void roundTripsLargeFloat32Matrix() {
        int n = 4096;
        int d = 784;
        double[] v = new double[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((i % 1000) / 999.0 - 0.5);
        }
        Path p = tmp.resolve("big.npy");
        Npy.write(p, new int[] {n, d}, v, DType.FLOAT32);
        double[][] m = Npy.readMatrix(p);
        assertThat(m.length).isEqualTo(n);
        assertThat(m[4095][783]).isEqualTo(v[4095 * 784 + 783]);
        assertThat(Npy.read(p).values()).isEqualTo(v);
    }

    @Test
    void dataStartsAtMultipleOf64AndLongHeadersUseVersion2() throws IOException {
        for (int[] shape : new int[][] {{}, {3}, {1234567, 0}, {2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1}}) {
            byte[] h = Npy.headerBytes(shape, DType.FLOAT64);
            assertThat(h.length % 64).isZero();
            assertThat(h[6]).isEqualTo((byte) 1);
            assertThat(h[h.length - 1]).isEqualTo((byte) '\n');
        }
        int[] many = new int[23000];
        Arrays.fill(many, 1);
        Path p = tmp.resolve("many.npy");
        Npy.write(p, many, new double[] {42}, DType.FLOAT64);
        byte[] b = Files.readAllBytes(p);
        assertThat(b[6]).isEqualTo((byte) 2);
        int hlen = ByteBuffer.wrap(b, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertThat((12 + hlen) % 64).isZero();
        NdArray a = Npy.read(p);
        assertThat(a.rank()).isEqualTo(23000);
        assertThat(a.values()).containsExactly(42);
    }

    // ---- errors

    @Test
    void truncatedDataIsReported() throws IOException {
        byte[] full = Files.readAllBytes(resource("fixtures/mlp_relu_ntk.x1.npy"));
        Path p = tmp.resolve("X.npy");
        Files.write(p, Arrays.copyOf(full, 150));
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("X.npy is truncated")
                .hasMessageContaining("(4, 3) float64")
                .hasMessageContaining("ending at byte 224")
                .hasMessageContaining("the file has 150 bytes");

        Files.write(p, Arrays.copyOf(full, 60));
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("X.npy is truncated").hasMessageContaining("the file has 60 bytes");

        Files.write(p, Arrays.copyOf(full, 4));
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("X.npy is truncated").hasMessageContaining("only 4 bytes");
    }

    @Test
    void fortranOrderIsRejected() {
        assertThatThrownBy(() -> Npy.read(resource("npy/fortran_f8.npy"))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("fortran_f8.npy: Fortran-order arrays are not supported")
                .hasMessageContaining("np.ascontiguousarray(x) (C order)");
    }

    @Test
    void bigEndianIsRejected() {
        assertThatThrownBy(() -> Npy.readMatrix(resource("npy/bigendian_f8.npy"))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("bigendian_f8.npy: big-endian dtype '>f8' is not supported")
                .hasMessageContaining("expected one of <f8");
    }

    @Test
    void unsupportedDtypesAreRejected() {
        assertThatThrownBy(() -> Npy.read(resource("npy/object.npy"))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("object.npy: object arrays ('|O') are not supported");
        assertThatThrownBy(() -> Npy.read(resource("npy/u8.npy"))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("u8.npy: unsupported dtype '|u1'; expected one of <f8 (float64)");
        assertThatThrownBy(() -> Npy.readMatrix(resource("npy/labels_i8.npy"))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("expected a 2-D (N, D) matrix but found shape (8,)");
        assertThatThrownBy(() -> Npy.readLabels(resource("npy/f32_3x4.npy"))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("expected a 1-D label vector");
        assertThatThrownBy(() -> Npy.readLabels(resource("npy/f16.npy"))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("expected integer labels (int32 or int64) but found float16 ('<f2')");
    }

    @Test
    void intMatrixIsNotAFloatMatrix() {
        Path p = tmp.resolve("ints.npy");
        Npy.write(p, new int[] {2, 2}, new double[] {1, 2, 3, 4}, DType.INT64);
        assertThatThrownBy(() -> Npy.readMatrix(p)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("ints.npy: expected float32 or float64 values but found int64 ('<i8')");
    }

    @Test
    void threeDimensionalWhereMatrixExpected() {
        assertThatThrownBy(() -> Npy.readMatrix(resource("npy/f8_3d.npy"))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("f8_3d.npy: expected a 2-D (N, D) matrix but found shape (2, 3, 4) (3-D)");
    }

    @Test
    void badMagicAndVersionAndHeader() throws IOException {
        Path zip = tmp.resolve("Z.npy");
        Files.copy(resource("fixtures/mlp_relu_ntk.npz"), zip);
        assertThatThrownBy(() -> Npy.read(zip)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("Z.npy: not a NumPy .npy file: expected the magic string \\x93NUMPY")
                .hasMessageContaining("found 50 4b 03 04")
                .hasMessageContaining("zip archive");

        byte[] good = Files.readAllBytes(resource("npy/f32_3x4.npy"));
        byte[] v4 = good.clone();
        v4[6] = 4;
        Path p = tmp.resolve("V.npy");
        Files.write(p, v4);
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("V.npy: unsupported .npy format version 4.0; expected 1.0, 2.0 or 3.0");

        byte[] broken = good.clone();
        byte[] shapeKey = "'shape'".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(broken, shapeKey);
        broken[at + 1] = 'S';
        Files.write(p, broken);
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("V.npy: malformed .npy header: missing key 'shape'");

        Files.write(p, new byte[0]);
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("V.npy is truncated");
    }

    @Test
    void missingFileNamesThePath() {
        Path p = tmp.resolve("nowhere").resolve("missing.npy");
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("missing.npy: file not found").hasMessageContaining(p.toAbsolutePath().toString());
        assertThatThrownBy(() -> Npy.readMatrix(p)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("file not found");
    }

    @Test
    void fromBytesNamesTheSource() throws IOException {
        byte[] good = Files.readAllBytes(resource("npy/f32_3x4.npy"));
        assertThat(Npy.fromBytes(good, "mem").values()).containsExactly(F32_3X4);
        assertThatThrownBy(() -> Npy.fromBytes(Arrays.copyOf(good, 170), "w.npz:a.npy"))
                .isInstanceOf(DataFileException.class).hasMessageContaining("w.npz:a.npy is truncated");
    }

    @Test
    void ndArrayHelpers() {
        NdArray a = new NdArray(new int[] {2, 3}, new double[] {0, 1, 2, 3, 4, 5}, DType.FLOAT64);
        assertThat(a.get(1, 2)).isEqualTo(5);
        assertThat(a.get(1, 0)).isEqualTo(3);
        assertThat(a.toMatrix()).isDeepEqualTo(new double[][] {{0, 1, 2}, {3, 4, 5}});
        assertThatThrownBy(() -> a.get(2, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> a.get(1)).hasMessageContaining("has 1 coordinates");
        assertThatThrownBy(() -> new NdArray(new int[] {2, 2}, new double[3], DType.FLOAT32))
                .hasMessageContaining("holds 4 values but 3");
        NdArray v = new NdArray(new int[] {3}, new double[3], DType.FLOAT32);
        assertThatThrownBy(v::rows).hasMessageContaining("expected a 2-D array but the shape is (3,)");
    }

    @Test
    void halfPrecisionConversionsMatchKnownBitPatterns() {
        // IEEE binary16 bit patterns with their exact values
        assertThat(LittleEndianArrays.halfToFloat((short) 0x3c00)).isEqualTo(1.0f);
        assertThat(LittleEndianArrays.halfToFloat((short) 0xc000)).isEqualTo(-2.0f);
        assertThat(LittleEndianArrays.halfToFloat((short) 0x7bff)).isEqualTo(65504.0f);
        assertThat(LittleEndianArrays.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(LittleEndianArrays.halfToFloat((short) 0x03ff)).isEqualTo(1023 * 0x1p-24f);
        assertThat(LittleEndianArrays.halfToFloat((short) 0x0400)).isEqualTo(0x1p-14f);
        assertThat(LittleEndianArrays.halfToFloat((short) 0x8000)).isEqualTo(-0.0f);
        assertThat(LittleEndianArrays.halfToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(LittleEndianArrays.halfToFloat((short) 0x7e00)).isNaN();
        assertThat(LittleEndianArrays.halfToFloat((short) 0x3555)).isCloseTo(0.333251953125f, within(0f));
        // bfloat16: upper half of binary32
        assertThat(LittleEndianArrays.bfloat16ToFloat((short) 0x3f80)).isEqualTo(1.0f);
        assertThat(LittleEndianArrays.bfloat16ToFloat((short) 0xc0a0)).isEqualTo(-5.0f);
        assertThat(LittleEndianArrays.bfloat16ToFloat((short) 0x3e20)).isEqualTo(0.15625f);
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
