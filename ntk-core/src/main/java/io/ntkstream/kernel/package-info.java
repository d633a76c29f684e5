/**
 * Incremental NTK regression: a task's samples, its Gram matrix, Cholesky factor and regression
 * weights, kept up to date one sample at a time in O(n²), and the predictions of the linearized
 * network fine-tuned on them.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link io.ntkstream.kernel.FeatureKernel}: a scalar kernel k through per-sample features
 *       computed once ({@link io.ntkstream.kernel.EmpiricalNtkKernel}: structured NTK features,
 *       pseudo or trace/O; {@link io.ntkstream.kernel.RbfKernel}: no network), stored in a
 *       {@link io.ntkstream.kernel.FeatureStore}.</li>
 *   <li>{@link io.ntkstream.kernel.IncrementalCholesky}: L with LLᵀ = K + λI (+ reported jitter),
 *       add by forward substitution, remove by a rank-one update, row-wise storage.</li>
 *   <li>{@link io.ntkstream.kernel.KernelState}: samples, Gram rows, Cholesky rows, α; predictions,
 *       leave-one-out residuals, row-wise (de)serialization ({@link io.ntkstream.kernel.SampleRecord}).</li>
 *   <li>{@link io.ntkstream.kernel.NtkRegressor}: the online learner (learnOne / forget /
 *       predictOne), sliding window, classification.</li>
 *   <li>{@link io.ntkstream.kernel.FullNtkKernel} and {@link io.ntkstream.kernel.FullKernelState}:
 *       the same regression with the full NTK (an O x O block per pair, outputs coupled): an
 *       nO x nO Gram, O Cholesky rows appended per sample, per-output variances
 *       ({@link io.ntkstream.kernel.FullGaussian}), block leave-one-out.</li>
 * </ul>
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Multi-output: Θ(x, x') ≈ k(x, x')·I_O — every output is regressed with the same scalar
 *       kernel (pseudo-NTK, or trace(Θ)/O). So K is n x n, Y is n x O, α is n x O, and the
 *       posterior variance is one number per sample shared by the outputs. The full NTK
 *       ({@code FullKernelState}) drops the assumption: K is nO x nO (row i·O + o), α = A⁻¹vec(Y − f0)
 *       has nO values, the flow's rate is still ηt/n (n samples, not nO), and σ² is per output
 *       (the diagonal of each query's O x O posterior covariance; its mean over outputs,
 *       trace/O, equals the scalar σ² when Θ = k ⊗ I_O).</li>
 *   <li>Training: linearized network f_lin(x) = f0(x) + J(x)(θ − θ0), loss
 *       (1/2n)·Σ_i ‖f(x_i) − y_i‖², gradient flow dθ/dt = −η∇L for time t. With R = Y − f0(X):
 *       <ul>
 *         <li>t = ∞: μ(x) = f0(x) + k(x,X)(K + λI)⁻¹R — the ridge (kernel ridge / GP mean) solution.</li>
 *         <li>finite t: μ_t(x) = f0(x) + k(x,X)K⁻¹(I − exp(−ηtK/n))R, from the eigendecomposition of
 *             K; λ does not enter (unregularized flow), so μ_t → f0 + k(x,X)K⁺R as t → ∞, which is
 *             also the λ → 0 limit of μ. t = 0 gives f0.</li>
 *       </ul></li>
 *   <li>Variance: σ²(x) = k(x,x) − k(x,X)(K + λI)⁻¹k(X,x), the GP posterior variance, reported for
 *       any t; clamped at 0 against rounding.</li>
 *   <li>Ridge λ is absolute (kernel units). Jitter: when a new Cholesky pivot² falls below
 *       {@code jitterTolerance·(k(x,x) + λ)} (default 1e-10) it is raised to that floor; the
 *       amount is added to that sample's diagonal, recorded per row and reported. Everything then
 *       refers to A = K + λI + diag(jitter).</li>
 *   <li>Leave-one-out: r_i = y_i − μ_{−i}(x_i) = [A⁻¹R]_i / [A⁻¹]_ii (exact for t = ∞).</li>
 *   <li>Classification with C classes (C = O): class c is the target e_c − 1/C; predictions carry
 *       softmax(μ) and its arg-max.</li>
 *   <li>Storage: row-wise — per sample its id, raw x, target, f0(x), features, Gram row and
 *       Cholesky row (lower triangle, i + 1 values) and jitter. Adding a sample writes one new
 *       row; removing sample i rewrites the rows after i.</li>
 *   <li>All regression math is float64; the network and its features may run in float32.</li>
 * </ul>
 */
package io.ntkstream.kernel;
