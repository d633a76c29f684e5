package io.ntkstream.network;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A dense map applied at every position of a sequence, [L, in] → [L, out]: z[l] = s_w·W·a[l] + s_b·b
 * (PyTorch {@code nn.Linear} on a batch_first (N, L, in) tensor; also the q/k/v and output projections
 * of attention). Samples are stored position by position ({@link TensorShape}), so a batch (L·in x N)
 * read column-major as in x (L·N) holds one column per position and the map is one GEMM.
 *
 * <p>Parameters as {@link DenseLayer}: W column-major (entry (j,i) at i·out + j), then b. Tensor names
 * are given ({@code "{i}.weight"} for a dense layer, {@code "{i}.in_proj_weight"} for attention).
 */
public record PositionwiseDenseLayer(String module, String weightName, String biasName, int positions, Matrix weight,
                                     double[] bias, double weightScale, double biasScale, int paramOffset)
        implements ParameterLayer {

    public PositionwiseDenseLayer {
        if (bias != null && bias.length != weight.rows()) {
            throw new IllegalArgumentException("layer " + module + ": bias must have " + weight.rows() + " values, got "
                    + bias.length);
        }
    }

    @Override public boolean hasBias() { return bias != null; }

    /** Features per position in. */
    public int fanIn() { return weight.cols(); }

    /** Features per position out. */
    public int fanOut() { return weight.rows(); }

    @Override public int inDim() { return positions * fanIn(); }

    @Override public int outDim() { return positions * fanOut(); }

    public int weightCount() {
        return fanIn() * fanOut();
    }

    @Override
    public int paramCount() {
        return weightCount() + (hasBias() ? fanOut() : 0);
    }

    /** The in x (L·columns) view of a batch: one column per position. */
    private Matrix perPosition(Matrix m, int features) {
        return m.reshape(features, m.cols() * positions);
    }

    @Override
    public Matrix forward(Matrix input) {
        Matrix z = Matrix.zeros(weight.precision(), outDim(), input.cols());
        Matrix zp = perPosition(z, fanOut());
        Matrix.gemm(weight, false, perPosition(input, fanIn()), false, weightScale, 0.0, zp);
        if (hasBias()) {
            zp.addToEveryColumn(bias, biasScale);
        }
        return z;
    }

    /** ∂L/∂a[l] = s_w·Wᵀ·∂L/∂z[l] at every position. */
    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        Matrix a = Matrix.zeros(weight.precision(), inDim(), outputCotangent.cols());
        Matrix.gemm(weight, true, perPosition(outputCotangent, fanOut()), false, weightScale, 0.0, perPosition(a, fanIn()));
        return a;
    }

    /** ż[l] = s_w·(W·ȧ[l] + Ẇ·a[l]) + s_b·ḃ, for each of the T directions (columns t·N + s). */
    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        if (inputTangent == null && paramTangents == null) {
            return null;
        }
        int n = input.cols();
        Matrix out = Matrix.zeros(weight.precision(), outDim(), directions * n);
        if (inputTangent != null) {
            Matrix.gemm(weight, false, perPosition(inputTangent, fanIn()), false, weightScale, 0.0, perPosition(out, fanOut()));
        }
        if (paramTangents == null) {
            return out;
        }
        Matrix a = perPosition(input, fanIn());
        double[] biasTangent = new double[fanOut()];
        for (int t = 0; t < directions; t++) {
            Matrix column = paramTangents.columns(t, t + 1);
            Matrix weightTangent = column.block(paramOffset, fanOut(), fanIn());
            Matrix target = perPosition(out.columns(t * n, (t + 1) * n), fanOut());
            Matrix.gemm(weightTangent, false, a, false, weightScale, 1.0, target);
            if (hasBias()) {
                for (int j = 0; j < fanOut(); j++) {
                    biasTangent[j] = column.getLinear(paramOffset + weightCount() + j);
                }
                target.addToEveryColumn(biasTangent, biasScale);
            }
        }
        return out;
    }

    /**
     * The layer's parameter gradient of each cotangent column c (sample c / group), paramCount x C:
     * ∂/∂W = s_w·Σ_l δ[l]·a[l]ᵀ (column-major out x in) and ∂/∂b = s_b·Σ_l δ[l] — the weight is
     * shared by the positions, so their dense gradients add.
     */
    public Matrix weightGradients(Matrix input, Matrix cotangent, int group) {
        int out = fanOut();
        int in = fanIn();
        int len = positions;
        int columns = cotangent.cols();
        double[] a = input.toColumnMajor();
        double[] d = cotangent.toColumnMajor();
        int count = paramCount();
        double[] g = new double[Math.multiplyExact(count, columns)];
        IntStream.range(0, columns).parallel().forEach(c -> {
            int sample = c / group;
            int gBase = c * count;
            for (int l = 0; l < len; l++) {
                int aBase = (sample * len + l) * in;
                int dBase = (c * len + l) * out;
                for (int i = 0; i < in; i++) {
                    double ai = weightScale * a[aBase + i];
                    int base = gBase + i * out;
                    for (int j = 0; j < out; j++) {
                        g[base + j] += ai * d[dBase + j];
                    }
                }
                if (hasBias()) {
                    int base = gBase + weightCount();
                    for (int j = 0; j < out; j++) {
                        g[base + j] += biasScale * d[dBase + j];
                    }
                }
            }
        });
        return Matrix.fromColumnMajor(cotangent.precision(), count, columns, g);
    }

    @Override
    public void parameterCotangents(Matrix input, Matrix cotangent, int group, Matrix target, int targetColumn) {
        try (Matrix g = weightGradients(input, cotangent, group)) {
            double[] column = new double[paramCount()];
            for (int c = 0; c < cotangent.cols(); c++) {
                g.readColumn(c, column);
                target.setColumnSegment(targetColumn + c, paramOffset, column);
            }
        }
    }

    /** Σ over cotangent columns and positions: the dense layer's VJP over all L·N positions at once. */
    @Override
    public void parameterVjp(Matrix input, Matrix cotangent, Matrix target) {
        Matrix d = perPosition(cotangent, fanOut());
        Matrix gradW = target.block(paramOffset, fanOut(), fanIn());
        Matrix.gemm(d, false, perPosition(input, fanIn()), true, weightScale, 0.0, gradW);
        if (hasBias()) {
            double[] dv = d.toColumnMajor();
            double[] sums = new double[fanOut()];
            for (int i = 0; i < dv.length; i++) {
                sums[i % fanOut()] += dv[i];
            }
            for (int j = 0; j < fanOut(); j++) {
                target.setLinear(paramOffset + (long) weightCount() + j, biasScale * sums[j]);
            }
        }
    }

    @Override
    public void writeParameters(double[] flat) {
        for (int i = 0; i < fanIn(); i++) {
            for (int j = 0; j < fanOut(); j++) {
                flat[paramOffset + i * fanOut() + j] = weight.get(j, i);
            }
        }
        if (hasBias()) {
            System.arraycopy(bias, 0, flat, paramOffset + weightCount(), fanOut());
        }
    }

    /** {@code weightName} (out x in) and {@code biasName} (out). */
    @Override
    public List<NamedTensor> tensors(double[] flat) {
        List<NamedTensor> out = new ArrayList<>();
        double[] w = new double[weightCount()];
        for (int j = 0; j < fanOut(); j++) {
            for (int i = 0; i < fanIn(); i++) {
                w[j * fanIn() + i] = flat[paramOffset + i * fanOut() + j];
            }
        }
        out.add(new NamedTensor(weightName, new int[] {fanOut(), fanIn()}, w, DType.FLOAT64));
        if (hasBias()) {
            out.add(new NamedTensor(biasName, new int[] {fanOut()},
                    Arrays.copyOfRange(flat, paramOffset + weightCount(), paramOffset + paramCount()), DType.FLOAT64));
        }
        return out;
    }
}
