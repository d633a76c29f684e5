package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.Network;

/**
 * One way to compute the empirical NTK. Evaluation is split in two so a sample's work can be
 * reused: {@link #prepare} does the per-sample passes for a block of inputs once, then
 * {@link #accumulate} adds the kernel between two prepared blocks.
 */
interface NtkAlgorithm {

    NtkMethod method();

    /** Per-block work for inputs {@code x} (input_dim x b). */
    Prepared prepare(Network network, NtkMode mode, Matrix x);

    /** Adds Θ(block1, block2) in the mode's layout to {@code target} (b1 x b2 pairs). */
    void accumulate(Prepared block1, Prepared block2, KernelBlock target);

    /** Bytes of working memory for a b1 x b2 block (prepared blocks and temporaries, not the output). */
    long blockBytes(NetworkShape shape, NtkMode mode, int b1, int b2);

    /**
     * The part of {@link #blockBytes} one prepared block of b samples holds: a symmetric kernel
     * computed as one block prepares its samples once, not twice.
     */
    long preparedBytes(NetworkShape shape, NtkMode mode, int b);

    /** Working memory of the kernel's blocks: b1 x b2, or Θ(x, x) in one block when {@code wholeSymmetric}. */
    default long workingBytes(NetworkShape shape, NtkMode mode, int b1, int b2, boolean wholeSymmetric) {
        long bytes = blockBytes(shape, mode, b1, b2);
        return wholeSymmetric ? bytes - preparedBytes(shape, mode, b1) : bytes;
    }

    /** Floating-point operations for the whole N1 x N2 kernel (the cost model of {@link CostModel}). */
    double flops(NetworkShape shape, NtkMode mode, long n1, long n2, boolean symmetric);

    /** What {@link #prepare} returns: algorithm-specific per-block data. */
    interface Prepared extends AutoCloseable {
        int samples();

        /** Frees the native memory the block holds. */
        @Override
        void close();
    }
}
