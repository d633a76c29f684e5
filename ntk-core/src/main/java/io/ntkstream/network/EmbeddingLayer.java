package io.ntkstream.network;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.Arrays;
import java.util.List;

/**
 * PyTorch {@code nn.Embedding(num_embeddings, dim)}: a sample of L token ids (integers stored as
 * numbers, one per row) becomes the sequence [L, dim] whose position l is row id_l of the weight E
 * (stored position by position, {@link TensorShape}). E is used as stored in either parametrization
 * (an embedding is a dense layer on one-hot inputs, whose norm is already 1).
 *
 * <p>Parameters: E row-major (entry (v, d) at v·dim + d), a token's vector contiguous. The ids are
 * not differentiable: their cotangent and tangent are zero.
 */
public record EmbeddingLayer(String module, int positions, int numEmbeddings, int dim, double[] weight, int paramOffset)
        implements ParameterLayer {

    public EmbeddingLayer {
        if (weight.length != numEmbeddings * dim) {
            throw new IllegalArgumentException("embedding " + module + ": weight must have " + numEmbeddings * dim
                    + " values, got " + weight.length);
        }
    }

    @Override public boolean hasBias() { return false; }

    @Override public int inDim() { return positions; }

    @Override public int outDim() { return positions * dim; }

    @Override public int paramCount() { return numEmbeddings * dim; }

    /** The token ids of a batch (L x N), column-major, checked: integers in [0, num_embeddings). */
    public int[] tokenIds(Matrix input) {
        double[] x = input.toColumnMajor();
        int[] ids = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (!(v >= 0 && v < numEmbeddings) || v != Math.rint(v)) {
                throw new IllegalArgumentException("embedding layer " + module + ": token id " + v + " at position "
                        + i % positions + " of sample " + i / positions + " is not an integer in [0, " + numEmbeddings
                        + ") (num_embeddings)");
            }
            ids[i] = (int) v;
        }
        return ids;
    }

    @Override
    public Matrix forward(Matrix input) {
        return gather(tokenIds(input), weight, 0, input.cols(), input.precision());
    }

    /** Rows id of {@code table} (from {@code offset}) for every position of every column. */
    private Matrix gather(int[] ids, double[] table, int offset, int columns, io.ntkstream.linalg.Precision precision) {
        double[] y = new double[Math.multiplyExact(outDim(), columns)];
        for (int c = 0; c < columns; c++) {
            for (int l = 0; l < positions; l++) {
                System.arraycopy(table, offset + ids[c * positions + l] * dim, y, (c * positions + l) * dim, dim);
            }
        }
        return Matrix.fromColumnMajor(precision, outDim(), columns, y);
    }

    /** Token ids have no derivative: a zero cotangent. */
    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        return Matrix.zeros(outputCotangent.precision(), inDim(), outputCotangent.cols());
    }

    /** ẏ[l] = Ė[id_l] for each of the T directions (column t·N + s); null when there are no parameter tangents. */
    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        if (paramTangents == null) {
            return null;
        }
        int n = input.cols();
        int[] ids = tokenIds(input);
        Matrix out = Matrix.zeros(input.precision(), outDim(), directions * n);
        double[] table = new double[paramCount()];
        for (int t = 0; t < directions; t++) {
            Matrix column = paramTangents.columns(t, t + 1);
            for (int k = 0; k < table.length; k++) {
                table[k] = column.getLinear(paramOffset + (long) k);
            }
            try (Matrix y = gather(ids, table, 0, n, input.precision())) {
                out.setColumns(t * n, y);
            }
        }
        return out;
    }

    /**
     * Per cotangent column c (sample c / group), the summed cotangent of each distinct token:
     * ∂f/∂E[v] = Σ_{l : id_l = v} δ[l]. Returns, per column, the sorted distinct ids and the
     * sums (distinct x dim, row-major).
     */
    public record TokenGradients(int[][] ids, double[][] sums) {}

    public TokenGradients tokenGradients(Matrix input, Matrix cotangent, int group) {
        int[] ids = tokenIds(input);
        double[] d = cotangent.toColumnMajor();
        int columns = cotangent.cols();
        int[][] distinct = new int[columns][];
        double[][] sums = new double[columns][];
        for (int c = 0; c < columns; c++) {
            int s = c / group;
            int[] sorted = Arrays.copyOfRange(ids, s * positions, (s + 1) * positions);
            Arrays.sort(sorted);
            int u = 0;
            for (int l = 0; l < sorted.length; l++) {
                if (l == 0 || sorted[l] != sorted[l - 1]) {
                    sorted[u++] = sorted[l];
                }
            }
            int[] keys = Arrays.copyOf(sorted, u);
            double[] sum = new double[u * dim];
            for (int l = 0; l < positions; l++) {
                int row = Arrays.binarySearch(keys, ids[s * positions + l]);
                int base = (c * positions + l) * dim;
                for (int e = 0; e < dim; e++) {
                    sum[row * dim + e] += d[base + e];
                }
            }
            distinct[c] = keys;
            sums[c] = sum;
        }
        return new TokenGradients(distinct, sums);
    }

    @Override
    public void parameterCotangents(Matrix input, Matrix cotangent, int group, Matrix target, int targetColumn) {
        TokenGradients g = tokenGradients(input, cotangent, group);
        double[] column = new double[paramCount()];
        for (int c = 0; c < cotangent.cols(); c++) {
            Arrays.fill(column, 0.0);
            scatter(g, c, column);
            target.setColumnSegment(targetColumn + c, paramOffset, column);
        }
    }

    private void scatter(TokenGradients g, int c, double[] column) {
        int[] keys = g.ids()[c];
        for (int u = 0; u < keys.length; u++) {
            for (int e = 0; e < dim; e++) {
                column[keys[u] * dim + e] += g.sums()[c][u * dim + e];
            }
        }
    }

    @Override
    public void parameterVjp(Matrix input, Matrix cotangent, Matrix target) {
        TokenGradients g = tokenGradients(input, cotangent, 1);
        double[] column = new double[paramCount()];
        for (int c = 0; c < cotangent.cols(); c++) {
            scatter(g, c, column);
        }
        target.setColumnSegment(0, paramOffset, column);
    }

    @Override
    public void writeParameters(double[] flat) {
        System.arraycopy(weight, 0, flat, paramOffset, paramCount());
    }

    /** {@code "{module}.weight"} [num_embeddings, dim]. */
    @Override
    public List<NamedTensor> tensors(double[] flat) {
        return List.of(new NamedTensor(Networks.weightName(module), new int[] {numEmbeddings, dim},
                Arrays.copyOfRange(flat, paramOffset, paramOffset + paramCount()), DType.FLOAT64));
    }
}
