package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;

/**
 * A scalar kernel k(x, x') between samples given as batches ({@code Matrix input_dim x n}, one
 * column per sample), evaluated through per-sample features computed once: the multi-output
 * kernel is taken to be k ⊗ I_O (every output shares k), as for the pseudo-NTK or the trace NTK
 * divided by O. Also gives the network's outputs f0(x), the starting point of linearized
 * fine-tuning (zeros for kernels that are not a network's).
 */
public interface FeatureKernel {

    /** Features per input sample (rows of x). */
    int inputDim();

    /** What an input must be, for messages: "input_dim = 4 values", or with the sample shape a network reads. */
    default String inputDescription() {
        return "input_dim = " + inputDim() + " values";
    }

    /** Outputs O per sample (targets have O values). */
    int outputs();

    /** The features of every column of {@code x} (input_dim x n). */
    KernelFeatures featurize(Matrix x);

    /** k(a_i, b_j) for all pairs, row-major {@code a.size() x b.size()}, float64. */
    double[] cross(KernelFeatures a, KernelFeatures b);

    /** k(a_i, a_i), {@code a.size()} values. */
    double[] selfDiagonal(KernelFeatures a);

    /** Network outputs f0(x): a new float64 matrix O x n (zeros for non-network kernels). The caller closes it. */
    Matrix f0(Matrix x);

    /**
     * f0 of the samples {@code features} were computed from ({@code x}, the batch given to
     * {@link #featurize}), column-major O x n (sample i at i·O), the same values as {@link #f0(Matrix)}.
     * By default {@link #f0(Matrix)}; a network kernel takes them from the forward pass its features
     * already ran (no second pass).
     */
    default double[] f0(KernelFeatures features, Matrix x) {
        try (Matrix f = f0(x)) {
            return f.toColumnMajor();
        }
    }

    /**
     * Checks inputs (input_dim x n) beyond their dimension, cheaply, without featurizing them (a
     * network's token ids, say); throws IllegalArgumentException with the reason. Default: nothing to check.
     */
    default void checkInput(Matrix x) {
    }

    /** An empty store for this kernel's features. */
    FeatureStore newStore();

    /**
     * Identifies the kernel (kind, settings, and for a network its architecture and a fingerprint
     * of its parameters): serialized state restores only into a kernel with the same description.
     */
    String description();
}
