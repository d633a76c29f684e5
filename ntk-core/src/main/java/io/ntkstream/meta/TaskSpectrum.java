package io.ntkstream.meta;

import io.ntkstream.kernel.KernelState;
import io.ntkstream.linalg.Decompositions;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.linalg.SmallSymmetricEigen;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.LUDecomposition;

/**
 * One task's Gram matrix in its eigenbasis, K = V·diag(e)·Vᵀ (m x m), with the residuals
 * R = Y − f0(X) (m x c) projected once, P = VᵀR: after one O(m³) decomposition every grid point
 * costs O(m²·c), so a task scores a whole grid of hyper-parameters for the price of one fit.
 *
 * <p>m is the number of regression values per output column: m = n samples for a scalar kernel
 * (R is n x O, the O outputs share K), m = n·O for the full NTK (R is the nO x 1 vector). The
 * gradient flow's rate uses the number of samples n (loss (1/2n)·Σ_i‖f(x_i) − y_i‖²), so
 * exp(−ηtK/n) — for the full NTK n = m / O, not m.
 *
 * <ul>
 *   <li>Ridge (t = ∞): coefficients (K + λI)⁻¹R = V·diag(1/(e + λ))·P; exact leave-one-out
 *       residuals r_i = [(K + λI)⁻¹R]_i / [(K + λI)⁻¹]_ii (the residual at x_i of the fit on
 *       the other samples, per output column; for the full NTK the block form over a sample's
 *       O rows).</li>
 *   <li>Flow (finite η·t): coefficients K⁻¹(I − exp(−ηtK/n))R = V·diag(−expm1(−ηt·e/n)/e)·P
 *       (the same flow factor as {@link KernelState}'s predictions); the smoother on the training
 *       points is H = I − exp(−ηtK/n), so (I − H)R = V·diag(exp(−ηt·e/n))·P and
 *       GCV = m·‖(I − H)r‖² / tr(I − H)², averaged over the c columns.</li>
 * </ul>
 * Eigenvalues below 0 (rounding of a PSD kernel) count as 0. Not incremental: build one per
 * scoring, from a {@link KernelState} ({@link #of(KernelState)}) or any Gram matrix.
 */
public final class TaskSpectrum {
    /** Gram sizes up to this use the Java Jacobi eigensolver, larger ones LAPACK. */
    static final int SMALL = 64;

    private final int size;
    private final int columns;
    private final int samples;
    private final double[] values;
    /** vectors[i][k] = V[i][k]: eigenvectors as columns. */
    private final double[][] vectors;
    /** projected[k][o] = (VᵀR)[k][o]. */
    private final double[][] projected;
    private final double[][] gram;
    private final double[][] residuals;
    /** Per left-out sample, the spectrum of the others (computed on first use). */
    private TaskSpectrum[] leftOut;

    private TaskSpectrum(int samples, double[] values, double[][] vectors, double[][] projected, int columns,
                         double[][] gram, double[][] residuals) {
        this.size = values.length;
        this.columns = columns;
        this.samples = samples;
        this.values = values;
        this.vectors = vectors;
        this.projected = projected;
        this.gram = gram;
        this.residuals = residuals;
    }

    /** The spectrum of a task's state: its Gram K (n x n, without λ) and residuals Y − f0(X) (n x O). */
    public static TaskSpectrum of(KernelState state) {
        return of(state.gram(), state.residuals(), state.size());
    }

    /**
     * The spectrum of a symmetric PSD {@code gram} (m x m) with residuals (m x c) of a task with
     * {@code samples} training samples (the n of exp(−ηtK/n)).
     */
    public static TaskSpectrum of(double[][] gram, double[][] residuals, int samples) {
        int m = gram.length;
        if (residuals.length != m) {
            throw new IllegalArgumentException("residuals: expected " + m + " rows (one per Gram row), got "
                    + residuals.length);
        }
        if (m > 0 && (samples <= 0 || m % samples != 0)) {
            throw new IllegalArgumentException("samples must be > 0 and divide the Gram size " + m + ", got " + samples);
        }
        int c = m == 0 ? 0 : residuals[0].length;
        for (int i = 0; i < m; i++) {
            if (gram[i].length != m) {
                throw new IllegalArgumentException("gram: expected a square " + m + "x" + m + " matrix, row " + i
                        + " has " + gram[i].length + " values");
            }
            if (residuals[i].length != c) {
                throw new IllegalArgumentException("residuals: row " + i + " has " + residuals[i].length
                        + " values, expected " + c);
            }
        }
        if (m == 0) {
            return new TaskSpectrum(Math.max(samples, 0), new double[0], new double[0][0], new double[0][0], 0,
                    new double[0][0], new double[0][0]);
        }
        SmallSymmetricEigen.Result eigen = decompose(gram);
        double[] values = eigen.values();
        for (int i = 0; i < m; i++) {
            values[i] = Math.max(0.0, values[i]);
        }
        double[][] vectors = eigen.vectors();
        double[][] projected = new double[m][c];
        for (int kk = 0; kk < m; kk++) {
            for (int i = 0; i < m; i++) {
                double v = vectors[i][kk];
                for (int o = 0; o < c; o++) {
                    projected[kk][o] += v * residuals[i][o];
                }
            }
        }
        double[][] gramCopy = new double[m][];
        double[][] residualCopy = new double[m][];
        for (int i = 0; i < m; i++) {
            gramCopy[i] = gram[i].clone();
            residualCopy[i] = residuals[i].clone();
        }
        return new TaskSpectrum(samples, values, vectors, projected, c, gramCopy, residualCopy);
    }

    /**
     * K = V·diag(e)·Vᵀ: plain-Java Jacobi up to {@link #SMALL} rows (few-shot tasks: robust for
     * the near-degenerate spectra where commons-math's EigenDecomposition returned NaN, and far
     * cheaper than a native call), LAPACK dsyev above.
     */
    private static SmallSymmetricEigen.Result decompose(double[][] gram) {
        int m = gram.length;
        if (m <= SMALL) {
            return SmallSymmetricEigen.of(gram);
        }
        double[] flat = new double[m * m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                flat[j * m + i] = gram[i][j];
            }
        }
        try (Matrix k = Matrix.fromColumnMajor(Precision.FLOAT64, m, m, flat);
             Decompositions.SymmetricEigen e = Decompositions.symmetricEigen(k)) {
            double[] v = e.vectors().toColumnMajor(); // V[i][c] at c·m + i
            double[][] vectors = new double[m][m];
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < m; c++) {
                    vectors[i][c] = v[c * m + i];
                }
            }
            return new SmallSymmetricEigen.Result(e.values(), vectors);
        }
    }

    /** m, the Gram matrix's size. */
    public int size() {
        return size;
    }

    /** n, the number of training samples (the flow's rate divisor). */
    public int samples() {
        return samples;
    }

    /** c, the residual columns. */
    public int columns() {
        return columns;
    }

    /** The eigenvalues of K (clamped at 0), in the order of the decomposition. */
    public double[] eigenvalues() {
        return values.clone();
    }

    // ------------------------------------------------------------------ coefficients

    /**
     * The m x c coefficients C of μ(x) = f0(x) + k(x,X)·C under the hyper-parameters: the ridge
     * solution for t = ∞, the flow's for finite t. They also give the parameter displacement
     * Δθ = J(X)ᵀC ({@link Displacement}).
     */
    public double[][] coefficients(HyperParameters hp) {
        if (hp.isRidge()) {
            double lambda = hp.ridge();
            return spectralApply(e -> 1.0 / (e + lambda));
        }
        double flow = hp.time().flowTime();
        return spectralApply(e -> flowFactor(e, flow, samples));
    }

    /**
     * The coefficients after {@code steps} discrete gradient-descent steps of size η on the
     * linearized network, C = K⁻¹(I − (I − ηK/n)^S)R (factor (1 − (1 − η·e/n)^S)/e, limit η·S/n
     * at e = 0): the exact counterpart of S steps of full-batch GD, which the flow at η·t = η·S
     * approximates to O(η·e_max/n).
     */
    public double[][] discreteCoefficients(double learningRate, int steps) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate) || steps < 0) {
            throw new IllegalArgumentException("expected η > 0 and steps >= 0, got " + learningRate + ", " + steps);
        }
        return spectralApply(e -> {
            double q = learningRate * e / samples;
            if (q == 0) {
                return learningRate * steps / samples;
            }
            // 1 − (1 − q)^S, accurately for small q
            double done = q < 1 ? -Math.expm1(steps * Math.log1p(-q)) : 1 - Math.pow(1 - q, steps);
            return done / e;
        });
    }

    /** h(e) = (1 − exp(−ηt·e/n))/e, its limit ηt/n at e = 0. */
    static double flowFactor(double eigenvalue, double flowTime, int n) {
        double rate = flowTime / n;
        double x = rate * eigenvalue;
        return x == 0 ? rate : -Math.expm1(-x) / eigenvalue;
    }

    private double[][] spectralApply(java.util.function.DoubleUnaryOperator factor) {
        double[] f = new double[size];
        for (int k = 0; k < size; k++) {
            f[k] = factor.applyAsDouble(values[k]);
        }
        double[][] c = new double[size][columns];
        for (int i = 0; i < size; i++) {
            double[] vi = vectors[i];
            double[] ci = c[i];
            for (int k = 0; k < size; k++) {
                double w = vi[k] * f[k];
                double[] pk = projected[k];
                for (int o = 0; o < columns; o++) {
                    ci[o] += w * pk[o];
                }
            }
        }
        return c;
    }

    // ------------------------------------------------------------------ ridge: leave-one-out

    /**
     * Exact leave-one-out residuals of the ridge fit with λ (m x c), a sample's rows left out
     * together (as {@link #looFlowResiduals} does): r_i = [(K + λI)⁻¹R]_i / [(K + λI)⁻¹]_ii for one
     * row per sample; for g = m/n rows per sample (the full NTK, g = O) the block form
     * r_i = ([(K + λI)⁻¹]_ii)⁻¹·[(K + λI)⁻¹R]_i with the sample's g x g diagonal block.
     * λ must be > 0 unless K is non-singular.
     */
    public double[][] looResiduals(double ridge) {
        if (!(ridge >= 0) || !Double.isFinite(ridge)) {
            throw new IllegalArgumentException("ridge λ must be a finite number >= 0, got " + ridge);
        }
        double[][] alpha = coefficients(HyperParameters.ridge(ridge));
        double[][] r = new double[size][columns];
        if (size == 0) {
            return r;
        }
        int group = size / samples;
        for (int s = 0; s < samples; s++) {
            // [(K + λI)⁻¹]_ss = Σ_k V[a][k]·V[b][k]/(e_k + λ) over the sample's rows a, b
            double[][] block = new double[group][group];
            for (int a = 0; a < group; a++) {
                double[] va = vectors[s * group + a];
                for (int b = 0; b <= a; b++) {
                    double[] vb = vectors[s * group + b];
                    double inv = 0;
                    for (int k = 0; k < size; k++) {
                        inv += va[k] * vb[k] / (values[k] + ridge);
                    }
                    block[a][b] = inv;
                    block[b][a] = inv;
                }
            }
            if (group == 1) {
                for (int o = 0; o < columns; o++) {
                    r[s][o] = alpha[s][o] / block[0][0];
                }
                continue;
            }
            double[][] rhs = new double[group][];
            for (int a = 0; a < group; a++) {
                rhs[a] = alpha[s * group + a];
            }
            double[][] solved = new LUDecomposition(new Array2DRowRealMatrix(block, false)).getSolver()
                    .solve(new Array2DRowRealMatrix(rhs, true)).getData();
            for (int a = 0; a < group; a++) {
                r[s * group + a] = solved[a];
            }
        }
        return r;
    }

    /** Mean over rows and columns of the squared leave-one-out residuals (NaN when empty). */
    public double looMeanSquaredError(double ridge) {
        double[][] r = looResiduals(ridge);
        double s = 0;
        for (double[] ri : r) {
            for (double v : ri) {
                s += v * v;
            }
        }
        return s / ((double) size * columns);
    }

    // ------------------------------------------------------------------ flow: generalized cross-validation

    /**
     * Generalized cross-validation of the flow at η·t = {@code flowTime}, per value:
     * (1/c)·Σ_o m·‖(I − H)r_o‖² / tr(I − H)² with I − H = exp(−ηtK/n). +∞ when tr(I − H)
     * underflows to 0 (the flow has interpolated every direction: GCV cannot judge it).
     */
    public double gcv(double flowTime) {
        if (!(flowTime >= 0) || Double.isNaN(flowTime)) {
            throw new IllegalArgumentException("η·t must be >= 0, got " + flowTime);
        }
        if (size == 0) {
            return Double.NaN;
        }
        double rate = flowTime / samples;
        double trace = 0;
        double residual = 0;
        for (int k = 0; k < size; k++) {
            double decay = Math.exp(-rate * values[k]);
            trace += decay;
            double p2 = 0;
            for (double p : projected[k]) {
                p2 += p * p;
            }
            residual += decay * decay * p2;
        }
        if (trace == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return size * residual / (trace * trace) / columns;
    }

    // ------------------------------------------------------------------ flow: exact leave-one-out

    /**
     * Exact leave-one-out residuals of the flow at η·t = {@code flowTime} (m x c): for each sample
     * i, the flow refit on the other n − 1 samples (its own Gram block, rate η·t/(n − 1)) predicts
     * x_i, r_i = y_i − μ_{−i}(x_i). The refit spectra are computed once per task (n
     * decompositions, O(n⁴) in all) and reused for every η·t: meant for few-shot tasks, where GCV
     * is a poor estimate. A sample's rows are left out together (O rows for a full-NTK Gram).
     */
    public double[][] looFlowResiduals(double flowTime) {
        if (!(flowTime >= 0) || Double.isNaN(flowTime)) {
            throw new IllegalArgumentException("η·t must be >= 0, got " + flowTime);
        }
        double[][] r = new double[size][columns];
        if (size == 0) {
            return r;
        }
        int group = size / samples;
        if (leftOut == null) {
            leftOut = new TaskSpectrum[samples];
            for (int i = 0; i < samples; i++) {
                leftOut[i] = without(i, group);
            }
        }
        HyperParameters hp = HyperParameters.flow(flowTime, 0.0);
        for (int i = 0; i < samples; i++) {
            double[][] c = leftOut[i].coefficients(hp);
            for (int a = i * group; a < (i + 1) * group; a++) {
                for (int o = 0; o < columns; o++) {
                    double mu = 0;
                    for (int j = 0, q = 0; j < size; j++) {
                        if (j >= i * group && j < (i + 1) * group) {
                            continue;
                        }
                        mu += gram[a][j] * c[q++][o];
                    }
                    r[a][o] = residuals[a][o] - mu;
                }
            }
        }
        return r;
    }

    /** Mean over rows and columns of the squared flow leave-one-out residuals (NaN when empty). */
    public double looFlowMeanSquaredError(double flowTime) {
        double[][] r = looFlowResiduals(flowTime);
        double s = 0;
        for (double[] ri : r) {
            for (double v : ri) {
                s += v * v;
            }
        }
        return s / ((double) size * columns);
    }

    /** The spectrum of the task without sample i (its {@code group} rows). */
    private TaskSpectrum without(int i, int group) {
        int m = size - group;
        double[][] g = new double[m][m];
        double[][] res = new double[m][];
        for (int a = 0, p = 0; a < size; a++) {
            if (a >= i * group && a < (i + 1) * group) {
                continue;
            }
            for (int b = 0, q = 0; b < size; b++) {
                if (b >= i * group && b < (i + 1) * group) {
                    continue;
                }
                g[p][q++] = gram[a][b];
            }
            res[p++] = residuals[a];
        }
        if (m == 0) {
            return new TaskSpectrum(0, new double[0], new double[0][0], new double[0][0], columns, g, res);
        }
        return of(g, res, samples - 1);
    }

    /**
     * The task's estimate of the per-value squared prediction error under {@code hp}: exact
     * leave-one-out for t = ∞ ({@link #looMeanSquaredError}); for finite t {@link FlowScore#AUTO}
     * (exact leave-one-out for small tasks, {@link #gcv} for large ones). Non-finite estimates are
     * reported as +∞.
     */
    public double score(HyperParameters hp) {
        return score(hp, FlowScore.AUTO);
    }

    /**
     * The task's estimate of the per-value squared prediction error under {@code hp}: exact
     * leave-one-out for t = ∞, {@code flowScore} for finite t. Non-finite estimates are +∞.
     */
    public double score(HyperParameters hp, FlowScore flowScore) {
        double s;
        if (hp.isRidge()) {
            s = looMeanSquaredError(hp.ridge());
        } else if (flowScore.forSamples(samples) == FlowScore.GCV) {
            s = gcv(hp.time().flowTime());
        } else {
            s = looFlowMeanSquaredError(hp.time().flowTime());
        }
        return Double.isFinite(s) ? s : Double.POSITIVE_INFINITY;
    }
}
