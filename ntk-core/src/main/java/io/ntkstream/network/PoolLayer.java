package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;
import java.util.stream.IntStream;

/**
 * Average or max pooling over windows (PyTorch {@code AvgPool1d/2d} with count_include_pad,
 * {@code MaxPool1d/2d}); no parameters, so it enters the NTK only through cotangents. Average
 * pooling is linear; max pooling routes values and derivatives through the first position holding
 * the window's maximum (PyTorch's choice on ties).
 */
public record PoolLayer(LayerSpec.PoolKind kind, ConvGeometry geometry) implements Layer {

    @Override public int inDim() { return geometry.inSize(); }

    @Override public int outDim() { return geometry.outSize(); }

    @Override public int paramCount() { return 0; }

    private int windowSize() {
        return geometry.kernelH() * geometry.kernelW();
    }

    /**
     * For every (channel, output position) of input column {@code col}, the input index (within
     * the column) of the window's maximum: [channel·positions + q].
     */
    private int[] argmax(double[] x, int col, int[] src) {
        int kk = windowSize();
        int positions = geometry.outPositions();
        int hw = geometry.inPositions();
        int[] arg = new int[geometry.inChannels() * positions];
        for (int c = 0; c < geometry.inChannels(); c++) {
            int base = col * inDim() + c * hw;
            for (int q = 0; q < positions; q++) {
                int best = -1;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < kk; j++) {
                    int at = src[q * kk + j];
                    if (at >= 0 && (best < 0 || x[base + at] > max)) {
                        best = at;
                        max = x[base + at];
                    }
                }
                arg[c * positions + q] = c * hw + best;
            }
        }
        return arg;
    }

    /** Average pooling of columns of x (linear, so also the JVP of tangents). */
    private double[] average(double[] x, int columns) {
        int[] src = geometry.sourceIndex();
        int kk = windowSize();
        int positions = geometry.outPositions();
        int hw = geometry.inPositions();
        double scale = 1.0 / kk;
        double[] y = new double[Math.multiplyExact(outDim(), columns)];
        IntStream.range(0, columns).parallel().forEach(col -> {
            for (int c = 0; c < geometry.inChannels(); c++) {
                int in = col * inDim() + c * hw;
                int out = col * outDim() + c * positions;
                for (int q = 0; q < positions; q++) {
                    double s = 0;
                    for (int j = 0; j < kk; j++) {
                        int at = src[q * kk + j];
                        if (at >= 0) {
                            s += x[in + at];
                        }
                    }
                    y[out + q] = scale * s;
                }
            }
        });
        return y;
    }

    /** Gathers v[col][arg] for every column, with the argmax of input column {@code col mod n} (tiled) or {@code col / group} (grouped). */
    private double[] gatherMax(double[] x, int n, double[] v, int columns, int group, boolean tiled) {
        int[] src = geometry.sourceIndex();
        int[][] args = new int[n][];
        IntStream.range(0, n).parallel().forEach(s -> args[s] = argmax(x, s, src));
        double[] y = new double[Math.multiplyExact(outDim(), columns)];
        for (int col = 0; col < columns; col++) {
            int[] arg = args[tiled ? col % n : col / group];
            int in = col * inDim();
            int out = col * outDim();
            for (int i = 0; i < arg.length; i++) {
                y[out + i] = v[in + arg[i]];
            }
        }
        return y;
    }

    @Override
    public Matrix forward(Matrix input) {
        double[] x = input.toColumnMajor();
        double[] y = kind == LayerSpec.PoolKind.AVG ? average(x, input.cols())
                : gatherMax(x, input.cols(), x, input.cols(), 1, false);
        return Matrix.fromColumnMajor(input.precision(), outDim(), input.cols(), y);
    }

    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        int columns = outputCotangent.cols();
        double[] d = outputCotangent.toColumnMajor();
        double[] result = new double[Math.multiplyExact(inDim(), columns)];
        int[] src = geometry.sourceIndex();
        int positions = geometry.outPositions();
        if (kind == LayerSpec.PoolKind.AVG) {
            int kk = windowSize();
            int hw = geometry.inPositions();
            double scale = 1.0 / kk;
            IntStream.range(0, columns).parallel().forEach(col -> {
                for (int c = 0; c < geometry.inChannels(); c++) {
                    int in = col * inDim() + c * hw;
                    int out = col * outDim() + c * positions;
                    for (int q = 0; q < positions; q++) {
                        double v = scale * d[out + q];
                        for (int j = 0; j < kk; j++) {
                            int at = src[q * kk + j];
                            if (at >= 0) {
                                result[in + at] += v;
                            }
                        }
                    }
                }
            });
        } else {
            double[] x = input.toColumnMajor();
            IntStream.range(0, input.cols()).parallel().forEach(s -> {
                int[] arg = argmax(x, s, src);
                for (int col = s * group; col < (s + 1) * group; col++) {
                    for (int i = 0; i < arg.length; i++) {
                        result[col * inDim() + arg[i]] += d[col * outDim() + i];
                    }
                }
            });
        }
        return Matrix.fromColumnMajor(outputCotangent.precision(), inDim(), columns, result);
    }

    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        if (inputTangent == null) {
            return null;
        }
        double[] t = inputTangent.toColumnMajor();
        int columns = inputTangent.cols();
        double[] y = kind == LayerSpec.PoolKind.AVG ? average(t, columns)
                : gatherMax(input.toColumnMajor(), input.cols(), t, columns, 1, true);
        return Matrix.fromColumnMajor(inputTangent.precision(), outDim(), columns, y);
    }
}
