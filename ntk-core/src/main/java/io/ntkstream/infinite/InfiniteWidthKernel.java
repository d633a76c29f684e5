package io.ntkstream.infinite;

import java.util.stream.IntStream;

/**
 * Closed-form infinite-width NNGP and NTK of a fully-connected network in NTK parametrization
 * (Jacot et al. 2018; Lee et al. 2019; as in neural-tangents {@code stax.Dense/Relu/Erf}).
 *
 * <p>With {@link InfiniteMlp} layers dense, φ₁, dense, …, φ_{L−1}, dense:
 * <ul>
 *   <li>first dense layer: K¹(x, x') = σ_w²·⟨x, x'⟩/d + σ_b², Θ¹ = K¹;</li>
 *   <li>activation φ_l then dense:
 *       K^{l+1} = σ_w²·E[φ_l(u)φ_l(v)] + σ_b²,
 *       Θ^{l+1} = K^{l+1} + σ_w²·E[φ_l'(u)φ_l'(v)]·Θ^l,
 *       with (u, v) ~ N(0, [[K^l(x,x), K^l(x,x')], [K^l(x,x'), K^l(x',x')]])
 *       (expectations in {@link DualActivation}).</li>
 * </ul>
 * The result is K^L (NNGP) or Θ^L (NTK), the kernel per output: the empirical kernel of a net with
 * O outputs converges to (this) ⊗ I_O as the hidden widths grow.
 *
 * <p>The self-kernels K^l(x, x) are computed once per input. Large problems (≥ {@value #PARALLEL_ROWS}
 * rows) are split over rows with a parallel stream; every entry is computed by the same sequential
 * arithmetic regardless, so results are deterministic and identical to the sequential ones.
 * Thread-safe: no shared mutable state.
 */
public final class InfiniteWidthKernel {

    /** Row count from which rows are processed in parallel. */
    public static final int PARALLEL_ROWS = 256;

    /** Both kernels on the same inputs, each N1×N2. */
    public record Kernels(double[][] nngp, double[][] ntk) {
    }

    private InfiniteWidthKernel() {
    }

    /**
     * The infinite-width kernel between the rows of x1 and x2.
     *
     * @param net  the architecture
     * @param x1   N1 inputs, each of length {@code net.inputDim()}
     * @param x2   N2 inputs, or {@code null} for x2 = x1 (the result is then exactly symmetric)
     * @param kind {@link InfiniteKernelKind#NNGP} or {@link InfiniteKernelKind#NTK}
     * @return an N1×N2 array, entry [i][j] = kernel(x1[i], x2[j]) per output
     * @throws IllegalArgumentException on null arguments, rows of the wrong length or non-finite inputs
     */
    public static double[][] compute(InfiniteMlp net, double[][] x1, double[][] x2, InfiniteKernelKind kind) {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null (NNGP or NTK)");
        }
        Kernels k = run(net, x1, x2, kind == InfiniteKernelKind.NNGP, kind == InfiniteKernelKind.NTK);
        return kind == InfiniteKernelKind.NNGP ? k.nngp() : k.ntk();
    }

    /** Symmetric N×N kernel of x with itself; same as {@code compute(net, x, null, kind)}. */
    public static double[][] compute(InfiniteMlp net, double[][] x, InfiniteKernelKind kind) {
        return compute(net, x, null, kind);
    }

    /**
     * NNGP and NTK together (one pass; the NNGP recursion is shared).
     *
     * @param x2 N2 inputs, or {@code null} for x2 = x1
     */
    public static Kernels computeBoth(InfiniteMlp net, double[][] x1, double[][] x2) {
        return run(net, x1, x2, true, true);
    }

    private static Kernels run(InfiniteMlp net, double[][] x1, double[][] x2, boolean wantNngp, boolean wantNtk) {
        if (net == null) {
            throw new IllegalArgumentException("net must not be null");
        }
        int d = net.inputDim();
        validateInputs(x1, x2, d);
        boolean symmetric = x2 == null;
        double[][] b = symmetric ? x1 : x2;
        int n1 = x1.length;
        int n2 = b.length;

        double sw2 = net.sigmaW() * net.sigmaW();
        double sb2 = net.sigmaB() * net.sigmaB();
        double invD = 1.0 / d;
        Nonlinearity[] acts = net.hiddenActivations().toArray(new Nonlinearity[0]);

        double[][] diag1 = selfKernels(x1, sw2, sb2, invD, acts);
        double[][] diag2 = symmetric ? diag1 : selfKernels(b, sw2, sb2, invD, acts);

        double[][] nngp = wantNngp ? new double[n1][n2] : null;
        double[][] ntk = wantNtk ? new double[n1][n2] : null;
        Pair pair = new Pair(sw2, sb2, acts, invD, wantNtk);

        IntStream rows = IntStream.range(0, n1);
        if (n1 >= PARALLEL_ROWS) {
            rows = rows.parallel();
        }
        rows.forEach(i -> {
            double[] scratch = new double[2];
            double[] res = new double[2];
            double[] xi = x1[i];
            for (int j = symmetric ? i : 0; j < n2; j++) {
                pair.eval(xi, b[j], diag1[i], diag2[j], scratch, res);
                if (nngp != null) {
                    nngp[i][j] = res[0];
                }
                if (ntk != null) {
                    ntk[i][j] = res[1];
                }
                if (symmetric && j != i) {
                    // entry (j, i) is written only by row i's task: no two tasks touch the same cell
                    if (nngp != null) {
                        nngp[j][i] = res[0];
                    }
                    if (ntk != null) {
                        ntk[j][i] = res[1];
                    }
                }
            }
        });
        return new Kernels(nngp, ntk);
    }

    /** diag[i][l] = K^{l+1}(x_i, x_i) for l = 0 … L−1 (only the first L−1 are used). */
    private static double[][] selfKernels(double[][] x, double sw2, double sb2, double invD, Nonlinearity[] acts) {
        int depth = acts.length + 1;
        double[][] diag = new double[x.length][depth];
        double[] scratch = new double[2];
        for (int i = 0; i < x.length; i++) {
            double k = sw2 * dot(x[i], x[i]) * invD + sb2;
            diag[i][0] = k;
            for (int l = 0; l < acts.length; l++) {
                DualActivation.expectations(acts[l], k, k, k, false, scratch);
                k = sw2 * scratch[0] + sb2;
                diag[i][l + 1] = k;
            }
        }
        return diag;
    }

    /** The per-pair recursion; immutable, shared by all row tasks. */
    private record Pair(double sw2, double sb2, Nonlinearity[] acts, double invD, boolean withNtk) {
        /** res[0] = K^L(x, y), res[1] = Θ^L(x, y) (if withNtk). */
        void eval(double[] x, double[] y, double[] dx, double[] dy, double[] scratch, double[] res) {
            double k = sw2 * dot(x, y) * invD + sb2;
            double theta = k;
            for (int l = 0; l < acts.length; l++) {
                DualActivation.expectations(acts[l], dx[l], k, dy[l], withNtk, scratch);
                double next = sw2 * scratch[0] + sb2;
                if (withNtk) {
                    theta = next + sw2 * scratch[1] * theta;
                }
                k = next;
            }
            res[0] = k;
            res[1] = theta;
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0.0;
        for (int t = 0; t < a.length; t++) {
            s += a[t] * b[t];
        }
        return s;
    }

    /**
     * x1 and, unless null (the symmetric case), x2: non-null rows of length d, every value finite
     * (IllegalArgumentException naming the first offending row or entry otherwise).
     */
    static void validateInputs(double[][] x1, double[][] x2, int d) {
        validateInputs("x1", x1, d);
        if (x2 != null) {
            validateInputs("x2", x2, d);
        }
    }

    private static void validateInputs(String name, double[][] x, int d) {
        if (x == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        for (int i = 0; i < x.length; i++) {
            double[] row = x[i];
            if (row == null) {
                throw new IllegalArgumentException(name + " row " + i + " is null");
            }
            if (row.length != d) {
                throw new IllegalArgumentException(name + " row " + i + " has length " + row.length
                        + ", expected inputDim = " + d);
            }
            for (int t = 0; t < d; t++) {
                if (!Double.isFinite(row[t])) {
                    throw new IllegalArgumentException(name + "[" + i + "][" + t + "] is " + row[t]
                            + "; inputs must be finite");
                }
            }
        }
    }
}
