package io.ntkstream.network;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PyTorch {@code nn.BatchNorm1d/2d} in inference mode: per channel c, n = (x − running_mean[c])·r_c
 * with r_c = 1/√(running_var[c] + eps), then γ_c·n + β_c ({@link NormLayer}). The running statistics
 * are fixed buffers from the checkpoint (not parameters of the NTK), so the normalization is a
 * fixed per-channel affine map: ṅ = r_c·ẋ and ∂L/∂x = r_c·∂L/∂n.
 */
public record BatchNormLayer(String module, TensorShape shape, double[] gamma, double[] beta, double[] runningMean,
                             double[] runningVar, double eps, int paramOffset) implements NormLayer {

    public BatchNormLayer {
        int c = LayerSpec.BatchNorm.channels(shape);
        if (runningMean.length != c || runningVar.length != c) {
            throw new IllegalArgumentException("batch_norm " + module + ": running statistics must have " + c + " values");
        }
    }

    @Override public int dim() { return shape.size(); }

    @Override public int channels() { return LayerSpec.BatchNorm.channels(shape); }

    private double[] scaled(double[] v, boolean center) {
        int d = dim();
        int p = positions();
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int c = (i % d) / p;
            out[i] = (v[i] - (center ? runningMean[c] : 0.0)) / Math.sqrt(runningVar[c] + eps);
        }
        return out;
    }

    @Override
    public double[] normalized(Matrix input) {
        return scaled(input.toColumnMajor(), true);
    }

    @Override
    public double[] normalizedJvp(Matrix input, double[] inputTangent, int columns) {
        return scaled(inputTangent, false);
    }

    @Override
    public double[] normalizedVjp(Matrix input, double[] cotangent, int columns, int group) {
        return scaled(cotangent, false);
    }

    /** {@code "{module}.weight"}, {@code ".bias"} (from the flat vector), {@code ".running_mean"}, {@code ".running_var"}, all [C]. */
    @Override
    public List<NamedTensor> tensors(double[] flat) {
        int c = channels();
        List<NamedTensor> out = new ArrayList<>();
        if (affine()) {
            out.add(new NamedTensor(Networks.weightName(module), new int[] {c},
                    Arrays.copyOfRange(flat, paramOffset, paramOffset + c), DType.FLOAT64));
            out.add(new NamedTensor(Networks.biasName(module), new int[] {c},
                    Arrays.copyOfRange(flat, paramOffset + c, paramOffset + 2 * c), DType.FLOAT64));
        }
        out.add(new NamedTensor(module + ".running_mean", new int[] {c}, runningMean.clone(), DType.FLOAT64));
        out.add(new NamedTensor(module + ".running_var", new int[] {c}, runningVar.clone(), DType.FLOAT64));
        return out;
    }
}
