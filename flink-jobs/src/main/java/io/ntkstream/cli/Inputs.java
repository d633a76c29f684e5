package io.ntkstream.cli;

import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import java.nio.file.Path;
import java.util.Arrays;

/** Reads what the commands take: architectures, checkpoints, sample files. */
final class Inputs {
    private Inputs() {}

    static Network network(Path arch, Path params, Precision precision) {
        Architecture a = Architecture.read(arch);
        try {
            return Networks.fromTensors(a, CheckpointFiles.read(params), precision);
        } catch (RuntimeException e) {
            if (e.getMessage() != null && e.getMessage().contains(params.getFileName().toString())) {
                throw e;
            }
            throw new IllegalArgumentException(params + ": " + e.getMessage(), e);
        }
    }

    /**
     * Samples from a (N, D) .npy — or (N, C, L) / (N, C, H, W) for convolutional networks, each sample
     * flattened in C order as the network takes it — as a D x N matrix (one column per sample). A
     * row-major (N, D) array is, element for element, the column-major D x N matrix: no copy.
     */
    static Matrix samples(Path file, int expectedDim, Precision precision, String option) {
        NdArray a = Npy.read(file);
        int[] shape = a.shape();
        if (shape.length < 2 || shape.length > 4) {
            throw new IllegalArgumentException(option + " " + file + ": expected an array (N, " + expectedDim
                    + ") (or (N, C, L) / (N, C, H, W) with C·L or C·H·W = " + expectedDim + "), got shape "
                    + Arrays.toString(shape));
        }
        long perSample = 1;
        for (int k = 1; k < shape.length; k++) {
            perSample *= shape[k];
        }
        if (perSample != expectedDim) {
            throw new IllegalArgumentException(option + " " + file + ": expected " + expectedDim
                    + " features per sample (the architecture's input_dim" + (shape.length > 2 ? ", = the product of "
                    + "the dimensions after N" : "") + "), got shape " + Arrays.toString(shape));
        }
        if (a.shape()[0] == 0) {
            throw new IllegalArgumentException(option + " " + file + ": holds no samples");
        }
        for (double v : a.values()) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(option + " " + file + ": contains NaN or infinite values");
            }
        }
        return Matrix.fromColumnMajor(precision, expectedDim, shape[0], a.values());
    }

    /**
     * Float regression targets from an (n, O) .npy, or (n,) when O = 1, checked against the sample
     * count and the network's outputs.
     */
    static double[][] regressionTargets(Path file, int n, int outputs, String option) {
        NdArray a = Npy.read(file);
        String expected = "(" + n + ", " + outputs + ")" + (outputs == 1 ? " or (" + n + ",)" : "");
        if (a.dtype() != io.ntkstream.data.DType.FLOAT64 && a.dtype() != io.ntkstream.data.DType.FLOAT32) {
            throw new IllegalArgumentException(option + " " + file + ": expected float targets of shape " + expected
                    + ", got " + a.dtype().numpyName() + " values"
                    + (a.dtype() == io.ntkstream.data.DType.INT64 || a.dtype() == io.ntkstream.data.DType.INT32
                    ? "; integer class labels need --classes" : ""));
        }
        boolean vector = a.shape().length == 1 && outputs == 1 && a.shape()[0] == n;
        if (!vector && (a.shape().length != 2 || a.shape()[0] != n || a.shape()[1] != outputs)) {
            throw new IllegalArgumentException(option + " " + file + ": expected shape " + expected
                    + " (one row per sample, one column per network output), got " + NdArray.formatShape(a.shape()));
        }
        double[][] y = new double[n][outputs];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < outputs; o++) {
                double v = a.values()[i * outputs + o];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(option + " " + file + ": contains NaN or infinite values (row "
                            + i + ")");
                }
                y[i][o] = v;
            }
        }
        return y;
    }
}
