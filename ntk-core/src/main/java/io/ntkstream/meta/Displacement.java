package io.ntkstream.meta;

import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.KernelState;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Network;

/**
 * The parameter displacement of a task's linearized fine-tune, Δθ = J(X)ᵀC = Σ_i J(x_i)ᵀc_i,
 * by one VJP of the network with the coefficients as cotangent (c_i, the O coefficients of
 * sample i, is the cotangent of f(x_i)). C are the coefficients of μ(x) = f0(x) + k(x,X)·C:
 * α = (K + λI)⁻¹(Y − f0(X)) at t = ∞, K⁻¹(I − exp(−ηtK/n))(Y − f0(X)) at finite t.
 *
 * <p>Which Δθ corresponds to which kernel (J = ∂f/∂θ at θ0, O x P per sample):
 * <ul>
 *   <li><b>Full NTK</b> Θ = J Jᵀ (nO x nO), C = (Θ + λI)⁻¹·vec(Y − f0): Δθ = J(X)ᵀC is the
 *       minimum-norm minimizer of ‖Y − f0(X) − J(X)Δθ‖² + λ‖Δθ‖², and at finite t exactly
 *       θ(t) − θ0 of gradient flow on the linearized network (θ moves in the row space of J(X)).
 *       So f0(x) + J(x)Δθ = f0(x) + Θ(x,X)C = μ(x): exact.</li>
 *   <li><b>trace/O</b> k = tr Θ/O, scalar K (n x n), C (n x O) with (K + λI)C = Y − f0: the same
 *       Δθ = J(X)ᵀC (cotangent C itself, no rescaling) gives f0(x) + J(x)Δθ = f0(x) + Σ_i Θ(x,x_i)c_i.
 *       It equals μ(x) = f0(x) + Σ_i k(x,x_i)c_i whenever Θ = k ⊗ I_O — the assumption under which
 *       one scalar kernel serves O outputs, and the wide-network limit — and exactly for O = 1
 *       (trace/O = Θ). The 1/O normalization is what makes it consistent: tr(k ⊗ I_O)/O = k, while
 *       the plain trace O·k would shrink C, hence Δθ, about O-fold against the network's own J.</li>
 *   <li><b>pseudo</b> k = g(x)·g(x'), g = J(x)ᵀ1/√O (the NTK of s(x) = Σ_o f_o(x)/√O): exact
 *       per output only, Δθ_o = Σ_i g(x_i)c_io ({@link #pseudoPerOutput}) with
 *       μ_o(x) = f0_o(x) + g(x)·Δθ_o. One Δθ = J(X)ᵀC for all outputs is right when
 *       Θ ≈ k ⊗ I_O (Mohamadi & Sutherland), and exact for O = 1.</li>
 * </ul>
 * For O = 1 all three kernels coincide and f0(x) + J(x)Δθ = μ(x) exactly — the identity that
 * makes a Reptile step θ0 + ε·Δθ move the network towards its fine-tuned linearization.
 */
public final class Displacement {
    private Displacement() {}

    /**
     * Δθ = J(X)ᵀC for inputs x (input_dim x n) and coefficients C (n x O): P values in the
     * layout of {@link io.ntkstream.network.Networks#flatten}.
     */
    public static double[] of(Network network, Matrix x, double[][] coefficients) {
        int n = x.cols();
        int outputs = network.outputDim();
        if (coefficients.length != n) {
            throw new IllegalArgumentException("coefficients: expected " + n + " rows (one per sample of x), got "
                    + coefficients.length);
        }
        double[] c = new double[n * outputs]; // O x n column-major: sample i's cotangent at i·O
        for (int i = 0; i < n; i++) {
            if (coefficients[i].length != outputs) {
                throw new IllegalArgumentException("coefficients: row " + i + " has " + coefficients[i].length
                        + " values, expected O = " + outputs);
            }
            System.arraycopy(coefficients[i], 0, c, i * outputs, outputs);
        }
        try (Matrix cotangent = Matrix.fromColumnMajor(network.precision(), outputs, n, c);
             Matrix grad = network.vjp(x, cotangent)) {
            return grad.toColumnMajor();
        }
    }

    /**
     * The displacement of a task's fine-tune under {@code hp}: coefficients from the state (α when
     * hp is its own t = ∞ ridge, so jitter included) or from its spectrum, Δθ = J(X)ᵀC. The
     * state's kernel must be an {@link EmpiricalNtkKernel}; see the class comment for what Δθ
     * means for its mode.
     */
    public static double[] of(KernelState task, HyperParameters hp) {
        Network network = networkOf(task);
        if (task.size() == 0) {
            return new double[network.paramCount()];
        }
        double[][] coefficients = hp.isRidge() && hp.ridge() == task.ridge() ? task.alpha()
                : TaskSpectrum.of(task).coefficients(hp);
        try (Matrix x = inputs(task)) {
            return of(network, x, coefficients);
        }
    }

    /**
     * The exact per-output displacements of a pseudo-NTK regression: Δθ_o = Σ_i g(x_i)·c_io with
     * g(x) = J(x)ᵀ1/√O, one VJP per output (cotangent c_io/√O on every output of sample i).
     * Returns O vectors of P values; μ_o(x) = f0_o(x) + (1/√O)·Σ_o' [J(x)Δθ_o]_o'.
     */
    public static double[][] pseudoPerOutput(Network network, Matrix x, double[][] coefficients) {
        int outputs = network.outputDim();
        int n = x.cols();
        if (coefficients.length != n) {
            throw new IllegalArgumentException("coefficients: expected " + n + " rows (one per sample of x), got "
                    + coefficients.length);
        }
        double scale = 1.0 / Math.sqrt(outputs);
        double[][] out = new double[outputs][];
        for (int o = 0; o < outputs; o++) {
            double[][] spread = new double[n][outputs];
            for (int i = 0; i < n; i++) {
                java.util.Arrays.fill(spread[i], coefficients[i][o] * scale);
            }
            out[o] = of(network, x, spread);
        }
        return out;
    }

    static Network networkOf(KernelState task) {
        if (task.kernel() instanceof EmpiricalNtkKernel k) {
            return k.network();
        }
        throw new IllegalArgumentException("task: a parameter displacement needs an empirical NTK kernel (trace or "
                + "pseudo), got " + task.kernel().description());
    }

    /** The task's raw inputs, input_dim x n, float64 (the caller closes it). */
    static Matrix inputs(KernelState task) {
        int d = task.kernel().inputDim();
        int n = task.size();
        double[] x = new double[d * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(task.x(i), 0, x, i * d, d);
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, d, n, x);
    }
}
