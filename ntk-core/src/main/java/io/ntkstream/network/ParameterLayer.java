package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.List;

/**
 * A layer with trainable parameters. Its parameters occupy {@link #paramCount()} entries of the
 * network's flat parameter vector from {@link #paramOffset()} on (weights, then bias), and
 * correspond to the PyTorch tensors {@code "{module}.weight"} and {@code "{module}.bias"}.
 */
public sealed interface ParameterLayer extends Layer permits DenseLayer, ConvLayer, NormLayer, PositionwiseDenseLayer,
        EmbeddingLayer, PositionalEmbeddingLayer {

    /**
     * The PyTorch module path: the position in the architecture's {@code layers} list ({@code "3"}),
     * inside a residual block {@code "2.layers.0"} or {@code "2.shortcut.0"}; an attention layer's
     * projections are {@code "3"} (tensors {@code "3.in_proj_weight"}, {@code "3.in_proj_bias"}) and
     * {@code "3.out_proj"}.
     */
    String module();

    int paramOffset();

    boolean hasBias();

    /**
     * The parameter gradient of each cotangent column (column c belongs to sample c / group),
     * written as columns of {@code target} (P_total rows) from {@code targetColumn} on.
     */
    void parameterCotangents(Matrix input, Matrix cotangent, int group, Matrix target, int targetColumn);

    /** The parameter gradient summed over all cotangent columns (group 1), written into a P_total x 1 vector. */
    void parameterVjp(Matrix input, Matrix cotangent, Matrix target);

    /** Writes this layer's parameters into its slice of a flat parameter vector. */
    void writeParameters(double[] flat);

    /** This layer's slice of a flat parameter vector as PyTorch-named, PyTorch-shaped tensors. */
    List<NamedTensor> tensors(double[] flat);
}
