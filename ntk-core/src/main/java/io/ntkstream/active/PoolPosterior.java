package io.ntkstream.active;

import io.ntkstream.kernel.ClassTargets;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.KernelFeatures;
import io.ntkstream.kernel.IncrementalCholesky;
import io.ntkstream.kernel.KernelState;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The GP posterior over a pool U of m candidates given a task's labeled set X (the t = ∞ NTK
 * regression of {@link KernelState}): the means μ(u) (m x O) and the joint covariance
 *
 * <pre>  k̃(u,c) = k(u,c) − k(u,X)(K + λI)⁻¹k(X,c)</pre>
 *
 * computed from the state's Cholesky factor L (LLᵀ = K + λI) as k̃ = k(U,U) − VᵀV with
 * V = L⁻¹k(X,U): L⁻¹ once by forward substitution (n³/6), V and VᵀV by two GEMMs, so the cost
 * is O(n³ + n²m + nm²) in BLAS rather than per-pair solves. k(U,U) comes from the pool (computed
 * once); k(X,U) from one featurization of the state's raw inputs (one network pass over n).
 *
 * <p>Look-ahead: if candidate c were labeled with target y, the linearized network would change
 * at every u ∈ U by the rank-one Schur-complement update
 *
 * <pre>  Δf(u) = k̃(u,c)·(y − μ(c)) / (k̃(c,c) + λ)     (O values)</pre>
 *
 * exactly what refitting with c added gives (as long as the Cholesky factor added no jitter).
 * {@link #observe} applies that update to the means and the covariance
 * (k̃ ← k̃ − k̃(:,c)k̃(c,:)/(k̃(c,c)+λ)) and takes c out of the active candidates: the posterior
 * of the pool with c labeled, used by greedy batch selection.
 *
 * <p>Index i of this posterior is the i-th id of {@link #ids()} (the pool's remaining candidates
 * when it was built). Mutable through {@link #observe} only; {@link #copy()} first to keep the
 * original. Not thread-safe.
 */
public final class PoolPosterior {
    private final List<String> ids;
    private final int outputs;
    private final double ridge;
    private final boolean classification;
    /** μ, m x O. */
    private final double[][] mean;
    /** k̃, row-major m x m, exactly symmetric. */
    private final double[] covariance;
    private final boolean[] observed;
    private int active;

    private PoolPosterior(List<String> ids, int outputs, double ridge, boolean classification, double[][] mean,
                          double[] covariance, boolean[] observed, int active) {
        this.ids = ids;
        this.outputs = outputs;
        this.ridge = ridge;
        this.classification = classification;
        this.mean = mean;
        this.covariance = covariance;
        this.observed = observed;
        this.active = active;
    }

    /**
     * The posterior of the learner's pool at t = ∞ (the learner's predictions must be the t = ∞
     * ones: look-ahead is the ridge solution's rank-one update). Classification (softmax
     * probabilities, most likely labels) when the learner classifies.
     */
    public static PoolPosterior of(NtkRegressor learner, Pool pool) {
        if (!learner.settings().time().isInfinite()) {
            throw new IllegalArgumentException("look-ahead needs the learner's predictions at t = ∞ (the ridge"
                    + " solution), got a finite training time " + learner.settings().time().time());
        }
        return of(learner.state(), pool, learner.settings().isClassification());
    }

    /**
     * The posterior of {@code pool} given {@code state}; {@code classification}: the state's
     * targets are class encodings (one-hot minus 1/O, {@link ClassTargets}) with O classes.
     */
    public static PoolPosterior of(KernelState state, Pool pool, boolean classification) {
        FeatureKernel kernel = state.kernel();
        if (kernel != pool.kernel() && !kernel.description().equals(pool.kernel().description())) {
            throw new IllegalArgumentException("pool and state use different kernels: [" + pool.kernel().description()
                    + "] vs [" + kernel.description() + "]");
        }
        if (classification && state.outputs() < 2) {
            throw new IllegalArgumentException("classification needs O >= 2 outputs (one per class), got "
                    + state.outputs());
        }
        int o = state.outputs();
        int[] pos = pool.positions();
        int m = pos.length;
        if (m == 0) {
            throw new IllegalArgumentException("pool: no candidates left");
        }
        int mAll = pool.originalSize();
        int n = state.size();
        List<String> ids = new ArrayList<>(m);
        for (int p : pos) {
            ids.add(pool.originalId(p));
        }
        double[] prior = pool.prior();
        double[][] mean = new double[m][];
        for (int c = 0; c < m; c++) {
            mean[c] = pool.f0(pos[c]).clone();
        }
        double[] vtv = null; // VᵀV, column-major m x m (symmetric up to rounding)
        if (n > 0) {
            double[] kxu = labeledCross(state, pool); // n x mAll, row-major
            double[] b = new double[n * m]; // k(X,U) column-major n x m
            for (int j = 0; j < n; j++) {
                int row = j * mAll;
                for (int i = 0; i < m; i++) {
                    b[i * n + j] = kxu[row + pos[i]];
                }
            }
            double[][] alpha = state.alpha();
            for (int i = 0; i < m; i++) { // μ = f0 + k(U,X)α
                double[] mu = mean[i];
                for (int j = 0; j < n; j++) {
                    double k = b[i * n + j];
                    double[] a = alpha[j];
                    for (int q = 0; q < o; q++) {
                        mu[q] += k * a[q];
                    }
                }
            }
            try (Matrix w = Matrix.fromColumnMajor(Precision.FLOAT64, n, n, inverseLower(state.cholesky()));
                 Matrix kx = Matrix.fromColumnMajor(Precision.FLOAT64, n, m, b);
                 Matrix v = Matrix.multiply(w, false, kx, false, 1.0);
                 Matrix g = Matrix.multiply(v, true, v, false, 1.0)) {
                vtv = g.toColumnMajor();
            }
        }
        double[] cov = covariance(prior, mAll, pos, vtv);
        return new PoolPosterior(List.copyOf(ids), o, state.ridge(), classification, mean, cov, new boolean[m], m);
    }

    /**
     * k(X,U) for the state's samples against every candidate of the pool (also removed ones),
     * n x m_all row-major, from one fresh featurization of the state's raw inputs (a network pass
     * over n samples: cheaper than copying the stored features out sample by sample).
     */
    private static double[] labeledCross(KernelState state, Pool pool) {
        FeatureKernel kernel = state.kernel();
        int n = state.size();
        int d = kernel.inputDim();
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(state.x(i), 0, x, i * d, d);
        }
        try (Matrix xm = Matrix.fromColumnMajor(Precision.FLOAT64, d, n, x);
             KernelFeatures features = kernel.featurize(xm)) {
            return kernel.cross(features, pool.features());
        }
    }

    /**
     * k̃ = k(U,U) − VᵀV for the candidates at {@code pos}, row-major and exactly symmetric (the
     * mean of the two rounded triangles of VᵀV), in tiles so that both triangles stay in cache.
     */
    private static double[] covariance(double[] prior, int mAll, int[] pos, double[] vtv) {
        int m = pos.length;
        double[] cov = new double[m * m];
        final int tile = 64;
        for (int i0 = 0; i0 < m; i0 += tile) {
            int i1 = Math.min(m, i0 + tile);
            for (int j0 = 0; j0 <= i0; j0 += tile) {
                int j1 = Math.min(m, j0 + tile);
                for (int i = i0; i < i1; i++) {
                    int priorRow = pos[i] * mAll;
                    int jEnd = Math.min(j1, i + 1);
                    for (int j = j0; j < jEnd; j++) {
                        double k = prior[priorRow + pos[j]];
                        if (vtv != null) {
                            k -= 0.5 * (vtv[j * m + i] + vtv[i * m + j]);
                        }
                        cov[i * m + j] = k;
                        cov[j * m + i] = k;
                    }
                }
            }
        }
        return cov;
    }

    /** L⁻¹ of the factor (lower triangular), column-major n x n, by forward substitution: n³/6 multiply-adds. */
    static double[] inverseLower(IncrementalCholesky cholesky) {
        int n = cholesky.size();
        List<double[]> rows = cholesky.rows();
        double[] w = new double[n * n];
        double[] col = new double[n];
        for (int j = 0; j < n; j++) {
            // L·w = e_j: w_i = 0 for i < j
            col[j] = 1.0 / rows.get(j)[j];
            for (int i = j + 1; i < n; i++) {
                double[] li = rows.get(i);
                double s = 0;
                for (int k = j; k < i; k++) {
                    s += li[k] * col[k];
                }
                col[i] = -s / li[i];
            }
            System.arraycopy(col, j, w, j * n + j, n - j);
        }
        return w;
    }

    /** An independent copy (to observe candidates without changing this one). */
    public PoolPosterior copy() {
        double[][] mu = new double[mean.length][];
        for (int i = 0; i < mu.length; i++) {
            mu[i] = mean[i].clone();
        }
        return new PoolPosterior(ids, outputs, ridge, classification, mu, covariance.clone(), observed.clone(), active);
    }

    // ---------------------------------------------------------------- reading

    /** m, the candidates this posterior was built on (observed ones included). */
    public int size() {
        return ids.size();
    }

    /** Candidate ids; index i of every method is {@code ids().get(i)}. */
    public List<String> ids() {
        return ids;
    }

    public int indexOf(String id) {
        return ids.indexOf(id);
    }

    public int outputs() {
        return outputs;
    }

    /** λ of the labeled set's K + λI, also the noise of a look-ahead label. */
    public double ridge() {
        return ridge;
    }

    public boolean isClassification() {
        return classification;
    }

    /** Not yet {@link #observe observed}: still a candidate, and part of U for aggregations. */
    public boolean isActive(int i) {
        return !observed[i];
    }

    /** Candidates not yet observed. */
    public int activeCount() {
        return active;
    }

    /** μ(u_i), O values (a copy). */
    public double[] mean(int i) {
        return mean[i].clone();
    }

    /** k̃(u_i, u_j). */
    public double covariance(int i, int j) {
        return covariance[i * ids.size() + j];
    }

    /** σ²(u_i) = k̃(u_i, u_i), clamped at 0. */
    public double variance(int i) {
        return Math.max(0.0, covariance[i * ids.size() + i]);
    }

    /** Row i of k̃ (m values, read only: the backing array's row starts at {@code i·m}). */
    double[] covarianceArray() {
        return covariance;
    }

    double[] meanRow(int i) {
        return mean[i];
    }

    /** softmax(μ(u_i)) (classification). */
    public double[] probabilities(int i) {
        return ClassTargets.softmax(mean[i]);
    }

    /** The most likely class of u_i under the current model: argmax μ(u_i) (= argmax of softmax). */
    public int mostLikelyClass(int i) {
        return ClassTargets.argMax(mean[i]);
    }

    /**
     * The most likely target of u_i under the current model: for classification the encoding of
     * its most likely class (one-hot minus 1/O); for regression μ(u_i) itself (so that the
     * look-ahead of a regression candidate changes only the covariance, never the means).
     */
    public double[] mostLikelyTarget(int i) {
        return classification ? ClassTargets.encode(mostLikelyClass(i), outputs) : mean[i].clone();
    }

    // ---------------------------------------------------------------- look-ahead

    /**
     * Δf(u) for every u of the pool (m x O, observed candidates included) if candidate c were
     * labeled with {@code target}: k̃(u,c)·(target − μ(c)) / (k̃(c,c) + λ).
     */
    public double[][] lookahead(int c, double[] target) {
        double[] r = residual(c, target);
        int m = ids.size();
        double scale = 1.0 / (covariance[c * m + c] + ridge);
        double[][] delta = new double[m][outputs];
        for (int u = 0; u < m; u++) {
            double k = covariance[u * m + c] * scale;
            for (int o = 0; o < outputs; o++) {
                delta[u][o] = k * r[o];
            }
        }
        return delta;
    }

    /**
     * Conditions the posterior on candidate c labeled with {@code target}: means += Δf, k̃ ←
     * k̃ − k̃(:,c)k̃(c,:)/(k̃(c,c) + λ); c stops being active. O(m²).
     */
    public void observe(int c, double[] target) {
        if (observed[c]) {
            throw new IllegalArgumentException("candidate " + c + " ('" + ids.get(c) + "') is already observed");
        }
        double[] r = residual(c, target);
        int m = ids.size();
        double[] kc = Arrays.copyOfRange(covariance, c * m, (c + 1) * m);
        double inv = 1.0 / (kc[c] + ridge);
        for (int u = 0; u < m; u++) {
            double k = kc[u] * inv;
            double[] mu = mean[u];
            for (int o = 0; o < outputs; o++) {
                mu[o] += k * r[o];
            }
            int row = u * m;
            double ku = kc[u];
            for (int v = 0; v < m; v++) {
                covariance[row + v] -= ku * kc[v] * inv; // (k̃(u,c)·k̃(v,c))·inv: the same bits at (v,u)
            }
        }
        observed[c] = true;
        active--;
    }

    private double[] residual(int c, double[] target) {
        if (target == null || target.length != outputs) {
            throw new IllegalArgumentException("target: expected " + outputs + " values (O outputs), got "
                    + (target == null ? "null" : target.length));
        }
        double[] r = new double[outputs];
        for (int o = 0; o < outputs; o++) {
            r[o] = target[o] - mean[c][o];
        }
        return r;
    }
}
