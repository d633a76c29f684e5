package io.ntkstream.network;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.Arrays;
import java.util.List;

/**
 * A learned positional embedding on [L, D] sequences, y = x + P (docs/networks.md's
 * {@code PositionalEmbedding}: {@code x + self.weight}). P is used as stored in either
 * parametrization, like an embedding's weight.
 *
 * <p>Parameters: P row-major (entry (l, d) at l·D + d), the same layout as a sample, so
 * ∂f_o/∂P = δ[o], the output cotangent itself: a bias that is not shared across positions.
 */
public record PositionalEmbeddingLayer(String module, int positions, int dim, double[] weight, int paramOffset)
        implements ParameterLayer {

    public PositionalEmbeddingLayer {
        if (weight.length != positions * dim) {
            throw new IllegalArgumentException("positional_embedding " + module + ": weight must have " + positions * dim
                    + " values, got " + weight.length);
        }
    }

    @Override public boolean hasBias() { return false; }

    @Override public int inDim() { return positions * dim; }

    @Override public int outDim() { return positions * dim; }

    @Override public int paramCount() { return positions * dim; }

    @Override
    public Matrix forward(Matrix input) {
        Matrix y = input.copy();
        y.addToEveryColumn(weight, 1.0);
        return y;
    }

    /** ∂L/∂x = ∂L/∂y. */
    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        return outputCotangent.copy();
    }

    /** ẏ = ẋ + Ṗ for each of the T directions (column t·N + s); the input tangent itself without parameter tangents. */
    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        if (paramTangents == null) {
            return inputTangent;
        }
        int n = input.cols();
        Matrix out = inputTangent == null ? Matrix.zeros(input.precision(), outDim(), directions * n) : inputTangent.copy();
        for (int t = 0; t < directions; t++) {
            double[] p = paramTangents.block((long) t * paramTangents.rows() + paramOffset, paramCount(), 1).toColumnMajor();
            out.columns(t * n, (t + 1) * n).addToEveryColumn(p, 1.0);
        }
        return out;
    }

    /** Per cotangent column, the parameter gradient is the column itself. */
    @Override
    public void parameterCotangents(Matrix input, Matrix cotangent, int group, Matrix target, int targetColumn) {
        double[] column = new double[paramCount()];
        for (int c = 0; c < cotangent.cols(); c++) {
            cotangent.readColumn(c, column);
            target.setColumnSegment(targetColumn + c, paramOffset, column);
        }
    }

    /** The sum of the cotangent columns. */
    @Override
    public void parameterVjp(Matrix input, Matrix cotangent, Matrix target) {
        double[] column = new double[paramCount()];
        double[] sum = new double[paramCount()];
        for (int c = 0; c < cotangent.cols(); c++) {
            cotangent.readColumn(c, column);
            for (int k = 0; k < sum.length; k++) {
                sum[k] += column[k];
            }
        }
        target.setColumnSegment(0, paramOffset, sum);
    }

    @Override
    public void writeParameters(double[] flat) {
        System.arraycopy(weight, 0, flat, paramOffset, paramCount());
    }

    /** {@code "{module}.weight"} [L, D]. */
    @Override
    public List<NamedTensor> tensors(double[] flat) {
        return List.of(new NamedTensor(Networks.weightName(module), new int[] {positions, dim},
                Arrays.copyOfRange(flat, paramOffset, paramOffset + paramCount()), DType.FLOAT64));
    }
}
