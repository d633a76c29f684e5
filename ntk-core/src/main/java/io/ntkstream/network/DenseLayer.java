package io.ntkstream.network;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * z = s_w·W·a + s_b·b with W (out x in), b (out); s_w, s_b from the parametrization
 * (NTK: σ_w/√fan_in and σ_b; standard: 1 and 1).
 *
 * <p>Its parameters sit in the flat parameter vector at {@code paramOffset}: W in column-major
 * order (entry (j,i) at i·out + j), then b.
 */
public record DenseLayer(String module, Matrix weight, double[] bias, double weightScale, double biasScale,
                         int paramOffset) implements ParameterLayer {

    @Override
    public boolean hasBias() {
        return bias != null;
    }

    @Override public int inDim() { return weight.cols(); }

    @Override public int outDim() { return weight.rows(); }

    public int weightCount() {
        return weight.rows() * weight.cols();
    }

    @Override
    public int paramCount() {
        return weightCount() + (hasBias() ? outDim() : 0);
    }

    @Override
    public Matrix forward(Matrix input) {
        Matrix z = Matrix.multiply(weight, false, input, false, weightScale);
        if (hasBias()) {
            z.addToEveryColumn(bias, biasScale);
        }
        return z;
    }

    /** ∂L/∂a = s_w·Wᵀ·∂L/∂z. */
    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        return Matrix.multiply(weight, true, outputCotangent, false, weightScale);
    }

    /** ż = s_w·(W·ȧ + Ẇ·a) + s_b·ḃ, for each of the T directions. */
    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        int n = input.cols();
        Matrix out = inputTangent != null
                ? Matrix.multiply(weight, false, inputTangent, false, weightScale)
                : Matrix.zeros(weight.precision(), outDim(), directions * n);
        if (paramTangents == null) {
            return out;
        }
        double[] biasTangent = new double[outDim()];
        for (int t = 0; t < directions; t++) {
            Matrix column = paramTangents.columns(t, t + 1);
            Matrix weightTangent = column.block(paramOffset, outDim(), inDim());
            Matrix target = out.columns(t * n, (t + 1) * n);
            Matrix.gemm(weightTangent, false, input, false, weightScale, 1.0, target);
            if (hasBias()) {
                for (int j = 0; j < outDim(); j++) {
                    biasTangent[j] = column.getLinear(paramOffset + weightCount() + j);
                }
                target.addToEveryColumn(biasTangent, biasScale);
            }
        }
        return out;
    }

    /**
     * The parameter gradient of each cotangent column, written as columns of {@code target}
     * (P_total rows): ∂/∂W = s_w·δ aᵀ and ∂/∂b = s_b·δ (reverse mode, one column per cotangent).
     */
    @Override
    public void parameterCotangents(Matrix input, Matrix cotangent, int group, Matrix target, int targetColumn) {
        int out = outDim();
        int in = inDim();
        double[] a = input.toColumnMajor();
        double[] d = cotangent.toColumnMajor();
        java.util.stream.IntStream.range(0, cotangent.cols()).parallel().forEach(c -> {
            int sample = c / group;
            double[] column = new double[paramCount()];
            for (int i = 0; i < in; i++) {
                double ai = weightScale * a[sample * in + i];
                int base = i * out;
                for (int j = 0; j < out; j++) {
                    column[base + j] = ai * d[c * out + j];
                }
            }
            if (hasBias()) {
                int base = in * out;
                for (int j = 0; j < out; j++) {
                    column[base + j] = biasScale * d[c * out + j];
                }
            }
            target.setColumnSegment(targetColumn + c, paramOffset, column);
        });
    }

    /** The summed parameter gradient Σ_c of all cotangent columns (group 1), into a P_total x 1 vector. */
    @Override
    public void parameterVjp(Matrix input, Matrix cotangent, Matrix target) {
        Matrix gradW = target.block(paramOffset, outDim(), inDim());
        Matrix.gemm(cotangent, false, input, true, weightScale, 0.0, gradW);
        if (hasBias()) {
            long base = paramOffset + (long) weightCount();
            for (int j = 0; j < outDim(); j++) {
                double s = 0;
                for (int c = 0; c < cotangent.cols(); c++) {
                    s += cotangent.get(j, c);
                }
                target.setLinear(base + j, biasScale * s);
            }
        }
    }

    /** W column-major (entry (j,i) at i·out + j), then b. */
    @Override
    public void writeParameters(double[] flat) {
        for (int i = 0; i < inDim(); i++) {
            for (int j = 0; j < outDim(); j++) {
                flat[paramOffset + i * outDim() + j] = weight.get(j, i);
            }
        }
        if (hasBias()) {
            System.arraycopy(bias, 0, flat, paramOffset + weightCount(), outDim());
        }
    }

    /** {@code "{i}.weight"} (out x in) and {@code "{i}.bias"} (out). */
    @Override
    public List<NamedTensor> tensors(double[] flat) {
        List<NamedTensor> out = new ArrayList<>();
        double[] w = new double[weightCount()];
        for (int j = 0; j < outDim(); j++) {
            for (int i = 0; i < inDim(); i++) {
                w[j * inDim() + i] = flat[paramOffset + i * outDim() + j];
            }
        }
        out.add(new NamedTensor(Networks.weightName(module), new int[] {outDim(), inDim()},
                w, DType.FLOAT64));
        if (hasBias()) {
            double[] b = Arrays.copyOfRange(flat, paramOffset + weightCount(), paramOffset + paramCount());
            out.add(new NamedTensor(Networks.biasName(module), new int[] {outDim()}, b,
                    DType.FLOAT64));
        }
        return out;
    }
}
