package io.ntkstream.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@link SmallSymmetricEigen} on random and (near-)degenerate symmetric matrices: V·diag(e)·Vᵀ
 * reproduces A and VᵀV = I (plain loops here), and the sorted eigenvalues equal LAPACK's
 * ({@link Decompositions#symmetricEigen}, an independent algorithm). The degenerate cases are RBF
 * Gram matrices of lengthscale 0.02 (≈ I) and 20 (≈ rank 1 with a cluster of ≈ 0 eigenvalues),
 * on which commons-math's EigenDecomposition returned NaN or failed to converge.
 */
class SmallSymmetricEigenTest {

    static double[][] randomSymmetric(int m, SplittableRandom r) {
        double[][] a = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = 2 * r.nextDouble() - 1;
                a[j][i] = a[i][j];
            }
        }
        return a;
    }

    static double[][] rbfGram(int m, double lengthscale, SplittableRandom r) {
        double[] x = new double[m];
        for (int i = 0; i < m; i++) {
            x[i] = 4 * r.nextDouble() - 2;
        }
        double[][] k = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                double d = x[i] - x[j];
                k[i][j] = Math.exp(-d * d / (2 * lengthscale * lengthscale));
            }
        }
        return k;
    }

    static List<double[][]> cases() {
        SplittableRandom r = new SplittableRandom(7);
        List<double[][]> c = new ArrayList<>();
        for (int m : new int[] {1, 2, 5, 12, 40, 64}) {
            c.add(randomSymmetric(m, r));
        }
        for (int t = 0; t < 40; t++) {
            c.add(rbfGram(6 + t % 4, 0.02, r));
            c.add(rbfGram(6 + t % 4, 20, r));
        }
        double[][] ones = new double[5][5];
        for (double[] row : ones) {
            Arrays.fill(row, 1.0);
        }
        c.add(ones);                   // eigenvalues 5, 0, 0, 0, 0
        c.add(new double[4][4]);       // all zero
        double[][] id = new double[3][3];
        for (int i = 0; i < 3; i++) {
            id[i][i] = 2.0;
        }
        c.add(id);                     // already diagonal, repeated
        return c;
    }

    @Test
    void reconstructsTheMatrixWithOrthonormalVectorsAndLapacksEigenvalues() {
        for (double[][] a : cases()) {
            int m = a.length;
            SmallSymmetricEigen.Result e = SmallSymmetricEigen.of(a);
            double norm = 0;
            for (double[] row : a) {
                for (double v : row) {
                    norm = Math.max(norm, Math.abs(v));
                }
            }
            double tol = 1e-12 * Math.max(1, norm) * m;
            double[][] v = e.vectors();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    double rec = 0;
                    double dot = 0;
                    for (int k = 0; k < m; k++) {
                        rec += v[i][k] * e.values()[k] * v[j][k];
                        dot += v[k][i] * v[k][j];
                    }
                    assertThat(rec).as("VΛVᵀ[%d][%d] (m = %d)", i, j, m).isCloseTo(a[i][j], Offset.offset(tol));
                    assertThat(dot).as("VᵀV[%d][%d] (m = %d)", i, j, m).isCloseTo(i == j ? 1 : 0, Offset.offset(1e-12 * m));
                }
            }
            double[] flat = new double[m * m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    flat[j * m + i] = a[i][j];
                }
            }
            double[] mine = e.values().clone();
            Arrays.sort(mine);
            try (Matrix k = Matrix.fromColumnMajor(Precision.FLOAT64, m, m, flat);
                 Decompositions.SymmetricEigen lapack = Decompositions.symmetricEigen(k)) {
                double[] theirs = lapack.values().clone();
                Arrays.sort(theirs);
                for (int i = 0; i < m; i++) {
                    assertThat(mine[i]).as("eigenvalue %d (m = %d)", i, m).isCloseTo(theirs[i], Offset.offset(tol));
                }
            }
        }
    }

    @Test
    void rejectsNonSquareAndNonFiniteInput() {
        assertThatThrownBy(() -> SmallSymmetricEigen.of(new double[][] {{1, 2}, {3}}))
                .hasMessageContaining("square 2x2").hasMessageContaining("row 1 has 1");
        assertThatThrownBy(() -> SmallSymmetricEigen.of(new double[][] {{1, 0}, {Double.NaN, 1}}))
                .hasMessageContaining("non-finite").hasMessageContaining("(1, 0)");
        assertThat(SmallSymmetricEigen.of(new double[0][0]).values()).isEmpty();
    }
}
