package io.ntkstream.infinite;

/**
 * A closed-form infinite-width kernel of one architecture, ready to evaluate on inputs: the MLP
 * recursion ({@link InfiniteWidthKernel} on an {@link InfiniteMlp}) or the convolutional one
 * ({@link InfiniteConvNet}). Built by {@link InfiniteNetworks#kernel}.
 */
public interface InfiniteKernel {

    /** Numbers per input (the architecture's {@code input_dim}, C·H·W for images, C order). */
    int inputDim();

    /**
     * NNGP and NTK between the rows of x1 and x2, each N1×N2, per output.
     *
     * @param x2 N2 inputs, or {@code null} for x2 = x1 (the results are then exactly symmetric)
     */
    InfiniteWidthKernel.Kernels computeBoth(double[][] x1, double[][] x2);

    /** One of the two kernels (N1×N2); x2 may be {@code null} for x2 = x1. */
    double[][] compute(double[][] x1, double[][] x2, InfiniteKernelKind kind);
}
