package io.ntkstream.network;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PyTorch {@code nn.LayerNorm(sample shape, eps)}: each sample normalized over all its features,
 * n = (x − μ)·r with μ the mean, r = 1/√(σ² + eps), σ² the biased variance; then γ ⊙ n + β
 * (γ, β of the sample's shape, one per feature; see {@link NormLayer}).
 * Derivatives: ṅ = r·(ẋ − mean(ẋ) − n·mean(n ⊙ ẋ)), a symmetric map, so the VJP has the same form.
 */
public record LayerNormLayer(String module, TensorShape shape, double[] gamma, double[] beta, double eps,
                             int paramOffset) implements NormLayer {

    @Override public int dim() { return shape.size(); }

    @Override public int channels() { return shape.size(); }

    /** Per column: mean and 1/√(var + eps). */
    private double[][] statistics(double[] x, int samples) {
        int d = dim();
        double[] mean = new double[samples];
        double[] r = new double[samples];
        for (int s = 0; s < samples; s++) {
            double m = 0;
            for (int i = 0; i < d; i++) {
                m += x[s * d + i];
            }
            m /= d;
            double v = 0;
            for (int i = 0; i < d; i++) {
                double c = x[s * d + i] - m;
                v += c * c;
            }
            mean[s] = m;
            r[s] = 1.0 / Math.sqrt(v / d + eps);
        }
        return new double[][] {mean, r};
    }

    @Override
    public double[] normalized(Matrix input) {
        int d = dim();
        double[] x = input.toColumnMajor();
        double[][] st = statistics(x, input.cols());
        for (int s = 0; s < input.cols(); s++) {
            for (int i = 0; i < d; i++) {
                x[s * d + i] = (x[s * d + i] - st[0][s]) * st[1][s];
            }
        }
        return x;
    }

    /** r·(v − mean(v) − n·mean(n ⊙ v)) for each column v (column c uses sample sampleOf(c)). */
    private double[] project(Matrix input, double[] v, int columns, java.util.function.IntUnaryOperator sampleOf) {
        int d = dim();
        double[] x = input.toColumnMajor();
        double[][] st = statistics(x, input.cols());
        double[] out = new double[v.length];
        for (int c = 0; c < columns; c++) {
            int s = sampleOf.applyAsInt(c);
            double mean = st[0][s];
            double r = st[1][s];
            double mv = 0;
            double mnv = 0;
            for (int i = 0; i < d; i++) {
                double vi = v[c * d + i];
                mv += vi;
                mnv += (x[s * d + i] - mean) * r * vi;
            }
            mv /= d;
            mnv /= d;
            for (int i = 0; i < d; i++) {
                double n = (x[s * d + i] - mean) * r;
                out[c * d + i] = r * (v[c * d + i] - mv - n * mnv);
            }
        }
        return out;
    }

    @Override
    public double[] normalizedJvp(Matrix input, double[] inputTangent, int columns) {
        int samples = input.cols();
        return project(input, inputTangent, columns, c -> c % samples);
    }

    @Override
    public double[] normalizedVjp(Matrix input, double[] cotangent, int columns, int group) {
        return project(input, cotangent, columns, c -> c / group);
    }

    /** {@code "{module}.weight"}, {@code "{module}.bias"}, both of the sample's shape. */
    @Override
    public List<NamedTensor> tensors(double[] flat) {
        List<NamedTensor> out = new ArrayList<>();
        if (affine()) {
            int d = dim();
            out.add(new NamedTensor(Networks.weightName(module), shape.dimsCopy(),
                    Arrays.copyOfRange(flat, paramOffset, paramOffset + d), DType.FLOAT64));
            out.add(new NamedTensor(Networks.biasName(module), shape.dimsCopy(),
                    Arrays.copyOfRange(flat, paramOffset + d, paramOffset + 2 * d), DType.FLOAT64));
        }
        return out;
    }
}
