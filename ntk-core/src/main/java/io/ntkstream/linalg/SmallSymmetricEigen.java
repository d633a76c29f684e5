package io.ntkstream.linalg;

/**
 * The eigendecomposition A = V·diag(e)·Vᵀ of a small symmetric matrix in plain Java, by cyclic
 * Jacobi rotations (Rutishauser's formulation): every rotation zeroes one off-diagonal pair,
 * sweeps repeat until the off-diagonal mass is below 1e-30 of ‖A‖²_F (quadratic convergence,
 * typically 5–10 sweeps). Robust for (near-)repeated and (near-)zero eigenvalues — the spectra of
 * few-shot Gram matrices, where commons-math's EigenDecomposition returns NaN or fails to converge —
 * and microseconds for m ≈ 10, where a LAPACK call through ND4J costs about 0.4 ms. O(m³) per
 * sweep with a larger constant than LAPACK: for m above a few dozen use
 * {@link Decompositions#symmetricEigen}.
 */
public final class SmallSymmetricEigen {
    private static final int MAX_SWEEPS = 100;

    /** Eigenvalues (unordered) and eigenvectors as columns: {@code vectors[i][k]} = V[i][k] belongs to values[k]. */
    public record Result(double[] values, double[][] vectors) {
    }

    private SmallSymmetricEigen() {}

    /**
     * Decomposes the symmetric {@code a} (m x m; only the lower triangle is read).
     *
     * @throws IllegalArgumentException if {@code a} is not square or has a non-finite value
     */
    public static Result of(double[][] a) {
        int m = a.length;
        double[][] w = new double[m][m];
        for (int i = 0; i < m; i++) {
            if (a[i].length != m) {
                throw new IllegalArgumentException("a: expected a square " + m + "x" + m + " matrix, row " + i + " has "
                        + a[i].length + " values");
            }
            for (int j = 0; j <= i; j++) {
                if (!Double.isFinite(a[i][j])) {
                    throw new IllegalArgumentException("a (" + m + "x" + m + ") has the non-finite value " + a[i][j]
                            + " at (" + i + ", " + j + ")");
                }
                w[i][j] = a[i][j];
                w[j][i] = a[i][j];
            }
        }
        double[][] v = new double[m][m];
        for (int i = 0; i < m; i++) {
            v[i][i] = 1.0;
        }
        double total = 0;
        for (double[] row : w) {
            for (double x : row) {
                total += x * x;
            }
        }
        for (int sweep = 0; ; sweep++) {
            double off = 0;
            for (int p = 0; p < m; p++) {
                for (int q = p + 1; q < m; q++) {
                    off += w[p][q] * w[p][q];
                }
            }
            if (off <= 1e-30 * total) {
                break;
            }
            if (sweep == MAX_SWEEPS) {
                throw new IllegalStateException("Jacobi eigendecomposition of a " + m + "x" + m
                        + " matrix did not converge in " + MAX_SWEEPS + " sweeps (off-diagonal mass " + off + ")");
            }
            for (int p = 0; p < m; p++) {
                for (int q = p + 1; q < m; q++) {
                    rotate(w, v, p, q);
                }
            }
        }
        double[] values = new double[m];
        for (int i = 0; i < m; i++) {
            values[i] = w[i][i];
        }
        return new Result(values, v);
    }

    /**
     * The rotation J in the (p, q) plane with (JᵀWJ)_pq = 0: t = tan φ the smaller root of
     * t² + 2θt − 1 = 0, θ = (w_qq − w_pp)/(2w_pq); W ← JᵀWJ, V ← VJ.
     */
    private static void rotate(double[][] w, double[][] v, int p, int q) {
        double apq = w[p][q];
        if (apq == 0) {
            return;
        }
        double theta = (w[q][q] - w[p][p]) / (2 * apq);
        double t = 1.0 / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        if (theta < 0) {
            t = -t;
        }
        double c = 1 / Math.sqrt(t * t + 1);
        double s = t * c;
        double tau = s / (1 + c);
        w[p][p] -= t * apq;
        w[q][q] += t * apq;
        w[p][q] = 0;
        w[q][p] = 0;
        int m = w.length;
        for (int r = 0; r < m; r++) {
            if (r != p && r != q) {
                double arp = w[r][p];
                double arq = w[r][q];
                double np = arp - s * (arq + tau * arp);
                double nq = arq + s * (arp - tau * arq);
                w[r][p] = np;
                w[p][r] = np;
                w[r][q] = nq;
                w[q][r] = nq;
            }
            double vrp = v[r][p];
            double vrq = v[r][q];
            v[r][p] = vrp - s * (vrq + tau * vrp);
            v[r][q] = vrq + s * (vrp - tau * vrq);
        }
    }
}
