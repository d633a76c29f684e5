package io.ntkstream.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** {@link NativeLowerFactor}: OpenBLAS's dtrsm on a growing native copy ≡ forward substitution written here. */
class NativeLowerFactorTest {
    static List<double[]> randomRows(int n, SplittableRandom r) {
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] row = new double[i + 1];
            for (int j = 0; j < i; j++) {
                row[j] = (2 * r.nextDouble() - 1) / Math.sqrt(i + 1.0);
            }
            row[i] = 0.5 + r.nextDouble();
            rows.add(row);
        }
        return rows;
    }

    /** y_q = L⁻¹b_q by textbook forward substitution, m right-hand sides row-major. */
    static double[] forward(List<double[]> rows, int n, double[] b, int m) {
        double[] y = b.clone();
        for (int q = 0; q < m; q++) {
            for (int i = 0; i < n; i++) {
                double v = y[q * n + i];
                for (int j = 0; j < i; j++) {
                    v -= rows.get(i)[j] * y[q * n + j];
                }
                y[q * n + i] = v / rows.get(i)[i];
            }
        }
        return y;
    }

    static void assertSolves(NativeLowerFactor f, List<double[]> rows, int m, SplittableRandom r) {
        int n = f.rows();
        double[] b = new double[n * m];
        for (int k = 0; k < b.length; k++) {
            b[k] = 2 * r.nextDouble() - 1;
        }
        double[] expected = forward(rows, n, b, m);
        double[] y = b.clone();
        f.solveRowsInPlace(y, m);
        double scale = 1;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < y.length; k++) {
            assertThat(y[k]).as("y[%d][%d], n=%d, m=%d", k / Math.max(n, 1), k % Math.max(n, 1), n, m)
                    .isCloseTo(expected[k], Offset.offset(1e-12 * scale));
        }
    }

    @Test
    void growsByRowsTruncatesAndSolvesLikeForwardSubstitution() {
        SplittableRandom r = new SplittableRandom(5);
        List<double[]> rows = randomRows(600, r);
        try (NativeLowerFactor f = new NativeLowerFactor(10)) {
            assertThat(f.capacity()).isEqualTo(128);
            assertThat(f.rows()).isZero();
            f.solveRowsInPlace(new double[0], 4); // n = 0: nothing to do
            for (int i = 0; i < 100; i++) {
                f.appendRow(rows.get(i));
            }
            for (int m : new int[] {1, 2, 8, 33}) {
                assertSolves(f, rows, m, r);
            }
            for (int i = 100; i < 600; i++) { // 128 -> 256 -> 512 -> 1024, the rows copied on each doubling
                f.appendRow(rows.get(i));
            }
            assertThat(f.capacity()).isEqualTo(1024);
            assertThat(f.nativeBytes()).isGreaterThanOrEqualTo(8L * 1024 * 1024);
            assertSolves(f, rows, 32, r);
            // a changed row from position 250 on: truncate, append the new rows
            f.truncate(250);
            assertThat(f.rows()).isEqualTo(250);
            List<double[]> changed = new ArrayList<>(rows.subList(0, 250));
            List<double[]> fresh = randomRows(400, r);
            for (int i = 250; i < 400; i++) {
                changed.add(fresh.get(i));
                f.appendRow(fresh.get(i));
            }
            assertSolves(f, changed, 16, r);
            assertThatThrownBy(() -> f.appendRow(new double[3])).hasMessageContaining("row 400: expected 401 values");
            assertThatThrownBy(() -> f.solveRowsInPlace(new double[400 * 2 + 1], 2))
                    .hasMessageContaining("expected m x n = 2 x 400");
            assertThatThrownBy(() -> f.truncate(401)).isInstanceOf(IndexOutOfBoundsException.class);
            f.close();
            assertThat(f.isClosed()).isTrue();
            assertThat(f.nativeBytes()).isZero();
            f.close(); // idempotent (and again by try-with-resources)
            assertThatThrownBy(() -> f.solveRowsInPlace(new double[0], 0)).hasMessageContaining("closed");
        }
    }
}
