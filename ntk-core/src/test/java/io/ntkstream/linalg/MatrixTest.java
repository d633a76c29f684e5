package io.ntkstream.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The Matrix facade against plain Java loops: GEMM, views, grouped/tiled mapped products. */
class MatrixTest {

    static double[] random(int length, long seed) {
        Random rnd = new Random(seed);
        double[] v = new double[length];
        for (int i = 0; i < length; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return v;
    }

    /** The value a matrix of precision p stores for v. */
    static double stored(Precision p, double v) {
        return p == Precision.FLOAT32 ? (double) (float) v : v;
    }

    static double tolerance(Precision p) {
        return p == Precision.FLOAT32 ? 1e-5 : 1e-12;
    }

    /** Plain triple loop: alpha * op(A) op(B) on the values actually stored (so float32 rounding is shared). */
    static double[][] reference(Matrix a, boolean transA, Matrix b, boolean transB, double alpha) {
        int m = transA ? a.cols() : a.rows();
        int k = transA ? a.rows() : a.cols();
        int n = transB ? b.rows() : b.cols();
        double[][] c = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double x = transA ? a.get(p, i) : a.get(i, p);
                    double y = transB ? b.get(j, p) : b.get(p, j);
                    s += x * y;
                }
                c[i][j] = alpha * s;
            }
        }
        return c;
    }

    static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] row : a) {
            for (double v : row) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    static void assertMatches(Matrix actual, double[][] expected, double relTol) {
        assertThat(actual.rows()).isEqualTo(expected.length);
        assertThat(actual.cols()).isEqualTo(expected[0].length);
        double scale = Math.max(1.0, maxAbs(expected));
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[0].length; j++) {
                worst = Math.max(worst, Math.abs(actual.get(i, j) - expected[i][j]));
            }
        }
        assertThat(worst / scale).as("max relative difference").isLessThanOrEqualTo(relTol);
    }

    static Stream<Arguments> gemmCases() {
        return Stream.of(Precision.values()).flatMap(p -> Stream.of(
                Arguments.of(p, false, false), Arguments.of(p, true, false),
                Arguments.of(p, false, true), Arguments.of(p, true, true)));
    }

    @ParameterizedTest(name = "{0} transA={1} transB={2}")
    @MethodSource("gemmCases")
    void multiplyMatchesTripleLoop(Precision p, boolean transA, boolean transB) {
        int m = 13;
        int k = 37;
        int n = 6;
        int ar = transA ? k : m;
        int ac = transA ? m : k;
        int br = transB ? n : k;
        int bc = transB ? k : n;
        try (Matrix a = Matrix.fromRowMajor(p, ar, ac, random(ar * ac, 1));
                Matrix b = Matrix.fromRowMajor(p, br, bc, random(br * bc, 2));
                Matrix c = Matrix.multiply(a, transA, b, transB, 0.75)) {
            assertThat(c.precision()).isEqualTo(p);
            assertMatches(c, reference(a, transA, b, transB, 0.75), tolerance(p));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Precision.class)
    void gemmAccumulatesIntoAColumnViewOnly(Precision p) {
        int m = 9;
        int k = 5;
        int n = 4;
        try (Matrix a = Matrix.fromRowMajor(p, m, k, random(m * k, 3));
                Matrix wide = Matrix.fromRowMajor(p, k, n + 3, random(k * (n + 3), 4));
                Matrix target = Matrix.fromRowMajor(p, m, n + 2, random(m * (n + 2), 5))) {
            double[][] before = new double[m][n + 2];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n + 2; j++) {
                    before[i][j] = target.get(i, j);
                }
            }
            Matrix b = wide.columns(2, 2 + n); // a view with an offset as B
            Matrix c = target.columns(1, 1 + n); // and as C
            double[][] ab = reference(a, false, b, false, -2.0);
            Matrix.gemm(a, false, b, false, -2.0, 0.5, c);
            double[][] expected = new double[m][n + 2];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n + 2; j++) {
                    expected[i][j] = j >= 1 && j < 1 + n ? ab[i][j - 1] + 0.5 * before[i][j] : before[i][j];
                }
            }
            assertMatches(target, expected, tolerance(p));
            for (int i = 0; i < m; i++) {
                assertThat(target.get(i, 0)).as("column before the view untouched").isEqualTo(before[i][0]);
                assertThat(target.get(i, n + 1)).as("column after the view untouched").isEqualTo(before[i][n + 1]);
            }
        }
    }

    @Test
    void gemmRejectsMismatchedShapesAndPrecisions() {
        try (Matrix a = Matrix.zeros(Precision.FLOAT64, 3, 4);
                Matrix b = Matrix.zeros(Precision.FLOAT64, 3, 2);
                Matrix b32 = Matrix.zeros(Precision.FLOAT32, 4, 2);
                Matrix c = Matrix.zeros(Precision.FLOAT64, 3, 2)) {
            assertThatThrownBy(() -> Matrix.gemm(a, false, b, false, 1, 0, c))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gemm shapes");
            assertThatThrownBy(() -> Matrix.gemm(a, false, b32, false, 1, 0, c))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("precisions differ");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Precision.class)
    void columnsViewSharesStorage(Precision p) {
        int r = 5;
        int c = 7;
        double[] values = random(r * c, 6);
        try (Matrix m = Matrix.fromColumnMajor(p, r, c, values)) {
            Matrix v = m.columns(2, 5);
            assertThat(v.rows()).isEqualTo(r);
            assertThat(v.cols()).isEqualTo(3);
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < 3; j++) {
                    assertThat(v.get(i, j)).isEqualTo(m.get(i, j + 2));
                }
            }
            v.set(4, 1, 42.0);
            assertThat(m.get(4, 3)).as("write through the view").isEqualTo(42.0);
            m.set(0, 2, -7.0);
            assertThat(v.get(0, 0)).as("write through the owner").isEqualTo(-7.0);
            v.close(); // a view closes nothing
            assertThat(m.get(4, 3)).isEqualTo(42.0);
            assertThat(m.columns(0, c)).isSameAs(m);
            assertThatThrownBy(() -> m.columns(3, 8)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> m.columns(4, 4)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Precision.class)
    void reshapeReinterpretsColumnMajorStorage(Precision p) {
        int r = 6;
        int c = 4;
        double[] values = random(r * c, 7);
        try (Matrix m = Matrix.fromColumnMajor(p, r, c, values)) {
            Matrix v = m.reshape(3, 8);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 8; j++) {
                    // element (i, j) of the 3x8 view is linear index j*3 + i of the same storage
                    int lin = j * 3 + i;
                    assertThat(v.get(i, j)).isEqualTo(m.get(lin % r, lin / r));
                }
            }
            v.set(2, 5, 9.5); // linear 17 = (5, 2) of the 6x4 owner
            assertThat(m.get(5, 2)).isEqualTo(9.5);
            // a reshape of a column view stays inside that view
            Matrix cols = m.columns(2, 4).reshape(12, 1);
            cols.set(0, 0, -3.25);
            assertThat(m.get(0, 2)).isEqualTo(-3.25);
            assertThatThrownBy(() -> m.reshape(5, 5)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("6x4").hasMessageContaining("5x5");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Precision.class)
    void blockViewAtAnOffset(Precision p) {
        double[] values = random(30, 8);
        try (Matrix flat = Matrix.fromColumnMajor(p, 30, 1, values)) {
            Matrix w = flat.block(7, 4, 5); // elements 7..26 as a 4x5 column-major block
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 5; j++) {
                    assertThat(w.get(i, j)).isEqualTo(flat.get(7 + j * 4 + i, 0));
                }
            }
            w.set(3, 4, 100.0);
            assertThat(flat.get(7 + 4 * 4 + 3, 0)).isEqualTo(100.0);
            // a block of a view is relative to the view
            Matrix inner = w.columns(1, 5).block(2, 2, 3);
            inner.set(0, 0, 55.0);
            assertThat(flat.get(7 + 4 + 2, 0)).isEqualTo(55.0);
            // GEMM into a block view writes the owner's storage
            try (Matrix a = Matrix.fromRowMajor(p, 4, 2, random(8, 9));
                    Matrix b = Matrix.fromRowMajor(p, 2, 5, random(10, 10))) {
                double[][] expected = reference(a, false, b, false, 1.0);
                Matrix.gemm(a, false, b, false, 1.0, 0.0, w);
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 5; j++) {
                        assertThat(Math.abs(flat.get(7 + j * 4 + i, 0) - expected[i][j]))
                                .isLessThanOrEqualTo(tolerance(p));
                    }
                }
                assertThat(flat.get(6, 0)).as("element before the block untouched").isEqualTo(stored(p, values[6]));
                assertThat(flat.get(27, 0)).as("element after the block untouched").isEqualTo(stored(p, values[27]));
            }
            assertThatThrownBy(() -> flat.block(25, 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> flat.block(-1, 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    static Stream<Arguments> mappedCases() {
        // rows > 4096 exercises the chunking, rows*cols > 2^15 the parallel path
        return Stream.of(Precision.values()).flatMap(p -> Stream.of(
                Arguments.of(p, 7, 3, 4, false), Arguments.of(p, 7, 3, 4, true),
                Arguments.of(p, 5000, 4, 3, false), Arguments.of(p, 5000, 4, 3, true),
                Arguments.of(p, 9, 6, 1, false), Arguments.of(p, 9, 6, 1, true)));
    }

    @ParameterizedTest(name = "{0} rows={1} zcols={2} copies={3} tiled={4}")
    @MethodSource("mappedCases")
    void timesMappedGroupedAndTiled(Precision p, int rows, int zCols, int copies, boolean tiled) {
        int cols = zCols * copies;
        DoubleUnaryOperator f = x -> Math.tanh(x) + 0.5 * x * x;
        try (Matrix m = Matrix.fromColumnMajor(p, rows, cols, random(rows * cols, 11));
                Matrix z = Matrix.fromColumnMajor(p, rows, zCols, random(rows * zCols, 12));
                Matrix out = m.timesMapped(z, f, copies, tiled)) {
            assertThat(out.rows()).isEqualTo(rows);
            assertThat(out.cols()).isEqualTo(cols);
            assertThat(out.precision()).isEqualTo(p);
            double worst = 0;
            for (int c = 0; c < cols; c++) {
                int zc = tiled ? c % zCols : c / copies;
                for (int r = 0; r < rows; r++) {
                    double expected = m.get(r, c) * f.applyAsDouble(z.get(r, zc));
                    if (p == Precision.FLOAT32) {
                        expected = (float) expected;
                    }
                    worst = Math.max(worst, Math.abs(out.get(r, c) - expected));
                }
            }
            assertThat(worst).isLessThanOrEqualTo(p == Precision.FLOAT32 ? 1e-6 : 1e-15);
        }
    }

    @Test
    void timesMappedRejectsMismatchedShapes() {
        try (Matrix m = Matrix.zeros(Precision.FLOAT64, 4, 6);
                Matrix z = Matrix.zeros(Precision.FLOAT64, 4, 4);
                Matrix zRows = Matrix.zeros(Precision.FLOAT64, 3, 3)) {
            assertThatThrownBy(() -> m.timesMapped(z, x -> x, 2, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("in groups of 2");
            assertThatThrownBy(() -> m.timesMapped(z, x -> x, 1, true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tiled");
            assertThatThrownBy(() -> m.timesMapped(zRows, x -> x, 2, false))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
