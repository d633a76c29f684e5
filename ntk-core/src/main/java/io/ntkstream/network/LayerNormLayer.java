package io.ntkstream.network;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PyTorch {@code nn.LayerNorm(normalized shape, eps)}: each group of {@code groupSize} consecutive
 * features normalized on its own — all of a sample's features ({@code "over":"all"}, groupSize = the
 * sample's size) or each position's last-axis vector ({@code "over":"last"}, groupSize = D of [L, D]):
 * n = (x − μ)·r with μ the group's mean, r = 1/√(σ² + eps), σ² the biased variance; then γ ⊙ n + β
 * (γ, β of the normalized shape, one per feature of a group, shared by the groups; see {@link NormLayer}).
 * Derivatives: ṅ = r·(ẋ − mean(ẋ) − n·mean(n ⊙ ẋ)) per group, a symmetric map, so the VJP has the same form.
 */
public record LayerNormLayer(String module, TensorShape shape, int groupSize, double[] gamma, double[] beta, double eps,
                             int paramOffset) implements NormLayer {

    public LayerNormLayer {
        if (groupSize <= 0 || shape.size() % groupSize != 0) {
            throw new IllegalArgumentException("layer_norm " + module + ": group size " + groupSize
                    + " must divide the sample size " + shape.size());
        }
    }

    /** Normalized over all of a sample's features. */
    public LayerNormLayer(String module, TensorShape shape, double[] gamma, double[] beta, double eps, int paramOffset) {
        this(module, shape, shape.size(), gamma, beta, eps, paramOffset);
    }

    @Override public int dim() { return shape.size(); }

    /** One γ per feature of a group. */
    @Override public int channels() { return groupSize; }

    /** Each feature its own γ (repeating from group to group). */
    @Override public int positions() { return 1; }

    private int groups() {
        return dim() / groupSize;
    }

    /** Per column and group (index column·groups + group): mean and 1/√(var + eps). */
    private double[][] statistics(double[] x, int samples) {
        int gs = groupSize;
        int count = samples * groups();
        double[] mean = new double[count];
        double[] r = new double[count];
        for (int q = 0; q < count; q++) {
            int base = q * gs; // group q of the batch: contiguous features
            double m = 0;
            for (int i = 0; i < gs; i++) {
                m += x[base + i];
            }
            m /= gs;
            double v = 0;
            for (int i = 0; i < gs; i++) {
                double c = x[base + i] - m;
                v += c * c;
            }
            mean[q] = m;
            r[q] = 1.0 / Math.sqrt(v / gs + eps);
        }
        return new double[][] {mean, r};
    }

    @Override
    public double[] normalized(Matrix input) {
        int gs = groupSize;
        double[] x = input.toColumnMajor();
        double[][] st = statistics(x, input.cols());
        for (int q = 0; q < st[0].length; q++) {
            for (int i = 0; i < gs; i++) {
                x[q * gs + i] = (x[q * gs + i] - st[0][q]) * st[1][q];
            }
        }
        return x;
    }

    /** r·(v − mean(v) − n·mean(n ⊙ v)) for each group of each column v (column c uses sample sampleOf(c)). */
    private double[] project(Matrix input, double[] v, int columns, java.util.function.IntUnaryOperator sampleOf) {
        int d = dim();
        int gs = groupSize;
        int groups = groups();
        double[] x = input.toColumnMajor();
        double[][] st = statistics(x, input.cols());
        double[] out = new double[v.length];
        for (int c = 0; c < columns; c++) {
            int s = sampleOf.applyAsInt(c);
            for (int gr = 0; gr < groups; gr++) {
                int q = s * groups + gr;
                int xBase = s * d + gr * gs;
                int vBase = c * d + gr * gs;
                double mean = st[0][q];
                double r = st[1][q];
                double mv = 0;
                double mnv = 0;
                for (int i = 0; i < gs; i++) {
                    double vi = v[vBase + i];
                    mv += vi;
                    mnv += (x[xBase + i] - mean) * r * vi;
                }
                mv /= gs;
                mnv /= gs;
                for (int i = 0; i < gs; i++) {
                    double n = (x[xBase + i] - mean) * r;
                    out[vBase + i] = r * (v[vBase + i] - mv - n * mnv);
                }
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

    /** The shape of weight and bias: the sample's shape (over all), or [groupSize] (over the last axis). */
    public int[] parameterShape() {
        return groupSize == dim() ? shape.dimsCopy() : new int[] {groupSize};
    }

    /** {@code "{module}.weight"}, {@code "{module}.bias"}, both of {@link #parameterShape()}. */
    @Override
    public List<NamedTensor> tensors(double[] flat) {
        List<NamedTensor> out = new ArrayList<>();
        if (affine()) {
            int c = channels();
            out.add(new NamedTensor(Networks.weightName(module), parameterShape(),
                    Arrays.copyOfRange(flat, paramOffset, paramOffset + c), DType.FLOAT64));
            out.add(new NamedTensor(Networks.biasName(module), parameterShape(),
                    Arrays.copyOfRange(flat, paramOffset + c, paramOffset + 2 * c), DType.FLOAT64));
        }
        return out;
    }
}
