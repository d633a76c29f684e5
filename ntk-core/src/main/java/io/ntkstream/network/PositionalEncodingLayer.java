package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;

/**
 * The fixed sinusoidal positional encoding of "Attention Is All You Need" added to [L, D]
 * sequences: y = x + PE with PE[pos, 2i] = sin(pos / 10000^(2i/D)), PE[pos, 2i+1] = cos(pos / 10000^(2i/D))
 * (stored position by position like a sample). No parameters: cotangents and tangents pass through.
 */
public record PositionalEncodingLayer(int positions, int dim, double[] table) implements Layer {

    public PositionalEncodingLayer(int positions, int dim) {
        this(positions, dim, table(positions, dim));
    }

    /** PE as an [L, D] row-major array (entry (pos, j) at pos·D + j). */
    public static double[] table(int positions, int dim) {
        double[] pe = new double[positions * dim];
        for (int pos = 0; pos < positions; pos++) {
            for (int j = 0; j < dim; j++) {
                int even = j - j % 2; // 2i
                double angle = pos / Math.pow(10000.0, (double) even / dim);
                pe[pos * dim + j] = j % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
            }
        }
        return pe;
    }

    @Override public int inDim() { return positions * dim; }

    @Override public int outDim() { return positions * dim; }

    @Override public int paramCount() { return 0; }

    @Override
    public Matrix forward(Matrix input) {
        Matrix y = input.copy();
        y.addToEveryColumn(table, 1.0);
        return y;
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
