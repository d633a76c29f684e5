package io.ntkstream.linalg;

import io.ntkstream.testing.DenseReference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decompositions against references computed here with plain Java double loops (no ND4J): row-major
 * {@code double[][]} matrices; products and Gaussian elimination with partial pivoting from {@link DenseReference}.
 */
class DecompositionsTest {

    private static final int[] SIZES = {1, 2, 7, 64, 300};

    // ---- plain-Java helpers (row-major double[][]) -------------------------------------------

    /** A = MᵀM + n·I with M standard normal (fixed seed): exactly symmetric, well conditioned. */
    static double[][] randomSpd(int n, long seed) {
        Random rnd = new Random(seed);
        double[][] m = new double[n][n];
        for (double[] row : m) {
            for (int j = 0; j < n; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < n; p++) {
                    s += m[p][i] * m[p][j];
                }
                a[i][j] = s + (i == j ? n : 0);
            }
        }
        return a;
    }

    static double[][] randomMatrix(int r, int c, long seed) {
        Random rnd = new Random(seed);
        double[][] m = new double[r][c];
        for (double[] row : m) {
            for (int j = 0; j < c; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        return m;
    }

    static Matrix toMatrix(double[][] a) {
        int r = a.length;
        int c = a[0].length;
        double[] flat = new double[r * c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(a[i], 0, flat, i * c, c);
        }
        return Matrix.fromRowMajor(Precision.FLOAT64, r, c, flat);
    }

    static double[][] toArray(Matrix m) {
        double[][] a = new double[m.rows()][m.cols()];
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                a[i][j] = m.get(i, j);
            }
        }
        return a;
    }


    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double[][] lowerPart(double[][] a) {
        double[][] l = new double[a.length][a.length];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, l[i], 0, i + 1);
        }
        return l;
    }

    static double frobenius(double[][] a) {
        double s = 0;
        for (double[] row : a) {
            for (double v : row) {
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }

    static double relativeDifference(double[][] actual, double[][] expected) {
        double s = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[0].length; j++) {
                double d = actual[i][j] - expected[i][j];
                s += d * d;
            }
        }
        return Math.sqrt(s) / frobenius(expected);
    }

    // ---- Cholesky -----------------------------------------------------------------------------

    static Stream<Arguments> sizes() {
        return java.util.Arrays.stream(SIZES).mapToObj(Arguments::of);
    }

    @ParameterizedTest(name = "n = {0}")
    @MethodSource("sizes")
    void choleskyReconstructsAndIsLowerTriangular(int n) {
        double[][] a = randomSpd(n, 1000 + n);
        try (Matrix am = toMatrix(a); Matrix lm = Decompositions.cholesky(am)) {
            assertThat(lm.rows()).isEqualTo(n);
            assertThat(lm.cols()).isEqualTo(n);
            assertThat(lm.precision()).isEqualTo(Precision.FLOAT64);
            double[][] l = toArray(lm);
            for (int i = 0; i < n; i++) {
                assertThat(l[i][i]).as("diagonal %d", i).isPositive();
                for (int j = i + 1; j < n; j++) {
                    assertThat(l[i][j]).as("upper (%d, %d)", i, j).isEqualTo(0.0);
                }
            }
            assertThat(relativeDifference(DenseReference.multiply(l, transpose(l)), a)).isLessThanOrEqualTo(1e-12);
            assertThat(toArray(am)).as("input untouched").isDeepEqualTo(a);
        }
    }

    @Test
    void choleskyReadsOnlyTheLowerTriangle() {
        double[][] a = randomSpd(7, 5);
        double[][] garbage = new double[7][7];
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 7; j++) {
                garbage[i][j] = j > i ? 1e6 * (i - j) : a[i][j];
            }
        }
        try (Matrix am = toMatrix(garbage); Matrix lm = Decompositions.cholesky(am)) {
            double[][] l = toArray(lm);
            assertThat(relativeDifference(DenseReference.multiply(l, transpose(l)), a)).isLessThanOrEqualTo(1e-12);
        }
    }

    @Test
    void notPositiveDefiniteNamesTheLeadingMinor() {
        try (Matrix indefinite = toMatrix(new double[][] {{1, 2}, {2, 1}})) {
            assertThatThrownBy(() -> Decompositions.cholesky(indefinite))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("matrix is not positive definite")
                    .hasMessageContaining("leading minor 2");
            assertThat(indefinite.get(0, 1)).as("input untouched").isEqualTo(2.0);
        }
        double[][] d = new double[7][7];
        for (int i = 0; i < 7; i++) {
            d[i][i] = i == 3 ? -1 : 1;
        }
        try (Matrix m = toMatrix(d)) {
            assertThatThrownBy(() -> Decompositions.cholesky(m))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not positive definite")
                    .hasMessageContaining("leading minor 4");
        }
        try (Matrix zero = Matrix.zeros(Precision.FLOAT64, 3, 3)) {
            assertThatThrownBy(() -> Decompositions.cholesky(zero))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("leading minor 1");
        }
        // Semidefinite (rank 1): fails at the second minor.
        try (Matrix rankOne = toMatrix(new double[][] {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}})) {
            assertThatThrownBy(() -> Decompositions.cholesky(rankOne))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not positive definite");
        }
    }

    @Test
    void nanInputIsRejected() {
        double[][] a = randomSpd(5, 9);
        a[3][1] = Double.NaN;
        a[1][3] = Double.NaN;
        try (Matrix m = toMatrix(a)) {
            assertThatThrownBy(() -> Decompositions.cholesky(m))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("NaN");
            assertThatThrownBy(() -> Decompositions.symmetricEigen(m))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("non-finite")
                    .hasMessageContaining("(3, 1)");
        }
    }

    @Test
    void infiniteInputIsRejected() {
        double[][] a = randomSpd(4, 10);
        a[2][2] = Double.POSITIVE_INFINITY;
        try (Matrix m = toMatrix(a)) {
            assertThatThrownBy(() -> Decompositions.cholesky(m))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not positive definite");
        }
    }

    // ---- triangular solves --------------------------------------------------------------------

    static Stream<Arguments> solveCases() {
        return java.util.Arrays.stream(SIZES).boxed().flatMap(n -> Stream.of(
                Arguments.of(n, 1, false), Arguments.of(n, 1, true),
                Arguments.of(n, 5, false), Arguments.of(n, 5, true)));
    }

    @ParameterizedTest(name = "n = {0}, k = {1}, transpose = {2}")
    @MethodSource("solveCases")
    void triangularSolveResidual(int n, int k, boolean transpose) {
        double[][] a = randomSpd(n, 2000 + n);
        double[][] b = randomMatrix(n, k, 3000 + n * 10L + k);
        try (Matrix am = toMatrix(a); Matrix lm = Decompositions.cholesky(am); Matrix bm = toMatrix(b);
                Matrix xm = Decompositions.solveLowerTriangular(lm, bm, transpose)) {
            assertThat(xm.rows()).isEqualTo(n);
            assertThat(xm.cols()).isEqualTo(k);
            double[][] l = toArray(lm);
            double[][] op = transpose ? transpose(l) : l;
            assertThat(relativeDifference(DenseReference.multiply(op, toArray(xm)), b)).isLessThanOrEqualTo(1e-12);
            assertThat(toArray(bm)).as("b untouched").isDeepEqualTo(b);
            assertThat(toArray(lm)).as("l untouched").isDeepEqualTo(l);
        }
    }

    /** A random lower-triangular matrix (dominant diagonal) with garbage above: only the lower part counts. */
    @ParameterizedTest(name = "transpose = {0}")
    @ValueSource(booleans = {false, true})
    void triangularSolveIgnoresTheUpperTriangleOnManyRightHandSides(boolean transpose) {
        int n = 333; // three blocks, the last one partial
        int k = 41;
        double[][] full = randomMatrix(n, n, 77);
        for (int i = 0; i < n; i++) {
            full[i][i] = 3 + Math.abs(full[i][i]);
            for (int j = 0; j < i; j++) {
                full[i][j] /= Math.sqrt(n);
            }
        }
        double[][] l = lowerPart(full);
        double[][] b = randomMatrix(n, k, 78);
        try (Matrix lm = toMatrix(full); Matrix bm = toMatrix(b);
                Matrix xm = Decompositions.solveLowerTriangular(lm, bm, transpose)) {
            double[][] op = transpose ? transpose(l) : l;
            assertThat(relativeDifference(DenseReference.multiply(op, toArray(xm)), b)).isLessThanOrEqualTo(1e-12);
        }
    }

    @Test
    void solvesAcceptViews() {
        int n = 150;
        int k = 3;
        double[][] a = randomSpd(n, 11);
        double[][] b = randomMatrix(n, k, 12);
        try (Matrix am = toMatrix(a); Matrix l = Decompositions.cholesky(am);
                Matrix wideL = Matrix.zeros(Precision.FLOAT64, n, n + 2);
                Matrix wideB = Matrix.zeros(Precision.FLOAT64, n, k + 4)) {
            wideL.setColumns(1, l);
            Matrix bm = toMatrix(b);
            wideB.setColumns(2, bm);
            Matrix lView = wideL.columns(1, n + 1);
            Matrix bView = wideB.columns(2, k + 2);
            for (boolean transpose : new boolean[] {false, true}) {
                try (Matrix x = Decompositions.solveLowerTriangular(lView, bView, transpose)) {
                    double[][] ll = toArray(l);
                    double[][] op = transpose ? transpose(ll) : ll;
                    assertThat(relativeDifference(DenseReference.multiply(op, toArray(x)), b)).isLessThanOrEqualTo(1e-12);
                }
            }
            try (Matrix x = Decompositions.choleskySolve(lView, bView)) {
                assertThat(relativeDifference(toArray(x), DenseReference.solve(a, b))).isLessThanOrEqualTo(1e-12);
            }
            bm.close();
            // cholesky and eigen of a view (offset into a wider matrix) work on the view's values only
            try (Matrix wideA = Matrix.zeros(Precision.FLOAT64, n, n + 3)) {
                wideA.setColumns(3, am);
                Matrix aView = wideA.columns(3, n + 3);
                try (Matrix lv = Decompositions.cholesky(aView);
                        Decompositions.SymmetricEigen eig = Decompositions.symmetricEigen(aView)) {
                    assertThat(toArray(lv)).isDeepEqualTo(toArray(l));
                    double trace = 0;
                    double sum = 0;
                    for (int i = 0; i < n; i++) {
                        trace += a[i][i];
                        sum += eig.values()[i];
                    }
                    assertThat(Math.abs(sum - trace)).isLessThanOrEqualTo(1e-10 * Math.abs(trace));
                    assertThat(wideA.get(0, 0)).as("owner outside the view untouched").isEqualTo(0.0);
                }
            }
        }
    }

    @ParameterizedTest(name = "n = {0}")
    @MethodSource("sizes")
    void choleskySolveMatchesGaussianElimination(int n) {
        double[][] a = randomSpd(n, 4000 + n);
        for (int k : new int[] {1, 5}) {
            double[][] b = randomMatrix(n, k, 5000 + n + k);
            try (Matrix am = toMatrix(a); Matrix lm = Decompositions.cholesky(am); Matrix bm = toMatrix(b);
                    Matrix xm = Decompositions.choleskySolve(lm, bm)) {
                double[][] expected = DenseReference.solve(a, b);
                assertThat(relativeDifference(toArray(xm), expected)).as("k = %d", k).isLessThanOrEqualTo(1e-12);
                assertThat(relativeDifference(DenseReference.multiply(a, toArray(xm)), b)).isLessThanOrEqualTo(1e-12);
            }
        }
    }

    // ---- symmetric eigen ----------------------------------------------------------------------

    @ParameterizedTest(name = "n = {0}")
    @MethodSource("sizes")
    void symmetricEigenPairs(int n) {
        double[][] a = randomSpd(n, 6000 + n);
        // Make it indefinite too (shift by the mean diagonal), so signs are exercised.
        double shift = 2.0 * n;
        for (int i = 0; i < n; i++) {
            a[i][i] -= shift;
        }
        try (Matrix am = toMatrix(a); Decompositions.SymmetricEigen eig = Decompositions.symmetricEigen(am)) {
            double[] values = eig.values();
            double[][] v = toArray(eig.vectors());
            assertThat(values).hasSize(n);
            assertThat(eig.vectors().rows()).isEqualTo(n);
            assertThat(eig.vectors().cols()).isEqualTo(n);
            double scale = 0;
            for (double lambda : values) {
                scale = Math.max(scale, Math.abs(lambda));
            }
            for (int i = 1; i < n; i++) {
                assertThat(values[i]).as("ascending at %d", i).isGreaterThanOrEqualTo(values[i - 1]);
            }
            double[][] av = DenseReference.multiply(a, v);
            double worstPair = 0;
            for (int c = 0; c < n; c++) {
                for (int r = 0; r < n; r++) {
                    worstPair = Math.max(worstPair, Math.abs(av[r][c] - values[c] * v[r][c]));
                }
            }
            assertThat(worstPair).as("max |A v - lambda v| (scale %s)", scale).isLessThanOrEqualTo(1e-10 * Math.max(1, scale));
            double[][] vtv = DenseReference.multiply(transpose(v), v);
            double worstOrtho = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    worstOrtho = Math.max(worstOrtho, Math.abs(vtv[i][j] - (i == j ? 1 : 0)));
                }
            }
            assertThat(worstOrtho).as("max |VᵀV - I|").isLessThanOrEqualTo(1e-10);
            double trace = 0;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                trace += a[i][i];
                sum += values[i];
            }
            assertThat(Math.abs(sum - trace)).as("sum of eigenvalues - trace").isLessThanOrEqualTo(1e-10 * Math.max(1, scale));
            assertThat(toArray(am)).as("input untouched").isDeepEqualTo(a);
        }
    }

    @Test
    void eigenOfAKnownMatrix() {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3, vectors (1, -1)/√2 and (1, 1)/√2.
        try (Matrix a = toMatrix(new double[][] {{2, 1}, {1, 2}});
                Decompositions.SymmetricEigen eig = Decompositions.symmetricEigen(a)) {
            assertThat(eig.values()[0]).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-14));
            assertThat(eig.values()[1]).isCloseTo(3.0, org.assertj.core.api.Assertions.within(1e-14));
            double s = Math.sqrt(0.5);
            Matrix v = eig.vectors();
            assertThat(Math.abs(v.get(0, 1) * v.get(1, 1) - s * s)).isLessThan(1e-14); // column 1 ∝ (1, 1)
            assertThat(Math.abs(v.get(0, 0) * v.get(1, 0) + s * s)).isLessThan(1e-14); // column 0 ∝ (1, -1)
        }
    }

    // ---- argument checks ----------------------------------------------------------------------

    @Test
    void rejectsFloat32NamingThePrecision() {
        try (Matrix a32 = Matrix.fromRowMajor(Precision.FLOAT32, 2, 2, new double[] {2, 1, 1, 2});
                Matrix a64 = Matrix.fromRowMajor(Precision.FLOAT64, 2, 2, new double[] {2, 0, 1, 2});
                Matrix b32 = Matrix.fromRowMajor(Precision.FLOAT32, 2, 1, new double[] {1, 1})) {
            assertThatThrownBy(() -> Decompositions.cholesky(a32))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FLOAT32");
            assertThatThrownBy(() -> Decompositions.symmetricEigen(a32))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FLOAT32");
            assertThatThrownBy(() -> Decompositions.solveLowerTriangular(a32, b32, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FLOAT32");
            assertThatThrownBy(() -> Decompositions.solveLowerTriangular(a64, b32, true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b is FLOAT32");
            assertThatThrownBy(() -> Decompositions.choleskySolve(a64, b32))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FLOAT32");
        }
    }

    @Test
    void rejectsBadShapesNamingThem() {
        try (Matrix rect = Matrix.zeros(Precision.FLOAT64, 3, 4);
                Matrix l = Matrix.fromRowMajor(Precision.FLOAT64, 2, 2, new double[] {2, 0, 1, 2});
                Matrix b = Matrix.zeros(Precision.FLOAT64, 3, 2)) {
            assertThatThrownBy(() -> Decompositions.cholesky(rect))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a must be square, got 3x4");
            assertThatThrownBy(() -> Decompositions.symmetricEigen(rect))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a must be square, got 3x4");
            assertThatThrownBy(() -> Decompositions.solveLowerTriangular(rect, b, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("l must be square, got 3x4");
            assertThatThrownBy(() -> Decompositions.solveLowerTriangular(l, b, false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("l is 2x2 but b is 3x2");
            assertThatThrownBy(() -> Decompositions.choleskySolve(l, b))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("choleskySolve").hasMessageContaining("l is 2x2 but b is 3x2");
        }
    }

    @Test
    void rejectsASingularTriangle() {
        try (Matrix l = Matrix.fromRowMajor(Precision.FLOAT64, 2, 2, new double[] {1, 0, 1, 0});
                Matrix b = Matrix.zeros(Precision.FLOAT64, 2, 1)) {
            assertThatThrownBy(() -> Decompositions.solveLowerTriangular(l, b, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("diagonal 1 is 0.0");
        }
    }
}
