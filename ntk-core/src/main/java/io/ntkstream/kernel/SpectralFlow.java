package io.ntkstream.kernel;

/**
 * Gradient flow of the linearized network in the eigenbasis of K = V·diag(e)·Vᵀ (n x n):
 * the coefficients c(t) = K⁻¹(I − exp(−ηtK/n))·R = V·diag(h(e_k))·Vᵀ·R with
 * h(e) = −expm1(−ηt·e/n)/e → ηt/n as e → 0 (bounded, so a singular K is harmless; rounding-level
 * negative eigenvalues count as 0). One O(n³) decomposition, then O(n²·O) per η·t.
 */
final class SpectralFlow {
    private final double[] values;
    /** Eigenvectors as columns: vectors[i][k] = V[i][k]. */
    private final double[][] vectors;

    private SpectralFlow(double[] values, double[][] vectors) {
        this.values = values;
        this.vectors = vectors;
    }

    static SpectralFlow of(double[][] gram) {
        int n = gram.length;
        if (n == 0) {
            return new SpectralFlow(new double[0], new double[0][0]);
        }
        Eigen e = eigen(gram);
        return new SpectralFlow(e.values, e.vectors);
    }

    /** c = V·diag(h(e))·Vᵀ·R for R (n x O) at η·t = {@code flowTime}. */
    double[][] coefficients(double[][] residuals, double flowTime) {
        int n = values.length;
        if (n == 0) {
            return new double[0][];
        }
        int outputs = residuals[0].length;
        double[][] projected = new double[n][outputs]; // diag(h)·Vᵀ·R
        for (int k = 0; k < n; k++) {
            double h = flowFactor(values[k], flowTime, n);
            double[] pk = projected[k];
            for (int i = 0; i < n; i++) {
                double v = vectors[i][k];
                double[] ri = residuals[i];
                for (int o = 0; o < outputs; o++) {
                    pk[o] += v * ri[o];
                }
            }
            for (int o = 0; o < outputs; o++) {
                pk[o] *= h;
            }
        }
        double[][] c = new double[n][outputs];
        for (int i = 0; i < n; i++) {
            double[] vi = vectors[i];
            double[] ci = c[i];
            for (int k = 0; k < n; k++) {
                double v = vi[k];
                double[] pk = projected[k];
                for (int o = 0; o < outputs; o++) {
                    ci[o] += v * pk[o];
                }
            }
        }
        return c;
    }

    /** h(e) = (1 − exp(−ηt·e/n))/e, its limit ηt/n at e ≤ 0. */
    static double flowFactor(double eigenvalue, double flowTime, int n) {
        double rate = flowTime / n;
        if (!(eigenvalue > 0)) {
            return rate;
        }
        double x = rate * eigenvalue;
        return x == 0 ? rate : -Math.expm1(-x) / eigenvalue;
    }

    private record Eigen(double[] values, double[][] vectors) {
    }

    // TEMPORARY until linalg.Decompositions.symmetricEigen lands: cyclic Jacobi.
    private static Eigen eigen(double[][] a0) {
        int n = a0.length;
        double[][] a = new double[n][];
        double[][] v = new double[n][n];
        double norm = 0;
        for (int i = 0; i < n; i++) {
            a[i] = a0[i].clone();
            v[i][i] = 1;
            for (double x : a[i]) {
                norm += x * x;
            }
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off <= 1e-32 * norm) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = theta == 0 ? 1 : Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
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
}
