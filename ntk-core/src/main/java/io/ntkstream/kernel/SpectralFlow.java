package io.ntkstream.kernel;

import io.ntkstream.linalg.Decompositions;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;

/**
 * Gradient flow of the linearized network in the eigenbasis of K = V·diag(e)·Vᵀ (m x m):
 * the coefficients c(t) = K⁻¹(I − exp(−ηtK/n))·R = V·diag(h(e_k))·Vᵀ·R with
 * h(e) = −expm1(−ηt·e/n)/e → ηt/n as e → 0 (bounded, so a singular K is harmless; rounding-level
 * negative eigenvalues count as 0). n is the number of samples (the loss is (1/2n)·Σ_i‖·‖²):
 * m = n for a scalar kernel, m = nO for the full NTK. One O(m³) decomposition (LAPACK dsyev
 * through {@link Decompositions#symmetricEigen}), then O(m²·c) per η·t for c residual columns.
 */
final class SpectralFlow {
    private final double[] values;
    /** Eigenvectors as columns: vectors[i][k] = V[i][k]. */
    private final double[][] vectors;
    /** n of exp(−ηtK/n). */
    private final int samples;

    private SpectralFlow(double[] values, double[][] vectors, int samples) {
        this.values = values;
        this.vectors = vectors;
        this.samples = samples;
    }

    /** The flow of a scalar kernel's n x n Gram (one row per sample). */
    static SpectralFlow of(double[][] gram) {
        return of(gram, gram.length);
    }

    /** The flow of an m x m Gram of {@code samples} samples (m = samples·O for the full NTK). */
    static SpectralFlow of(double[][] gram, int samples) {
        int n = gram.length;
        if (n == 0) {
            return new SpectralFlow(new double[0], new double[0][0], samples);
        }
        double[] flat = new double[n * n]; // symmetric: row-major = column-major
        for (int i = 0; i < n; i++) {
            System.arraycopy(gram[i], 0, flat, i * n, n);
        }
        try (Matrix k = Matrix.fromColumnMajor(Precision.FLOAT64, n, n, flat);
             Decompositions.SymmetricEigen e = Decompositions.symmetricEigen(k)) {
            double[] v = e.vectors().toColumnMajor(); // V[i][k] at k·n + i
            double[][] vectors = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < n; c++) {
                    vectors[i][c] = v[c * n + i];
                }
            }
            return new SpectralFlow(e.values(), vectors, samples);
        }
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
            double h = flowFactor(values[k], flowTime, samples);
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
}
