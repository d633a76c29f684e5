package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;

/** The mean of each channel over all positions, C x H x W → C x 1 x 1 (nn.AdaptiveAvgPool2d(1)); linear, no parameters. */
public record GlobalAvgPoolLayer(TensorShape inShape) implements Layer {

    @Override public int inDim() { return inShape.size(); }

    @Override public int outDim() { return inShape.channels(); }

    @Override public int paramCount() { return 0; }

    private int positions() {
        return inShape.size() / inShape.channels();
    }

    @Override
    public Matrix forward(Matrix input) {
        return mean(input);
    }

    private Matrix mean(Matrix m) {
        int columns = m.cols();
        int positions = positions();
        double[] x = m.toColumnMajor();
        double[] y = new double[Math.multiplyExact(outDim(), columns)];
        for (int i = 0; i < y.length; i++) {
            double s = 0;
            int base = i * positions; // channel i mod C of column i / C: contiguous positions
            for (int q = 0; q < positions; q++) {
                s += x[base + q];
            }
            y[i] = s / positions;
        }
        return Matrix.fromColumnMajor(m.precision(), outDim(), columns, y);
    }

    /** Each channel's cotangent spread evenly over its positions. */
    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        int positions = positions();
        double[] d = outputCotangent.toColumnMajor();
        double[] result = new double[Math.multiplyExact(inDim(), outputCotangent.cols())];
        for (int i = 0; i < d.length; i++) {
            double v = d[i] / positions;
            int base = i * positions;
            for (int q = 0; q < positions; q++) {
                result[base + q] = v;
            }
        }
        return Matrix.fromColumnMajor(outputCotangent.precision(), inDim(), outputCotangent.cols(), result);
    }

    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        return inputTangent == null ? null : mean(inputTangent);
    }
}
