package io.ntkstream.testing;

/**
 * Plain dense float64 math written here for the tests, independent of the code under test and
 * of the library's linear algebra: Gaussian elimination with partial pivoting (solve, inverse,
 * log-determinant), the textbook Cholesky–Banachiewicz factorization, and the cyclic Jacobi
 * eigenvalue method for symmetric matrices, exp(A) by scaling and squaring. Shared by the kernel
 * and meta tests.
 */
public final class DenseReference {
    private DenseReference() {}

    /** X with A·X = B (B n x m), Gaussian elimination with partial pivoting. */
    public static double[][] solve(double[][] a, double[][] b) {
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
            swap(lu, k, p);
            swap(x, k, p);
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

    public static double[] solve(double[][] a, double[] b) {
        double[][] bm = new double[b.length][1];
        for (int i = 0; i < b.length; i++) {
            bm[i][0] = b[i];
        }
        double[][] x = solve(a, bm);
        double[] out = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = x[i][0];
        }
        return out;
    }

    public static double[][] inverse(double[][] a) {
        return solve(a, identity(a.length));
    }

    /** log |det A| by elimination with partial pivoting. */
    public static double logAbsDet(double[][] a) {
        int n = a.length;
        double[][] lu = copy(a);
        double s = 0;
        for (int k = 0; k < n; k++) {
            int p = k;
            for (int i = k + 1; i < n; i++) {
                if (Math.abs(lu[i][k]) > Math.abs(lu[p][k])) {
                    p = i;
                }
            }
            swap(lu, k, p);
            s += Math.log(Math.abs(lu[k][k]));
            for (int i = k + 1; i < n; i++) {
                double f = lu[i][k] / lu[k][k];
                for (int j = k; j < n; j++) {
                    lu[i][j] -= f * lu[k][j];
                }
            }
        }
        return s;
    }

    /** Lower-triangular L with L·Lᵀ = A (Cholesky–Banachiewicz), full n x n. */
    public static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        return l;
    }

    /** Eigen-decomposition of a symmetric A by cyclic Jacobi rotations: {values[n]}, vectors as columns of V. */
    public record Eigen(double[] values, double[][] vectors) {
    }

    public static Eigen jacobiEigen(double[][] a0) {
        int n = a0.length;
        double[][] a = copy(a0);
        double[][] v = identity(n);
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off < 1e-30 * frobeniusSquared(a)) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) { // A ← A·J
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) { // A ← Jᵀ·A
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = a[i][i];
        }
        return new Eigen(values, v);
    }

    /**
     * exp(A) by scaling and squaring: A/2^s with ‖A/2^s‖ ≤ 1/2, a Taylor series to 30 terms, then
     * s squarings (Higham's method without the Padé step).
     */
    public static double[][] expm(double[][] a) {
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
        double[][] x = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = a[i][j] * scale;
            }
        }
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

    public static double[][] multiply(double[][] a, double[][] b) {
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

    public static double[] multiply(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < x.length; j++) {
                y[i] += a[i][j] * x[j];
            }
        }
        return y;
    }

    /** s·A, a new matrix. */
    public static double[][] scaled(double[][] a, double s) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
            for (int j = 0; j < c[i].length; j++) {
                c[i][j] *= s;
            }
        }
        return c;
    }

    public static double[][] plusDiagonal(double[][] a, double d) {
        double[][] c = copy(a);
        for (int i = 0; i < c.length; i++) {
            c[i][i] += d;
        }
        return c;
    }

    public static double[][] identity(int n) {
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
        }
        return id;
    }

    public static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    public static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] r : a) {
            for (double v : r) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    private static double frobeniusSquared(double[][] a) {
        double s = 0;
        for (double[] r : a) {
            for (double v : r) {
                s += v * v;
            }
        }
        return s;
    }

    private static void swap(double[][] a, int i, int j) {
        double[] t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
