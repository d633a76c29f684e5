package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A task's NTK regression state under the full NTK ({@link FullNtkKernel}): the outputs are not
 * assumed independent, so the Gram matrix is nO x nO (row i·O + o for sample i, output o), with
 * Cholesky factor of A = K + λI (+ reported jitter) and α = A⁻¹vec(Y − f0(X)), an nO vector.
 * Adding a sample appends its O Gram rows and O Cholesky rows ({@link IncrementalCholesky}, one
 * row at a time), O((nO)²·O) plus one kernel row block; removing one deletes its O rows.
 *
 * <p>With R = Y − f0(X) stacked sample by sample into r = vec(R) (nO values):
 * <ul>
 *   <li>t = ∞: μ(x) = f0(x) + Θ(x,X)(K + λI)⁻¹r, O values per query.</li>
 *   <li>finite t: μ_t(x) = f0(x) + Θ(x,X)K⁻¹(I − exp(−ηtK/n))r, n the number of samples (loss
 *       (1/2n)·Σ_i‖f(x_i) − y_i‖²; not nO), from the eigendecomposition of K (cached, recomputed
 *       lazily after a change); λ does not enter.</li>
 *   <li>σ²_o(x) = Θ(x,x)[o,o] − Θ_o(x,X)(K + λI)⁻¹Θ_o(X,x): per output, the diagonal of the
 *       O x O posterior covariance (for any t), clamped at 0 ({@link FullGaussian}).</li>
 *   <li>Leave-one-out (t = ∞), a sample's O values left out together:
 *       r_i = ([A⁻¹]_ii)⁻¹·[A⁻¹r]_i with [A⁻¹]_ii the sample's O x O diagonal block.</li>
 * </ul>
 * For O = 1 everything equals {@link KernelState} with the trace (or pseudo) kernel.
 *
 * <p>No row-wise serialization yet (unlike {@link KernelState}). Not thread-safe. Holds native
 * memory (the stored features): {@link #close()} it.
 */
public final class FullKernelState implements AutoCloseable {
    private final FullNtkKernel kernel;
    private final int outputs;
    private final FeatureStore store;
    private final IncrementalCholesky cholesky;
    private final SampleIds ids = new SampleIds();
    private final List<double[]> targets = new ArrayList<>();
    private final List<double[]> f0s = new ArrayList<>();
    /** Lower-triangular Gram rows, one per (sample, output): row r holds r + 1 values. */
    private final List<double[]> gramRows = new ArrayList<>();
    /** α = A⁻¹r, nO values. */
    private double[] alpha = new double[0];
    private SpectralFlow spectral;
    private double cachedFlowTime = Double.NaN;
    private double[] cachedFlowCoefficients;

    public FullKernelState(FullNtkKernel kernel, double ridge) {
        this(kernel, ridge, IncrementalCholesky.DEFAULT_JITTER_TOLERANCE);
    }

    public FullKernelState(FullNtkKernel kernel, double ridge, double jitterTolerance) {
        this.kernel = kernel;
        this.outputs = kernel.outputs();
        this.cholesky = new IncrementalCholesky(ridge, jitterTolerance);
        this.store = kernel.newStore();
    }

    public FullNtkKernel kernel() {
        return kernel;
    }

    public double ridge() {
        return cholesky.ridge();
    }

    public int outputs() {
        return outputs;
    }

    /** n, the number of samples (the Gram has nO rows). */
    public int size() {
        return ids.size();
    }

    /** Sample ids, oldest first. */
    public List<String> ids() {
        return ids.list();
    }

    public boolean contains(String id) {
        return ids.contains(id);
    }

    /** The Cholesky factor of the nO x nO matrix A (read it, do not modify it). */
    public IncrementalCholesky cholesky() {
        return cholesky;
    }

    // ------------------------------------------------------------------ updates

    /**
     * Adds one sample ({@code x}: input_dim values, {@code target}: O values); returns its smallest
     * Cholesky pivot and the jitter added over its O rows.
     */
    public IncrementalCholesky.AddResult add(String id, double[] x, double[] target) {
        KernelState.requireValues(x, kernel.inputDim(), "x (input_dim)");
        try (Matrix m = Matrix.fromColumnMajor(Precision.FLOAT64, x.length, 1, x)) {
            return addAll(List.of(id), m, new double[][] {target}).get(0);
        }
    }

    /**
     * Adds m samples (x: input_dim x m, one column per sample; targets m x O) with one network pass:
     * the same state as m calls of {@link #add}. Per sample: its smallest pivot and total jitter.
     */
    public List<IncrementalCholesky.AddResult> addAll(List<String> newIds, Matrix x, double[][] newTargets) {
        int m = newIds.size();
        ids.requireNewBatch(newIds, x, kernel.inputDim(), newTargets, outputs);
        List<IncrementalCholesky.AddResult> results = new ArrayList<>(m);
        try (KernelFeatures features = kernel.featurize(x); Matrix f0 = kernel.f0(x)) {
            int stored = store.size() * outputs;               // Gram rows before the batch
            double[] againstStored = kernel.cross(features, store); // mO x stored
            double[] within = kernel.cross(features, features);     // mO x mO
            double[] f0Values = f0.toColumnMajor();                 // sample i at i·O
            int width = m * outputs;
            for (int i = 0; i < m; i++) {
                double smallestPivot = Double.POSITIVE_INFINITY;
                double jitter = 0;
                for (int o = 0; o < outputs; o++) {
                    int local = i * outputs + o;
                    // Θ against every earlier row: the stored samples, then this batch up to (i, o − 1)
                    double[] row = new double[stored + local];
                    if (stored > 0) {
                        System.arraycopy(againstStored, local * stored, row, 0, stored);
                    }
                    System.arraycopy(within, local * width, row, stored, local);
                    double self = within[local * width + local];
                    IncrementalCholesky.AddResult r = cholesky.add(row, self);
                    smallestPivot = Math.min(smallestPivot, r.pivot());
                    jitter += r.jitterAdded();
                    double[] gram = Arrays.copyOf(row, row.length + 1);
                    gram[row.length] = self;
                    gramRows.add(gram);
                }
                results.add(new IncrementalCholesky.AddResult(smallestPivot, jitter));
                store.append(features, i);
                ids.add(newIds.get(i));
                targets.add(newTargets[i].clone());
                f0s.add(Arrays.copyOfRange(f0Values, i * outputs, (i + 1) * outputs));
            }
        }
        changed();
        return results;
    }

    /** Removes a sample by id (its O rows and columns), O((nO)²·O); false if absent. */
    public boolean remove(String id) {
        if (!ids.contains(id)) {
            return false;
        }
        removeAt(ids.indexOf(id));
        return true;
    }

    /** Removes the sample at {@code index} (0 = oldest). */
    public void removeAt(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("sample " + index + " of " + size());
        }
        int first = index * outputs;
        for (int o = 0; o < outputs; o++) {
            cholesky.remove(first); // the next row of the sample moves up into its place
        }
        for (int o = 0; o < outputs; o++) {
            gramRows.remove(first);
        }
        for (int r = first; r < gramRows.size(); r++) {
            double[] old = gramRows.get(r);
            double[] shorter = new double[old.length - outputs];
            System.arraycopy(old, 0, shorter, 0, first);
            System.arraycopy(old, first + outputs, shorter, first, old.length - first - outputs);
            gramRows.set(r, shorter);
        }
        store.remove(index);
        ids.removeAt(index);
        targets.remove(index);
        f0s.remove(index);
        changed();
    }

    /** After any change: α = A⁻¹r by two triangular solves, caches dropped. */
    private void changed() {
        double[] r = residualVector();
        alpha = cholesky.solve(r);
        spectral = null;
        cachedFlowTime = Double.NaN;
        cachedFlowCoefficients = null;
    }

    // ------------------------------------------------------------------ predictions

    /** Posterior at t = ∞ with per-output variances, for x (input_dim x m). */
    public FullGaussian predict(Matrix x) {
        return predict(x, TrainingTime.INFINITE, true);
    }

    /** μ (or μ_t) for x (input_dim x m), and the per-output σ² if {@code withVariance}. */
    public FullGaussian predict(Matrix x, TrainingTime time, boolean withVariance) {
        if (x.rows() != kernel.inputDim()) {
            throw new IllegalArgumentException("x: expected input_dim x m = " + kernel.inputDim() + " x m, got "
                    + x.rows() + "x" + x.cols());
        }
        int m = x.cols();
        int rows = size() * outputs;
        try (KernelFeatures features = kernel.featurize(x); Matrix f0 = kernel.f0(x)) {
            double[] kx = kernel.cross(features, store); // mO x nO
            double[] f0Values = f0.toColumnMajor();
            double[] c = coefficients(time);
            double[][] mean = new double[m][outputs];
            for (int i = 0; i < m; i++) {
                for (int o = 0; o < outputs; o++) {
                    double mu = f0Values[i * outputs + o];
                    int base = (i * outputs + o) * rows;
                    for (int r = 0; r < rows; r++) {
                        mu += kx[base + r] * c[r];
                    }
                    mean[i][o] = mu;
                }
            }
            double[][] variance = null;
            if (withVariance) {
                double[][] self = kernel.selfBlocks(features);
                // σ²_o(x) = Θ(x,x)[o,o] − ‖L⁻¹Θ_o(X,x)‖², all mO query rows as one multi-right-hand-side solve
                double[][] columns = new double[rows][m * outputs];
                for (int q = 0; q < m * outputs; q++) {
                    for (int r = 0; r < rows; r++) {
                        columns[r][q] = kx[q * rows + r];
                    }
                }
                double[][] v = cholesky.solveLower(columns);
                variance = new double[m][outputs];
                for (int i = 0; i < m; i++) {
                    for (int o = 0; o < outputs; o++) {
                        int q = i * outputs + o;
                        double s = 0;
                        for (int r = 0; r < rows; r++) {
                            s += v[r][q] * v[r][q];
                        }
                        variance[i][o] = Math.max(0.0, self[i][o * outputs + o] - s);
                    }
                }
            }
            return new FullGaussian(mean, variance);
        }
    }

    /** The nO coefficients c with μ(x) = f0(x) + Θ(x,X)·c: α for t = ∞, else the spectral flow's. */
    private double[] coefficients(TrainingTime time) {
        if (time.isInfinite()) {
            return alpha;
        }
        double flow = time.flowTime();
        if (flow == cachedFlowTime) {
            return cachedFlowCoefficients;
        }
        if (spectral == null) {
            spectral = SpectralFlow.of(gram(), size());
        }
        double[] r = residualVector();
        double[][] column = new double[r.length][];
        for (int i = 0; i < r.length; i++) {
            column[i] = new double[] {r[i]};
        }
        double[][] c = spectral.coefficients(column, flow);
        cachedFlowCoefficients = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            cachedFlowCoefficients[i] = c[i][0];
        }
        cachedFlowTime = flow;
        return cachedFlowCoefficients;
    }

    /** α = (K + λI)⁻¹vec(Y − f0(X)), nO values (a copy). */
    public double[] alpha() {
        return alpha.clone();
    }

    /** Y − f0(X), n x O. */
    public double[][] residuals() {
        double[][] r = new double[size()][outputs];
        for (int i = 0; i < r.length; i++) {
            for (int o = 0; o < outputs; o++) {
                r[i][o] = targets.get(i)[o] - f0s.get(i)[o];
            }
        }
        return r;
    }

    /** vec(Y − f0(X)): sample i's O values at i·O. */
    private double[] residualVector() {
        double[] r = new double[size() * outputs];
        for (int i = 0; i < size(); i++) {
            for (int o = 0; o < outputs; o++) {
                r[i * outputs + o] = targets.get(i)[o] - f0s.get(i)[o];
            }
        }
        return r;
    }

    /** The Gram matrix K (nO x nO, symmetric, without λ), from the stored rows. */
    public double[][] gram() {
        int n = gramRows.size();
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            double[] row = gramRows.get(i);
            for (int j = 0; j <= i; j++) {
                k[i][j] = row[j];
                k[j][i] = row[j];
            }
        }
        return k;
    }

    /**
     * Closed-form leave-one-out residuals of the t = ∞ fit, n x O: sample i's O values left out
     * together, r_i = y_i − μ_{−i}(x_i) = ([A⁻¹]_ii)⁻¹·[A⁻¹r]_i with [A⁻¹]_ii its O x O diagonal
     * block of A⁻¹ (the block form of the scalar [A⁻¹r]_i / [A⁻¹]_ii). O((nO)³).
     */
    public double[][] looResiduals() {
        double[][] blocks = cholesky.inverseDiagonalBlocks(outputs);
        double[][] r = new double[size()][];
        for (int i = 0; i < r.length; i++) {
            double[][] b = new double[outputs][outputs];
            for (int a = 0; a < outputs; a++) {
                System.arraycopy(blocks[i], a * outputs, b[a], 0, outputs);
            }
            r[i] = SmallSolve.solve(b, Arrays.copyOfRange(alpha, i * outputs, (i + 1) * outputs));
        }
        return r;
    }

    /** Target of sample i (a copy). */
    public double[] target(int i) {
        return targets.get(i).clone();
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            cholesky.close();
        }
    }
}
