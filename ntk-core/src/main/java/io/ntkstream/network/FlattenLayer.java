package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;

/**
 * C x H x W → C·H·W (nn.Flatten). Samples are already stored flat in C order, so the numbers do
 * not move; forward and backward return copies so every layer owns its output.
 */
public record FlattenLayer(int dim) implements Layer {

    @Override public int inDim() { return dim; }

    @Override public int outDim() { return dim; }

    @Override public int paramCount() { return 0; }

    @Override
    public Matrix forward(Matrix input) {
        return input.copy();
    }

    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        return outputCotangent.copy();
    }

    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        return inputTangent;
    }
}
