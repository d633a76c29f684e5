package io.ntkstream.meta;

/**
 * Plain dense float64 references written for the meta tests, independent of the code under test
 * (no eigendecomposition): Gaussian elimination with partial pivoting, products, and exp(A) by
 * scaling and squaring of a Taylor series.
 */
final class DenseMath {
    private DenseMath() {}

    /** X with A·X = B (B n x m). */
    static double[][] solve(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        double[][] lu = copy(a);
        double[][] x = copy(b);
        for (int k = 0; k < n; k++) {
            int p = k;
            for (int i = k + 1; i < n; i++) {
                if (Math.abs(lu[i][k]) > Math.abs(lu[p][k])) {
                    p = i;
                }
            }
            double[] t = lu[k];
            lu[k] = lu[p];
            lu[p] = t;
            t = x[k];
            x[k] = x[p];
            x[p] = t;
            for (int i = k + 1; i < n; i++) {
                double f = lu[i][k] / lu[k][k];
                for (int j = k; j < n; j++) {
                    lu[i][j] -= f * lu[k][j];
                }
                for (int j = 0; j < m; j++) {
                    x[i][j] -= f * x[k][j];
                }
            }
        }
        for (int k = n - 1; k >= 0; k--) {
            for (int j = 0; j < m; j++) {
                double s = x[k][j];
                for (int i = k + 1; i < n; i++) {
                    s -= lu[k][i] * x[i][j];
                }
                x[k][j] = s / lu[k][k];
            }
        }
        return x;
    }

    /** exp(A): A/2^s with ‖A/2^s‖₁ ≤ 1/2, 30 Taylor terms, s squarings. */
    static double[][] expm(double[][] a) {
        int n = a.length;
        double norm = 0;
        for (double[] r : a) {
            double s = 0;
            for (double v : r) {
                s += Math.abs(v);
            }
            norm = Math.max(norm, s);
        }
        int squarings = Math.max(0, (int) Math.ceil(Math.log(norm / 0.5) / Math.log(2)));
        double scale = Math.pow(2, -squarings);
        double[][] x = scaled(a, scale);
        double[][] result = identity(n);
        double[][] term = identity(n);
        for (int k = 1; k <= 30; k++) {
            term = multiply(term, x);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    term[i][j] /= k;
                    result[i][j] += term[i][j];
                }
            }
        }
        for (int s = 0; s < squarings; s++) {
            result = multiply(result, result);
        }
        return result;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int k = b.length;
        int m = b[0].length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < k; p++) {
                double aip = a[i][p];
                for (int j = 0; j < m; j++) {
                    c[i][j] += aip * b[p][j];
                }
            }
        }
        return c;
    }

    static double[][] scaled(double[][] a, double s) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
            for (int j = 0; j < c[i].length; j++) {
                c[i][j] *= s;
            }
        }
        return c;
    }

    static double[][] plusDiagonal(double[][] a, double d) {
        double[][] c = copy(a);
        for (int i = 0; i < c.length; i++) {
            c[i][i] += d;
        }
        return c;
    }

    static double[][] identity(int n) {
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
        }
        return id;
    }

    static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] r : a) {
            for (double v : r) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }
}
