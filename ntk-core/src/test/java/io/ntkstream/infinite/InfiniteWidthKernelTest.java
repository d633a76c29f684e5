package io.ntkstream.infinite;

import static io.ntkstream.infinite.InfiniteKernelKind.NNGP;
import static io.ntkstream.infinite.InfiniteKernelKind.NTK;
import static io.ntkstream.infinite.Nonlinearity.ERF;
import static io.ntkstream.infinite.Nonlinearity.IDENTITY;
import static io.ntkstream.infinite.Nonlinearity.RELU;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

class InfiniteWidthKernelTest {

    private static double[][] randomInputs(int n, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int t = 0; t < d; t++) {
                row[t] = rng.nextGaussian();
            }
        }
        return x;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int t = 0; t < a.length; t++) {
            s += a[t] * b[t];
        }
        return s;
    }

    // ---------------------------------------------------------------- values by hand

    /** ReLU, one hidden layer, σ_w = 1, σ_b = 0, |x|² = d: K¹ = 1; θ = 0 so K² = 1/(2π)·π = 1/2;
     *  E[step²] = 1/2, Θ² = K² + 1·(1/2)·Θ¹ = 1/2 + 1/2 = 1. */
    @Test
    void reluOneHiddenLayerKnownValue() {
        InfiniteMlp net = InfiniteMlp.of(4, 1.0, 0.0, RELU);
        double[][] x = {{1, -1, 1, -1}};
        assertThat(InfiniteWidthKernel.compute(net, x, NNGP)[0][0]).isCloseTo(0.5, within(1e-15));
        assertThat(InfiniteWidthKernel.compute(net, x, NTK)[0][0]).isCloseTo(1.0, within(1e-15));
    }

    /** ReLU, orthogonal inputs of norm² d: K¹(x,x') = 0, c = 0, K² = 1/(2π), Θ² = K² + (1/4)·0. */
    @Test
    void reluOrthogonalInputsKnownValue() {
        InfiniteMlp net = InfiniteMlp.of(2, 1.0, 0.0, RELU);
        double[][] x1 = {{1, 1}};
        double[][] x2 = {{1, -1}};
        assertThat(InfiniteWidthKernel.compute(net, x1, x2, NNGP)[0][0]).isCloseTo(1 / (2 * Math.PI), within(1e-15));
        assertThat(InfiniteWidthKernel.compute(net, x1, x2, NTK)[0][0]).isCloseTo(1 / (2 * Math.PI), within(1e-15));
    }

    /** Erf, one hidden layer, σ_w = 1, σ_b = 0, |x|² = d/2: K¹ = 1/2, K² = (2/π)·arcsin(1/2) = 1/3,
     *  E[erf'²] = (4/π)/√(2·2 − 1), Θ² = 1/3 + (4/(π√3))·(1/2). */
    @Test
    void erfOneHiddenLayerKnownValue() {
        InfiniteMlp net = InfiniteMlp.of(2, 1.0, 0.0, ERF);
        double[][] x = {{1, 0}};
        assertThat(InfiniteWidthKernel.compute(net, x, NNGP)[0][0]).isCloseTo(1.0 / 3.0, within(1e-15));
        assertThat(InfiniteWidthKernel.compute(net, x, NTK)[0][0])
                .isCloseTo(1.0 / 3.0 + 2.0 / (Math.PI * Math.sqrt(3.0)), within(1e-15));
    }

    // ---------------------------------------------------------------- deep linear network

    /**
     * Deep linear net with L dense layers, a = σ_w², β = σ_b², s = ⟨x,x'⟩/d. Each dense layer maps
     * the input covariance ρ to aρ + β, so K^l = a^l·s + β·Σ_{j<l} a^j. For the NTK: the weights of
     * layer l contribute (σ_w²/n)⟨a^{l−1}(x), a^{l−1}(x')⟩ → a·ρ_{l−1} and its biases β, both times
     * the backward factor a^{L−l} (L−l identity layers above, each E[|Wᵀδ|²]σ_w²/n = a|δ|²); with
     * ρ_{l−1} = K^{l−1} (ρ_0 = s): Θ = Σ_{l=1..L} a^{L−l}·(a·ρ_{l−1} + β)
     *                              = L·a^L·s + β·Σ_{l=1..L} Σ_{j=0..l−1} a^{L−l+j}.
     */
    private static double[] linearReference(double sigmaW, double sigmaB, int depth, double s) {
        double a = sigmaW * sigmaW;
        double beta = sigmaB * sigmaB;
        double nngp = Math.pow(a, depth) * s;
        for (int j = 0; j < depth; j++) {
            nngp += beta * Math.pow(a, j);
        }
        double ntk = depth * Math.pow(a, depth) * s;
        for (int l = 1; l <= depth; l++) {
            for (int j = 0; j <= l - 1; j++) {
                ntk += beta * Math.pow(a, depth - l + j);
            }
        }
        return new double[] {nngp, ntk};
    }

    @Test
    void deepLinearNetworkMatchesClosedForm() {
        double[][] x1 = randomInputs(5, 3, 11);
        double[][] x2 = randomInputs(4, 3, 12);
        double[][] params = {{1.0, 0.0}, {1.0, 0.7}, {1.3, 0.2}, {0.8, 1.1}, {2.0, 0.0}};
        for (double[] p : params) {
            for (int depth = 1; depth <= 5; depth++) {
                Nonlinearity[] acts = new Nonlinearity[depth - 1];
                Arrays.fill(acts, IDENTITY);
                InfiniteMlp net = InfiniteMlp.of(3, p[0], p[1], acts);
                InfiniteWidthKernel.Kernels k = InfiniteWidthKernel.computeBoth(net, x1, x2);
                for (int i = 0; i < x1.length; i++) {
                    for (int j = 0; j < x2.length; j++) {
                        double[] ref = linearReference(p[0], p[1], depth, dot(x1[i], x2[j]) / 3.0);
                        double tol = 1e-12 * (1 + Math.abs(ref[1]));
                        assertThat(k.nngp()[i][j]).as("nngp σ=%s L=%d", Arrays.toString(p), depth)
                                .isCloseTo(ref[0], within(tol));
                        assertThat(k.ntk()[i][j]).as("ntk σ=%s L=%d", Arrays.toString(p), depth)
                                .isCloseTo(ref[1], within(tol));
                    }
                }
            }
        }
    }

    /** σ_w = 1 special case in closed form: K^L = s + Lβ, Θ^L = L·s + β·L(L+1)/2. */
    @Test
    void deepLinearUnitGainSpecialCase() {
        double[][] x = {{0.5, -2.0}, {1.5, 0.25}};
        double s = dot(x[0], x[1]) / 2.0;
        double beta = 0.09;
        InfiniteMlp net = InfiniteMlp.of(2, 1.0, 0.3, IDENTITY, IDENTITY, IDENTITY);
        assertThat(InfiniteWidthKernel.compute(net, x, NNGP)[0][1]).isCloseTo(s + 4 * beta, within(1e-14));
        assertThat(InfiniteWidthKernel.compute(net, x, NTK)[0][1]).isCloseTo(4 * s + beta * 10, within(1e-14));
    }

    // ---------------------------------------------------------------- Monte Carlo, layer by layer

    /**
     * Each layer step of a mixed deep net against Monte Carlo: with K^l and Θ^l from the prefix net
     * (first l dense layers), draw (u, v) ~ N(0, K^l(x,x') 2×2) and compare
     * mean(σ_w²φ(u)φ(v) + σ_b²) with K^{l+1}, and K^{l+1} + σ_w²·mean(φ'(u)φ'(v))·Θ^l with Θ^{l+1},
     * from the prefix with one more layer; also the diagonal (u alone). Tolerance: 5 standard errors
     * of the sample mean (plus 1e-12), fixed seed.
     */
    @Test
    void eachLayerMatchesMonteCarlo() {
        List<Nonlinearity> acts = List.of(RELU, ERF, IDENTITY, RELU, ERF, RELU);
        double sigmaW = 1.4;
        double sigmaB = 0.3;
        double sw2 = sigmaW * sigmaW;
        double sb2 = sigmaB * sigmaB;
        double[][] x = {{0.3, -1.2, 0.8, 0.1, 2.0}, {-0.5, -0.9, 1.1, 0.0, 1.0}};
        int samples = 400_000;
        SplittableRandom rng = new SplittableRandom(20240611L);
        for (int l = 0; l < acts.size(); l++) {
            Nonlinearity phi = acts.get(l);
            InfiniteMlp before = new InfiniteMlp(5, sigmaW, sigmaB, acts.subList(0, l));
            InfiniteMlp after = new InfiniteMlp(5, sigmaW, sigmaB, acts.subList(0, l + 1));
            InfiniteWidthKernel.Kernels kb = InfiniteWidthKernel.computeBoth(before, x, null);
            InfiniteWidthKernel.Kernels ka = InfiniteWidthKernel.computeBoth(after, x, null);
            double k11 = kb.nngp()[0][0], k12 = kb.nngp()[0][1], k22 = kb.nngp()[1][1];
            double[] ch = GaussianQuadrature.cholesky(k11, k12, k22);

            Moments ff = new Moments(), dd = new Moments(), ff11 = new Moments(), dd11 = new Moments();
            for (int s = 0; s < samples; s++) {
                double z1 = rng.nextGaussian(), z2 = rng.nextGaussian();
                double u = ch[0] * z1;
                double v = ch[1] * z1 + ch[2] * z2;
                ff.add(apply(phi, u) * apply(phi, v));
                dd.add(deriv(phi, u) * deriv(phi, v));
                ff11.add(apply(phi, u) * apply(phi, u));
                dd11.add(deriv(phi, u) * deriv(phi, u));
            }
            String at = "layer " + (l + 1) + " -> " + (l + 2) + " (" + phi + ")";
            assertClose(at + " K12", ka.nngp()[0][1], sw2 * ff.mean() + sb2, 5 * sw2 * ff.stdErr());
            assertClose(at + " K11", ka.nngp()[0][0], sw2 * ff11.mean() + sb2, 5 * sw2 * ff11.stdErr());
            double kNext12 = ka.nngp()[0][1];
            double kNext11 = ka.nngp()[0][0];
            assertClose(at + " Θ12", ka.ntk()[0][1], kNext12 + sw2 * dd.mean() * kb.ntk()[0][1],
                    5 * sw2 * dd.stdErr() * Math.abs(kb.ntk()[0][1]));
            assertClose(at + " Θ11", ka.ntk()[0][0], kNext11 + sw2 * dd11.mean() * kb.ntk()[0][0],
                    5 * sw2 * dd11.stdErr() * Math.abs(kb.ntk()[0][0]));
        }
    }

    private static void assertClose(String what, double actual, double expected, double tol) {
        assertThat(actual).as(what).isCloseTo(expected, within(tol + 1e-12));
    }

    private static double apply(Nonlinearity f, double t) {
        return switch (f) {
            case RELU -> Math.max(0.0, t);
            case ERF -> Erf.erf(t);
            case IDENTITY -> t;
        };
    }

    private static double deriv(Nonlinearity f, double t) {
        return switch (f) {
            case RELU -> t > 0 ? 1.0 : 0.0;
            case ERF -> 2.0 / Math.sqrt(Math.PI) * Math.exp(-t * t);
            case IDENTITY -> 1.0;
        };
    }

    /** Running mean and standard error of the mean (Welford). */
    private static final class Moments {
        private long n;
        private double mean;
        private double m2;

        void add(double v) {
            n++;
            double delta = v - mean;
            mean += delta / n;
            m2 += delta * (v - mean);
        }

        double mean() {
            return mean;
        }

        double stdErr() {
            return Math.sqrt(m2 / (n - 1) / n);
        }
    }

    // ---------------------------------------------------------------- finite networks, explicit gradients

    /**
     * One hidden layer of finite width n in NTK parametrization:
     * h_i(x) = (σ_w/√d)·w_i·x + σ_b·b_i, f(x) = (σ_w/√n)·Σ_i v_i φ(h_i(x)) + σ_b·c.
     * The pre-activations h_i are exactly Gaussian, so E[f(x)f(x')] and the expected empirical NTK
     * E[⟨∇f(x), ∇f(x')⟩] (over w, b, v, c) equal the infinite-width values at every width. The
     * gradient vectors are built explicitly (all n·(d+2)+1 parameters) and their inner products
     * averaged over independently drawn networks; tolerance 5 standard errors.
     */
    @Test
    void oneHiddenLayerFiniteNetworksAverageToTheLimit() {
        int d = 3;
        double[][] x = {{0.4, -1.0, 0.7}, {1.2, 0.3, -0.2}};
        for (Nonlinearity phi : List.of(RELU, ERF)) {
            double sigmaW = 1.2, sigmaB = 0.5;
            InfiniteMlp net = InfiniteMlp.of(d, sigmaW, sigmaB, phi);
            InfiniteWidthKernel.Kernels exact = InfiniteWidthKernel.computeBoth(net, x, null);

            SplittableRandom rng = new SplittableRandom(7 + phi.ordinal());
            int width = 256;
            int ntkNets = 4000;
            int nngpNets = 20_000;
            Moments[][] ntk = new Moments[2][2];
            Moments[][] nngp = new Moments[2][2];
            for (int p = 0; p < 2; p++) {
                for (int q = 0; q < 2; q++) {
                    ntk[p][q] = new Moments();
                    nngp[p][q] = new Moments();
                }
            }
            for (int s = 0; s < Math.max(ntkNets, nngpNets); s++) {
                int n = s < ntkNets ? width : 8; // many cheap narrow nets for the noisy f·f estimate
                double[][] w = new double[n][d];
                double[] b = new double[n];
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    for (int t = 0; t < d; t++) {
                        w[i][t] = rng.nextGaussian();
                    }
                    b[i] = rng.nextGaussian();
                    v[i] = rng.nextGaussian();
                }
                double c = rng.nextGaussian();
                double[][] grads = new double[2][];
                double[] f = new double[2];
                for (int p = 0; p < 2; p++) {
                    double[] g = new double[n * (d + 2) + 1];
                    double out = sigmaB * c;
                    int k = 0;
                    for (int i = 0; i < n; i++) {
                        double h = sigmaW / Math.sqrt(d) * dot(w[i], x[p]) + sigmaB * b[i];
                        double back = sigmaW / Math.sqrt(n) * v[i] * deriv(phi, h);
                        for (int t = 0; t < d; t++) {
                            g[k++] = back * sigmaW / Math.sqrt(d) * x[p][t]; // ∂f/∂w_it
                        }
                        g[k++] = back * sigmaB;                               // ∂f/∂b_i
                        g[k++] = sigmaW / Math.sqrt(n) * apply(phi, h);       // ∂f/∂v_i
                        out += sigmaW / Math.sqrt(n) * v[i] * apply(phi, h);
                    }
                    g[k] = sigmaB;                                            // ∂f/∂c
                    grads[p] = g;
                    f[p] = out;
                }
                for (int p = 0; p < 2; p++) {
                    for (int q = 0; q < 2; q++) {
                        if (s < ntkNets) {
                            ntk[p][q].add(dot(grads[p], grads[q]));
                        }
                        if (s < nngpNets) {
                            nngp[p][q].add(f[p] * f[q]);
                        }
                    }
                }
            }
            for (int p = 0; p < 2; p++) {
                for (int q = 0; q < 2; q++) {
                    assertClose(phi + " NTK[" + p + "][" + q + "]", exact.ntk()[p][q],
                            ntk[p][q].mean(), 5 * ntk[p][q].stdErr());
                    assertClose(phi + " NNGP[" + p + "][" + q + "]", exact.nngp()[p][q],
                            nngp[p][q].mean(), 5 * nngp[p][q].stdErr());
                }
            }
        }
    }

    // ---------------------------------------------------------------- structure

    private static final List<InfiniteMlp> NETS = List.of(
            InfiniteMlp.of(6, 1.0, 0.0, RELU),
            InfiniteMlp.of(6, 1.5, 0.1, RELU, RELU, RELU, RELU),
            InfiniteMlp.of(6, 1.2, 0.4, ERF, ERF, ERF),
            InfiniteMlp.of(6, 0.9, 0.0, IDENTITY, IDENTITY),
            InfiniteMlp.of(6, 1.3, 0.2, RELU, ERF, IDENTITY, RELU),
            InfiniteMlp.of(6, 2.0, 1.0));

    @Test
    void symmetricAndPositiveSemidefinite() {
        double[][] x = randomInputs(40, 6, 3);
        x[7] = x[3].clone();                     // duplicate row: singular kernel
        x[9] = new double[6];                    // zero input
        for (int t = 0; t < 6; t++) {
            x[11][t] = -x[5][t];                 // antipodal pair
            x[12][t] = 1e-6 * x[1][t];           // tiny input
        }
        for (InfiniteMlp net : NETS) {
            InfiniteWidthKernel.Kernels k = InfiniteWidthKernel.computeBoth(net, x, null);
            for (double[][] m : new double[][][] {k.nngp(), k.ntk()}) {
                for (int i = 0; i < m.length; i++) {
                    for (int j = 0; j < m.length; j++) {
                        assertThat(m[i][j]).isFinite().isEqualTo(m[j][i]);
                    }
                }
                double[] eig = new EigenDecomposition(new Array2DRowRealMatrix(m)).getRealEigenvalues();
                double max = Arrays.stream(eig).max().orElseThrow();
                double min = Arrays.stream(eig).min().orElseThrow();
                assertThat(max).as("%s", net).isPositive();
                assertThat(min).as("%s", net).isGreaterThanOrEqualTo(-1e-10 * max);
            }
        }
    }

    @Test
    void nullX2EqualsX2SameAsX1AndBothMatchesSingleKinds() {
        double[][] x = randomInputs(9, 6, 4);
        for (InfiniteMlp net : NETS) {
            InfiniteWidthKernel.Kernels both = InfiniteWidthKernel.computeBoth(net, x, null);
            assertThat(InfiniteWidthKernel.compute(net, x, x, NNGP)).isDeepEqualTo(both.nngp());
            assertThat(InfiniteWidthKernel.compute(net, x, x, NTK)).isDeepEqualTo(both.ntk());
            assertThat(InfiniteWidthKernel.compute(net, x, null, NNGP)).isDeepEqualTo(both.nngp());
            assertThat(InfiniteWidthKernel.compute(net, x, NTK)).isDeepEqualTo(both.ntk());
        }
    }

    @Test
    void rectangularShapesAndEmptyInputs() {
        InfiniteMlp net = InfiniteMlp.of(6, 1.1, 0.2, RELU, ERF);
        double[][] x1 = randomInputs(3, 6, 5);
        double[][] x2 = randomInputs(5, 6, 6);
        double[][] k = InfiniteWidthKernel.compute(net, x1, x2, NTK);
        assertThat(k.length).isEqualTo(3);
        assertThat(k[0]).hasSize(5);
        double[][] kt = InfiniteWidthKernel.compute(net, x2, x1, NTK);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                assertThat(k[i][j]).isEqualTo(kt[j][i]);
            }
        }
        assertThat(InfiniteWidthKernel.compute(net, new double[0][], x2, NNGP)).isEmpty();
        assertThat(InfiniteWidthKernel.compute(net, x1, new double[0][], NNGP)).hasDimensions(3, 0);
        assertThat(InfiniteWidthKernel.compute(net, new double[0][], null, NTK)).isEmpty();
    }

    /** ≥ 256 rows run in parallel; every entry must equal the one computed alone, and reruns agree. */
    @Test
    void parallelPathIsDeterministicAndMatchesSequential() {
        InfiniteMlp net = InfiniteMlp.of(4, 1.3, 0.2, RELU, ERF, RELU);
        double[][] x = randomInputs(300, 4, 8);
        double[][] x2 = randomInputs(7, 4, 9);
        InfiniteWidthKernel.Kernels sym = InfiniteWidthKernel.computeBoth(net, x, null);
        InfiniteWidthKernel.Kernels again = InfiniteWidthKernel.computeBoth(net, x, null);
        assertThat(again.nngp()).isDeepEqualTo(sym.nngp());
        assertThat(again.ntk()).isDeepEqualTo(sym.ntk());
        double[][] rect = InfiniteWidthKernel.compute(net, x, x2, NTK);
        for (int i = 0; i < x.length; i += 13) {
            InfiniteWidthKernel.Kernels row = InfiniteWidthKernel.computeBoth(net, new double[][] {x[i]}, x);
            assertThat(row.nngp()[0]).containsExactly(sym.nngp()[i]);
            assertThat(row.ntk()[0]).containsExactly(sym.ntk()[i]);
            assertThat(InfiniteWidthKernel.compute(net, new double[][] {x[i]}, x2, NTK)[0]).containsExactly(rect[i]);
        }
    }

    /** The kernels depend on x only through ⟨x,x'⟩/d, so scaling d with repeated coordinates is a no-op. */
    @Test
    void inputDimensionNormalization() {
        double[][] x = {{0.3, -1.0}, {2.0, 0.5}};
        double[][] xx = {{0.3, -1.0, 0.3, -1.0}, {2.0, 0.5, 2.0, 0.5}};
        double[][] a = InfiniteWidthKernel.compute(InfiniteMlp.of(2, 1.1, 0.3, RELU, ERF), x, NTK);
        double[][] b = InfiniteWidthKernel.compute(InfiniteMlp.of(4, 1.1, 0.3, RELU, ERF), xx, NTK);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertThat(b[i][j]).isCloseTo(a[i][j], within(1e-14));
            }
        }
    }

}
