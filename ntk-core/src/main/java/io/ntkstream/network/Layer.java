package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;

/**
 * One layer of a network, in feature-major layout: a batch is a {@code features x samples}
 * matrix, one column per sample.
 *
 * <p>Cotangent batches may hold several columns per sample ("grouped": column c belongs to
 * sample c / group, e.g. one column per network output). Tangent batches hold several tangent
 * directions per sample ("tiled": column t*N + n is direction t of sample n).
 */
public sealed interface Layer permits ParameterLayer, ActivationLayer, PoolLayer, GlobalAvgPoolLayer, FlattenLayer,
        ResidualAdd, ScaledDotProductAttention, PositionalEncodingLayer {

    int inDim();

    int outDim();

    /** Number of trainable parameters (0 for parameter-free layers). */
    int paramCount();

    Matrix forward(Matrix input);

    /** Cotangent with respect to the input, from the cotangent of the output (grouped columns). */
    Matrix backward(Matrix outputCotangent, Matrix input, int group);

    /**
     * Forward-mode derivative: the output tangent for T tiled directions, from the input tangent
     * (null = zero) and T parameter tangents (columns of a P_total x T matrix; null = zero).
     */
    Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions);
}
