package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;

/**
 * A normalization layer: y_i = γ_c·n_i + β_c with n = normalize(x) and c = i / positions the
 * affine parameter that feature i uses (layer norm: one per feature; batch norm: one per channel,
 * shared by the channel's positions). γ and β are trainable and used as stored in both
 * parametrizations (PyTorch's ones and zeros at initialization); they sit in the flat parameter
 * vector as γ (channels values) then β. Without affine parameters γ = 1, β = 0.
 *
 * <p>The kinds differ only in the normalization ({@link #normalized}, its JVP and VJP); the affine
 * part and its parameter derivatives are written once here.
 */
public sealed interface NormLayer extends ParameterLayer permits LayerNormLayer, BatchNormLayer {

    /** Features per sample. */
    int dim();

    /** Number of γ (and β) values. */
    int channels();

    /**
     * Consecutive features sharing one γ, β: feature i uses channel (i / positions) mod channels
     * (batch norm: a channel's positions; layer norm: 1, each feature its own γ, repeating per
     * position when normalizing over the last axis).
     */
    default int positions() {
        return dim() / channels();
    }

    /** The γ, β index of feature i of a sample. */
    default int channelOf(int feature) {
        return (feature / positions()) % channels();
    }

    /** γ, or null without affine parameters. */
    double[] gamma();

    /** β, or null without affine parameters. */
    double[] beta();

    default boolean affine() {
        return gamma() != null;
    }

    /** n = normalize(x), column by column (dim x N, column-major). */
    double[] normalized(Matrix input);

    /** The tangent of n for tangent columns of x (column t·N + s belongs to sample s). */
    double[] normalizedJvp(Matrix input, double[] inputTangent, int columns);

    /** The cotangent of x from the cotangent g of n (column c belongs to sample c / group). */
    double[] normalizedVjp(Matrix input, double[] cotangent, int columns, int group);

    @Override default int inDim() { return dim(); }

    @Override default int outDim() { return dim(); }

    @Override default boolean hasBias() { return affine(); }

    @Override default int paramCount() { return affine() ? 2 * channels() : 0; }

    private double gammaOf(int feature) {
        return affine() ? gamma()[channelOf(feature)] : 1.0;
    }

    @Override
    default Matrix forward(Matrix input) {
        double[] y = normalized(input);
        if (affine()) {
            int d = dim();
            for (int i = 0; i < y.length; i++) {
                int c = channelOf(i % d);
                y[i] = gamma()[c] * y[i] + beta()[c];
            }
        }
        return Matrix.fromColumnMajor(input.precision(), dim(), input.cols(), y);
    }

    /** ∂L/∂x = VJP of the normalization at γ ⊙ ∂L/∂y. */
    @Override
    default Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        double[] g = outputCotangent.toColumnMajor();
        if (affine()) {
            for (int i = 0; i < g.length; i++) {
                g[i] *= gammaOf(i % dim());
            }
        }
        return Matrix.fromColumnMajor(input.precision(), dim(), outputCotangent.cols(),
                normalizedVjp(input, g, outputCotangent.cols(), group));
    }

    /** ẏ = γ ⊙ ṅ + γ̇ ⊙ n + β̇ for each of the T directions (column t·N + s). */
    @Override
    default Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        if (inputTangent == null && (paramTangents == null || !affine())) {
            return paramTangents == null ? null : Matrix.zeros(input.precision(), dim(), directions * input.cols());
        }
        int n = input.cols();
        int d = dim();
        double[] y;
        if (inputTangent != null) {
            y = normalizedJvp(input, inputTangent.toColumnMajor(), inputTangent.cols());
            for (int i = 0; i < y.length; i++) {
                y[i] *= gammaOf(i % d);
            }
        } else {
            y = new double[Math.multiplyExact(d, directions * n)];
        }
        if (paramTangents != null && affine()) {
            double[] norm = normalized(input);
            int c = channels();
            for (int t = 0; t < directions; t++) {
                Matrix column = paramTangents.columns(t, t + 1);
                double[] dg = new double[c];
                double[] db = new double[c];
                for (int k = 0; k < c; k++) {
                    dg[k] = column.getLinear(paramOffset() + k);
                    db[k] = column.getLinear(paramOffset() + c + k);
                }
                for (int s = 0; s < n; s++) {
                    int base = (t * n + s) * d;
                    for (int i = 0; i < d; i++) {
                        int k = channelOf(i);
                        y[base + i] += dg[k] * norm[s * d + i] + db[k];
                    }
                }
            }
        }
        return Matrix.fromColumnMajor(input.precision(), d, directions * n, y);
    }

    /**
     * The layer's Jacobian columns for cotangent columns (c belongs to sample c / group), 2·channels
     * values each: ∂/∂γ_k = Σ_{i of k} n_i·δ_i, then ∂/∂β_k = Σ_{i of k} δ_i (column-major); feature i
     * is of channel (i / positions) mod channels.
     */
    static double[] affineGradients(int dim, int channels, int positions, double[] normalized, double[] cotangent,
                                    int columns, int group) {
        int p = positions;
        double[] out = new double[2 * channels * columns];
        for (int col = 0; col < columns; col++) {
            int dBase = col * dim;
            int nBase = (col / group) * dim;
            int oBase = col * 2 * channels;
            for (int i = 0; i < dim; i++) {
                double delta = cotangent[dBase + i];
                int k = (i / p) % channels;
                out[oBase + k] += normalized[nBase + i] * delta;
                out[oBase + channels + k] += delta;
            }
        }
        return out;
    }

    @Override
    default void parameterCotangents(Matrix input, Matrix cotangent, int group, Matrix target, int targetColumn) {
        if (!affine()) {
            return;
        }
        int columns = cotangent.cols();
        double[] g = affineGradients(dim(), channels(), positions(), normalized(input), cotangent.toColumnMajor(), columns, group);
        int size = 2 * channels();
        for (int col = 0; col < columns; col++) {
            target.setColumnSegment(targetColumn + col, paramOffset(), java.util.Arrays.copyOfRange(g, col * size, (col + 1) * size));
        }
    }

    @Override
    default void parameterVjp(Matrix input, Matrix cotangent, Matrix target) {
        if (!affine()) {
            return;
        }
        int columns = cotangent.cols();
        double[] g = affineGradients(dim(), channels(), positions(), normalized(input), cotangent.toColumnMajor(), columns, 1);
        int size = 2 * channels();
        for (int k = 0; k < size; k++) {
            double s = 0;
            for (int col = 0; col < columns; col++) {
                s += g[col * size + k];
            }
            target.setLinear(paramOffset() + (long) k, s);
        }
    }

    @Override
    default void writeParameters(double[] flat) {
        if (affine()) {
            System.arraycopy(gamma(), 0, flat, paramOffset(), channels());
            System.arraycopy(beta(), 0, flat, paramOffset() + channels(), channels());
        }
    }
}
