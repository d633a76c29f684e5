/**
 * Look-ahead active learning on the NTK regression of {@link io.ntkstream.kernel.KernelState}:
 * which unlabeled sample to label next.
 *
 * <ul>
 *   <li>{@link io.ntkstream.active.Pool}: the unlabeled candidates U, their features, f0(U) and
 *       the prior k(U,U), computed once.</li>
 *   <li>{@link io.ntkstream.active.PoolPosterior}: μ(U) and the joint posterior covariance
 *       k̃(u,c) = k(u,c) − k(u,X)(K+λI)⁻¹k(X,c) given the labeled set X (t = ∞), by GEMMs; the
 *       look-ahead Δf(u) = k̃(u,c)·(y − μ(c)) / (k̃(c,c) + λ) of labeling c with y, and the
 *       rank-one conditioning on it ({@code observe}).</li>
 *   <li>A {@link io.ntkstream.active.QueryStrategy} (modAL's composition) is a
 *       {@link io.ntkstream.active.UtilityMeasure} — one per {@link io.ntkstream.active.AcquisitionKind}:
 *       look-ahead (MLMOC), expected look-ahead, variance, margin, entropy, random — and a
 *       {@link io.ntkstream.active.Selector} (top-k, or greedy batches conditioned on each pick's
 *       most likely label); it returns a {@link io.ntkstream.active.Query}(ids, scores).</li>
 * </ul>
 *
 * <p>Conventions: every score is "higher = label first". Margin sampling scores 1 − (p₁ − p₂)
 * (a small margin between the two most probable classes of softmax(μ) is uncertain); entropy is in
 * nats. The most likely label of a candidate is the arg-max of μ, encoded as a classification
 * target (one-hot minus 1/C, {@link io.ntkstream.kernel.ClassTargets}). Look-ahead, expected,
 * margin and entropy need a classifier; variance and random also work for regression. The
 * look-ahead is exactly the refit's change while the labeled set's Cholesky factor added no
 * jitter (jitter changes K + λI by a few entries the formula does not see).
 *
 * <p>{@link io.ntkstream.active.LabelingSimulation} runs a labeling loop (the {@code al-sim}
 * command); {@link io.ntkstream.active.SyntheticData} makes seeded Gaussian-class data for tests
 * and demos.
 */
package io.ntkstream.active;
