package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A task's NTK regression state: its n samples (id, raw x, target y with O values, features,
 * f0(x)), the Gram matrix K stored as lower-triangular rows, the Cholesky factor L of
 * A = K + λI (+ reported jitter) and z = L⁻¹(Y − f0(X)), kept up to date sample by sample in
 * O(n²) plus one kernel row: a new sample appends one row of L (forward substitution) and one row
 * of z, z_new = (r_new − ℓ·z)/pivot, O(n·O). After a removal the rows of z from the removed
 * position on are recomputed (the same step, so a restored state has bit-identical z).
 * α = A⁻¹(Y − f0(X)) = L⁻ᵀz is computed only when asked for and cached until the next change.
 *
 * <p>Predictions (linearized fine-tuning of f0 on (X, Y), loss (1/2n)·Σ‖f(x_i) − y_i‖², gradient
 * flow at learning rate η for time t):
 * <ul>
 *   <li>t = ∞: μ(x) = f0(x) + k(x,X)·(K + λI)⁻¹(Y − f0(X)).</li>
 *   <li>finite t: μ_t(x) = f0(x) + k(x,X)·K⁻¹(I − exp(−ηtK/n))(Y − f0(X)), from the symmetric
 *       eigendecomposition K = VΛVᵀ (cached, recomputed lazily after a change):
 *       K⁻¹(I − exp(−ηtK/n)) = V·diag(−expm1(−ηtλ_k/n)/λ_k)·Vᵀ, whose factor tends to ηt/n as
 *       λ_k → 0 (eigenvalues below 0 from rounding count as 0). λ does not enter: gradient flow
 *       on the unregularized loss, so as t → ∞, μ_t → f0 + k(x,X)K⁺(Y − f0), the λ → 0 limit of μ.</li>
 *   <li>σ²(x) = k(x,x) − k(x,X)(K + λI)⁻¹k(X,x), the GP posterior variance (for any t), clamped at 0.</li>
 * </ul>
 *
 * <p>Not thread-safe: one state per task, used by one thread at a time. Holds native memory
 * (the stored features and, once predictions with variance came in batches, a copy of L for
 * OpenBLAS's triangular solve, see {@link IncrementalCholesky}): {@link #close()} it.
 */
public final class KernelState implements AutoCloseable {
    private static final int MAGIC = 0x4e544b53; // "NTKS"
    /** 2: rows in {@link SampleRecord} format 2. */
    private static final int FORMAT = 2;

    private final FeatureKernel kernel;
    private final int outputs;
    private final FeatureStore store;
    private final IncrementalCholesky cholesky;
    private final SampleIds ids = new SampleIds();
    private final List<double[]> xs = new ArrayList<>();
    private final List<double[]> targets = new ArrayList<>();
    private final List<double[]> f0s = new ArrayList<>();
    private final List<double[]> gramRows = new ArrayList<>();
    /** z = L⁻¹(Y − f0(X)), n x O row-major (row i at i·O); rows [0, zRows) are valid. */
    private double[] z = new double[0];
    private int zRows;
    /** α = L⁻ᵀz, n x O, or null until asked for after a change. */
    private double[][] alpha;
    /** Lazily computed eigendecomposition of K and the coefficients for the last η·t. */
    private SpectralFlow spectral;
    private double cachedFlowTime = Double.NaN;
    private double[][] cachedFlowCoefficients;

    public KernelState(FeatureKernel kernel, double ridge) {
        this(kernel, ridge, IncrementalCholesky.DEFAULT_JITTER_TOLERANCE);
    }

    public KernelState(FeatureKernel kernel, double ridge, double jitterTolerance) {
        this(kernel, new IncrementalCholesky(ridge, jitterTolerance));
    }

    private KernelState(FeatureKernel kernel, IncrementalCholesky cholesky) {
        this.kernel = kernel;
        this.outputs = kernel.outputs();
        this.store = kernel.newStore();
        this.cholesky = cholesky;
    }

    public FeatureKernel kernel() {
        return kernel;
    }

    public double ridge() {
        return cholesky.ridge();
    }

    public double jitterTolerance() {
        return cholesky.jitterTolerance();
    }

    public int outputs() {
        return outputs;
    }

    /** n. */
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

    /** Position of a sample (oldest = 0), −1 if absent. */
    public int indexOf(String id) {
        return ids.indexOf(id);
    }

    /** The Cholesky factor (read it, do not modify it). */
    public IncrementalCholesky cholesky() {
        return cholesky;
    }

    // ------------------------------------------------------------------ updates

    /**
     * Adds a sample: its features, f0, one Gram row against the stored samples, one Cholesky row;
     * α is updated. {@code x} has input_dim values, {@code target} O values. Returns the new pivot
     * and any jitter added.
     */
    public IncrementalCholesky.AddResult add(String id, double[] x, double[] target) {
        return addAll(List.of(id), Matrix.fromColumnMajor(Precision.FLOAT64, requireX(x, "x").length, 1, x),
                new double[][] {target}, true).get(0);
    }

    /**
     * Adds m samples at once (x: input_dim x m, one column per sample; targets m x O), in order:
     * the same state as m calls of {@link #add}, with one network pass for the batch.
     */
    public List<IncrementalCholesky.AddResult> addAll(List<String> newIds, Matrix x, double[][] newTargets) {
        return addAll(newIds, x, newTargets, false);
    }

    private List<IncrementalCholesky.AddResult> addAll(List<String> newIds, Matrix x, double[][] newTargets,
                                                       boolean closeX) {
        try {
            int m = newIds.size();
            double[] xValues = ids.requireNewBatch(newIds, x, kernel.inputDim(), newTargets, outputs);
            int d = kernel.inputDim();
            List<IncrementalCholesky.AddResult> results = new ArrayList<>(m);
            try (KernelFeatures features = kernel.featurize(x)) {
                int n0 = store.size();
                double[] f0Values = kernel.f0(features, x); // O x m column-major: sample i at i·O
                // the new samples go into the store first, so one kernel call gives their rows against the
                // stored samples and each other (and k(x,x)): m x (n0 + m), lower triangle of the new block used
                store.appendAll(features);
                double[][] kernelRows = new double[m][];
                double[] kSelf = new double[m];
                try {
                    double[] k = kernel.cross(features, store);
                    int width = n0 + m;
                    for (int i = 0; i < m; i++) {
                        kernelRows[i] = Arrays.copyOfRange(k, i * width, i * width + n0 + i);
                        kSelf[i] = k[i * width + n0 + i];
                    }
                    results.addAll(cholesky.addAll(kernelRows, kSelf)); // blocked: one pass over L for the m rows
                } catch (RuntimeException e) {
                    for (int i = 0; i < m; i++) {
                        store.remove(store.size() - 1);
                    }
                    throw e;
                }
                for (int i = 0; i < m; i++) {
                    double[] row = kernelRows[i];
                    double[] gram = Arrays.copyOf(row, row.length + 1);
                    gram[row.length] = kSelf[i];
                    gramRows.add(gram);
                    ids.add(newIds.get(i));
                    xs.add(Arrays.copyOfRange(xValues, i * d, (i + 1) * d));
                    targets.add(newTargets[i].clone());
                    f0s.add(Arrays.copyOfRange(f0Values, i * outputs, (i + 1) * outputs));
                }
            }
            changed();
            return results;
        } finally {
            if (closeX) {
                x.close();
            }
        }
    }

    /** Removes a sample by id (Cholesky row and column deleted by a rank-one update, O(n²)); false if absent. */
    public boolean remove(String id) {
        int index = indexOf(id);
        if (index < 0) {
            return false;
        }
        removeAt(index);
        return true;
    }

    /** Removes the sample at {@code index} (0 = oldest). */
    public void removeAt(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("sample " + index + " of " + size());
        }
        cholesky.remove(index);
        store.remove(index);
        zRows = Math.min(zRows, index);
        ids.removeAt(index);
        xs.remove(index);
        targets.remove(index);
        f0s.remove(index);
        gramRows.remove(index);
        for (int i = index; i < gramRows.size(); i++) {
            double[] old = gramRows.get(i);
            double[] shorter = new double[old.length - 1];
            System.arraycopy(old, 0, shorter, 0, index);
            System.arraycopy(old, index + 1, shorter, index, old.length - index - 1);
            gramRows.set(i, shorter);
        }
        changed();
    }

    /** After any change: z brought up to date (only the rows not yet valid), caches dropped. */
    private void changed() {
        updateZ();
        alpha = null;
        spectral = null;
        cachedFlowTime = Double.NaN;
        cachedFlowCoefficients = null;
    }

    /**
     * Rows [zRows, n) of z by forward substitution, one row at a time:
     * z_i = (r_i − Σ_{j<i} L_ij z_j)/L_ii, O((n − zRows)·n·O).
     */
    private void updateZ() {
        int n = size();
        if (z.length < n * outputs) {
            z = Arrays.copyOf(z, Math.max(n, Math.max(16, 2 * z.length / Math.max(1, outputs))) * outputs);
        }
        double[] acc = new double[outputs];
        for (int i = zRows; i < n; i++) {
            double[] li = cholesky.rowView(i);
            double[] t = targets.get(i);
            double[] f = f0s.get(i);
            for (int o = 0; o < outputs; o++) {
                acc[o] = t[o] - f[o];
            }
            for (int j = 0; j < i; j++) {
                double lij = li[j];
                int at = j * outputs;
                for (int o = 0; o < outputs; o++) {
                    acc[o] -= lij * z[at + o];
                }
            }
            double inv = 1.0 / li[i];
            int at = i * outputs;
            for (int o = 0; o < outputs; o++) {
                z[at + o] = acc[o] * inv;
            }
        }
        zRows = n;
    }

    /** α = L⁻ᵀz (cached until the next change; do not modify it). */
    private double[][] alphaValues() {
        if (alpha == null) {
            int n = size();
            double[][] zm = new double[n][];
            for (int i = 0; i < n; i++) {
                zm[i] = Arrays.copyOfRange(z, i * outputs, (i + 1) * outputs);
            }
            alpha = cholesky.solveUpper(zm);
        }
        return alpha;
    }

    // ------------------------------------------------------------------ predictions

    /** Posterior at t = ∞ with variance, for x (input_dim x m). */
    public Gaussian predict(Matrix x) {
        return predict(x, TrainingTime.INFINITE, true);
    }

    /** μ (or μ_t) for x (input_dim x m), and σ² if {@code withVariance}. */
    public Gaussian predict(Matrix x, TrainingTime time, boolean withVariance) {
        if (x.rows() != kernel.inputDim()) {
            throw new IllegalArgumentException("x: expected input_dim x m = " + kernel.inputDim() + " x m, got "
                    + x.rows() + "x" + x.cols());
        }
        int m = x.cols();
        int n = size();
        try (KernelFeatures features = kernel.featurize(x)) {
            double[] kx = kernel.cross(features, store); // m x n
            double[] f0Values = kernel.f0(features, x);
            double[][] mean = new double[m][outputs];
            for (int i = 0; i < m; i++) {
                System.arraycopy(f0Values, i * outputs, mean[i], 0, outputs);
            }
            double[] variance = null;
            double[] v = null;
            if (withVariance) {
                double[] kxx = kernel.selfDiagonal(features);
                variance = new double[m];
                // σ² = k(x,x) − ‖L⁻¹k(X,x)‖²: v = L⁻¹k(X,x) for the m queries at once, row-major m x n
                // as the kernel gives it, so each query's forward substitution runs over contiguous memory
                // (OpenBLAS dtrsm on a native copy of L for batches from 8 queries at n >= 128)
                v = time.isInfinite() ? kx : kx.clone();
                cholesky.solveLowerRowsInPlace(v, m);
                for (int i = 0; i < m; i++) {
                    variance[i] = Math.max(0.0, kxx[i] - IncrementalCholesky.dot(v, i * n, v, i * n, n));
                }
            }
            if (time.isInfinite() && v != null) {
                // μ = f0 + k(x,X)·L⁻ᵀz = f0 + (L⁻¹k(X,x))ᵀz, with the v the variance needed anyway
                for (int i = 0; i < m; i++) {
                    double[] mu = mean[i];
                    for (int j = 0; j < n; j++) {
                        double vj = v[i * n + j];
                        int at = j * outputs;
                        for (int o = 0; o < outputs; o++) {
                            mu[o] += vj * z[at + o];
                        }
                    }
                }
            } else {
                double[][] coefficients = coefficients(time);
                for (int i = 0; i < m; i++) {
                    double[] mu = mean[i];
                    for (int j = 0; j < n; j++) {
                        double k = kx[i * n + j];
                        double[] c = coefficients[j];
                        for (int o = 0; o < outputs; o++) {
                            mu[o] += k * c[o];
                        }
                    }
                }
            }
            return new Gaussian(mean, variance);
        }
    }

    /** The n x O coefficients c with μ(x) = f0(x) + k(x,X)·c: α for t = ∞, else the spectral flow's. */
    private double[][] coefficients(TrainingTime time) {
        if (time.isInfinite()) {
            return alphaValues();
        }
        double flow = time.flowTime();
        if (flow == cachedFlowTime) {
            return cachedFlowCoefficients;
        }
        if (spectral == null) {
            spectral = SpectralFlow.of(gram());
        }
        cachedFlowCoefficients = spectral.coefficients(residuals(), flow);
        cachedFlowTime = flow;
        return cachedFlowCoefficients;
    }

    /** α = (K + λI)⁻¹(Y − f0(X)), n x O (a copy; computed from z = L⁻¹(Y − f0(X)) when first asked after a change). */
    public double[][] alpha() {
        double[][] a = alphaValues();
        double[][] c = new double[a.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /** z = L⁻¹(Y − f0(X)), n x O (a copy): μ(x) = f0(x) + (L⁻¹k(X,x))ᵀz at t = ∞. */
    public double[][] whitenedResiduals() {
        double[][] c = new double[size()][];
        for (int i = 0; i < c.length; i++) {
            c[i] = Arrays.copyOfRange(z, i * outputs, (i + 1) * outputs);
        }
        return c;
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

    /** The Gram matrix K (n x n, symmetric, without λ), from the stored rows. */
    public double[][] gram() {
        int n = size();
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
     * Closed-form leave-one-out residuals of the t = ∞ ridge fit, n x O:
     * r_i = y_i − μ_{−i}(x_i) = [A⁻¹(Y − f0)]_i / [A⁻¹]_ii with A = K + λI (+ jitter), the
     * residual at x_i of the fit on the other n − 1 samples. O(n³) (the diagonal of A⁻¹).
     */
    public double[][] looResiduals() {
        double[] inv = cholesky.inverseDiagonal();
        double[][] alpha = alphaValues();
        double[][] r = new double[size()][outputs];
        for (int i = 0; i < r.length; i++) {
            for (int o = 0; o < outputs; o++) {
                r[i][o] = alpha[i][o] / inv[i];
            }
        }
        return r;
    }

    /** Mean over samples and outputs of the squared leave-one-out residuals (NaN when empty). */
    public double looMeanSquaredError() {
        double[][] r = looResiduals();
        double s = 0;
        for (double[] ri : r) {
            for (double v : ri) {
                s += v * v;
            }
        }
        return s / ((double) r.length * outputs);
    }

    // ------------------------------------------------------------------ serialization

    /** Sample i's row. */
    public SampleRecord record(int i) {
        return new SampleRecord(ids.get(i), xs.get(i).clone(), targets.get(i).clone(), f0s.get(i).clone(),
                store.sampleValues(i), gramRows.get(i).clone(), cholesky.row(i), cholesky.jitter(i));
    }

    /** Every sample's row, oldest first. */
    public List<SampleRecord> records() {
        List<SampleRecord> r = new ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            r.add(record(i));
        }
        return r;
    }

    /**
     * Rebuilds a state from its rows (as {@link #records()} gave them) with no kernel evaluation:
     * the features, Gram and Cholesky rows are taken as stored. The kernel must be the one the
     * rows were computed with.
     */
    public static KernelState restore(FeatureKernel kernel, double ridge, double jitterTolerance,
                                      List<SampleRecord> records) {
        List<double[]> rows = new ArrayList<>(records.size());
        double[] jitter = new double[records.size()];
        for (int i = 0; i < records.size(); i++) {
            rows.add(records.get(i).choleskyRow());
            jitter[i] = records.get(i).jitter();
        }
        KernelState s = new KernelState(kernel, IncrementalCholesky.fromRows(ridge, jitterTolerance, rows, jitter));
        try {
            for (int i = 0; i < records.size(); i++) {
                SampleRecord r = records.get(i);
                String what = "record " + i + " ('" + r.id() + "')";
                if (s.ids.contains(r.id())) {
                    throw new IllegalArgumentException(what + ": duplicate id");
                }
                requireValues(r.x(), kernel.inputDim(), what + " x (input_dim)");
                requireValues(r.target(), s.outputs, what + " target (O outputs)");
                requireValues(r.f0(), s.outputs, what + " f0 (O outputs)");
                requireValues(r.gramRow(), i + 1, what + " Gram row (i + 1 values)");
                s.store.appendValues(r.x(), r.features());
                s.ids.add(r.id());
                s.xs.add(r.x().clone());
                s.targets.add(r.target().clone());
                s.f0s.add(r.f0().clone());
                s.gramRows.add(r.gramRow().clone());
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        s.changed();
        return s;
    }

    /** The whole state as bytes: a header (kernel description, λ, tolerance, O) and the rows. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeUTF(kernel.description());
            out.writeDouble(ridge());
            out.writeDouble(jitterTolerance());
            out.writeInt(kernel.inputDim());
            out.writeInt(outputs);
            out.writeInt(size());
            for (int i = 0; i < size(); i++) {
                record(i).write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A state from {@link #toBytes()}; {@code kernel} must have the same {@link FeatureKernel#description()}. */
    public static KernelState fromBytes(FeatureKernel kernel, byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a serialized KernelState (bad magic)");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("KernelState format " + format + " is not supported (expected "
                        + FORMAT + ")");
            }
            String description = in.readUTF();
            if (!description.equals(kernel.description())) {
                throw new IllegalArgumentException("state was computed with kernel [" + description
                        + "] but is restored with [" + kernel.description() + "]; rebuild it from the raw samples");
            }
            double ridge = in.readDouble();
            double tolerance = in.readDouble();
            int inputDim = in.readInt();
            int o = in.readInt();
            int n = in.readInt();
            if (inputDim != kernel.inputDim() || o != kernel.outputs() || n < 0) {
                throw new IllegalArgumentException("state has input_dim " + inputDim + ", O " + o + ", n " + n
                        + "; the kernel has input_dim " + kernel.inputDim() + ", O " + kernel.outputs());
            }
            List<SampleRecord> records = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                records.add(SampleRecord.read(in));
            }
            return restore(kernel, ridge, tolerance, records);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt KernelState bytes: " + e, e);
        }
    }

    /**
     * The same samples under another kernel (e.g. a new checkpoint version): features, f0, Gram
     * and Cholesky recomputed from the stored raw x and targets, in order.
     */
    public KernelState rebuild(FeatureKernel newKernel) {
        KernelState s = new KernelState(newKernel, ridge(), jitterTolerance());
        if (size() > 0) {
            double[] x = new double[size() * kernel.inputDim()];
            for (int i = 0; i < size(); i++) {
                System.arraycopy(xs.get(i), 0, x, i * kernel.inputDim(), kernel.inputDim());
            }
            try (Matrix m = Matrix.fromColumnMajor(Precision.FLOAT64, kernel.inputDim(), size(), x)) {
                s.addAll(ids.list(), m, targets.toArray(new double[0][]));
            }
        }
        return s;
    }

    /** Raw input of sample i (a copy). */
    public double[] x(int i) {
        return xs.get(i).clone();
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

    private double[] requireX(double[] x, String what) {
        requireValues(x, kernel.inputDim(), what + " (input_dim)");
        return x;
    }

    static void requireValues(double[] v, int expected, String what) {
        if (v == null || v.length != expected) {
            throw new IllegalArgumentException(what + ": expected " + expected + " values, got "
                    + (v == null ? "null" : v.length));
        }
        for (double d : v) {
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException(what + ": contains NaN or infinite values");
            }
        }
    }
}
