package io.ntkstream.network;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Patches;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A 1-D or 2-D convolution, PyTorch {@code nn.Conv1d/2d}: z = s_w·(W ⋆ a) + s_b·b with W
 * (out x in/groups x kh x kw), b (out); s_w = σ_w/√fan_in in NTK parametrization, fan_in =
 * in·kh·kw/groups ({@link ConvGeometry#patchSize()}). Samples are columns, C x H x W in C order.
 *
 * <p>Computed as GEMMs on patches ("im2col"): for channel group g, output channel rows =
 * W_g (out/groups x patch) · patches (patch x positions). The weight of group g is therefore kept
 * as an out/groups x patch matrix, and the flat parameter vector stores it that way: group by
 * group, each column-major (entry (j, k) of group g at g·(out/groups)·patch + k·(out/groups) + j),
 * then b. For groups = 1 this is the dense layer's layout with in = patch.
 */
public record ConvLayer(String module, ConvGeometry geometry, Matrix weight, double[] bias, double weightScale,
                        double biasScale, int paramOffset) implements ParameterLayer {
    /** Numbers of patches built at once (bounds the temporary memory of one GEMM). */
    private static final long CHUNK_VALUES = 1L << 21;

    /**
     * @param weight out/groups x (groups·patch), group g in columns [g·patch, (g+1)·patch)
     */
    public ConvLayer {
        int rows = geometry.outChannelsPerGroup();
        int cols = geometry.groups() * geometry.patchSize();
        if (weight.rows() != rows || weight.cols() != cols) {
            throw new IllegalArgumentException("conv layer " + module + ": weight matrix must be " + rows + "x" + cols
                    + ", got " + weight.rows() + "x" + weight.cols());
        }
        if (bias != null && bias.length != geometry.outChannels()) {
            throw new IllegalArgumentException("conv layer " + module + ": bias must have " + geometry.outChannels()
                    + " values, got " + bias.length);
        }
    }

    /** The weight matrix from a PyTorch tensor's row-major values (out x in/groups x kh x kw). */
    public static Matrix weightFromTorch(Precision precision, ConvGeometry g, double[] values) {
        int co = g.outChannelsPerGroup();
        int k = g.patchSize();
        double[] colMajor = new double[values.length];
        for (int group = 0; group < g.groups(); group++) {
            for (int j = 0; j < co; j++) {
                for (int i = 0; i < k; i++) {
                    colMajor[group * co * k + i * co + j] = values[(group * co + j) * k + i];
                }
            }
        }
        return Matrix.fromColumnMajor(precision, co, g.groups() * k, colMajor);
    }

    /** The PyTorch shape of the weight: [out, in/groups, k] (1-D) or [out, in/groups, kh, kw] (2-D). */
    public static int[] torchWeightShape(ConvGeometry g) {
        return g.inShape().spatialRank() == 1
                ? new int[] {g.outChannels(), g.inChannelsPerGroup(), g.kernelW()}
                : new int[] {g.outChannels(), g.inChannelsPerGroup(), g.kernelH(), g.kernelW()};
    }

    @Override public boolean hasBias() { return bias != null; }

    @Override public int inDim() { return geometry.inSize(); }

    @Override public int outDim() { return geometry.outSize(); }

    public int weightCount() {
        return geometry.outChannels() * geometry.patchSize();
    }

    @Override
    public int paramCount() {
        return weightCount() + (hasBias() ? geometry.outChannels() : 0);
    }

    private Matrix groupWeight(int group) {
        int k = geometry.patchSize();
        return weight.columns(group * k, (group + 1) * k);
    }

    @Override
    public Matrix forward(Matrix input) {
        int n = input.cols();
        Matrix y = Matrix.zeros(input.precision(), outDim(), n);
        convolve(input, weightScale, y);
        if (hasBias()) {
            y.addToEveryColumn(biasColumn(bias), biasScale);
        }
        return y;
    }

    private void convolve(Matrix x, double alpha, Matrix y) {
        convolve(x, geometry.window(), weight, geometry.groups(), alpha, y);
    }

    /**
     * y[:, c] += alpha·(w ⋆ x[:, c]) for every column c of x, w out/groups x (groups·patch): native
     * im2col per chunk of samples, then per sample and group the output block (S x out/groups)
     * += alpha·Pᵀ·w_gᵀ — one GEMM straight into y (see {@link Patches} for the layout).
     */
    private static void convolve(Matrix x, Patches.Window window, Matrix w, int groups, double alpha, Matrix y) {
        int k = w.cols() / groups;
        int co = w.rows();
        int positions = window.outHeight() * window.outWidth();
        Patches.forEachSample(x, window, CHUNK_VALUES, (s, patches) -> {
            Matrix out = y.columns(s, s + 1);
            for (int g = 0; g < groups; g++) {
                Matrix.gemm(patches.block((long) g * k * positions, positions, k), false, w.columns(g * k, (g + 1) * k),
                        true, alpha, 1.0, out.block((long) g * co * positions, positions, co));
            }
        });
    }

    /**
     * Whether ∂L/∂a is the convolution of the cotangents with the flipped, transposed kernel: stride
     * 1, one group, padding at most the dilated kernel's reach (then the padding p' = d·(k−1) − p
     * of that convolution gives back the input's size).
     */
    private boolean backwardIsAConvolution() {
        ConvGeometry g = geometry;
        return g.strideH() == 1 && g.strideW() == 1 && g.groups() == 1
                && g.padH() <= g.dilationH() * (g.kernelH() - 1) && g.padW() <= g.dilationW() * (g.kernelW() - 1);
    }

    /** W' with W'[c, (o·kh + a)·kw + b] = W[o, c, kh−1−a, kw−1−b] (in x out·kh·kw), for one group. */
    private Matrix flippedWeight() {
        ConvGeometry g = geometry;
        int kh = g.kernelH();
        int kw = g.kernelW();
        int out = g.outChannels();
        int in = g.inChannels();
        double[] w = weight.toColumnMajor(); // (o, (c·kh + a)·kw + b) at o + out·((c·kh + a)·kw + b)
        double[] flipped = new double[w.length];
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int a = 0; a < kh; a++) {
                    for (int b = 0; b < kw; b++) {
                        int from = o + out * ((c * kh + a) * kw + b);
                        int to = c + in * ((o * kh + (kh - 1 - a)) * kw + (kw - 1 - b));
                        flipped[to] = w[from];
                    }
                }
            }
        }
        return Matrix.fromColumnMajor(weight.precision(), in, out * kh * kw, flipped);
    }

    /** The window of {@link #flippedWeight()} over cotangents (out x oh x ow) giving in x h x w. */
    private Patches.Window transposedWindow() {
        ConvGeometry g = geometry;
        return new Patches.Window(g.outChannels(), g.outHeight(), g.outWidth(), g.kernelH(), g.kernelW(), 1, 1,
                g.dilationH() * (g.kernelH() - 1) - g.padH(), g.dilationW() * (g.kernelW() - 1) - g.padW(),
                g.dilationH(), g.dilationW(), g.height(), g.width());
    }

    /** The bias as a column of the output: b[channel] at every position. */
    private double[] biasColumn(double[] b) {
        int positions = geometry.outPositions();
        double[] column = new double[outDim()];
        for (int ch = 0; ch < b.length; ch++) {
            java.util.Arrays.fill(column, ch * positions, (ch + 1) * positions, b[ch]);
        }
        return column;
    }

    /**
     * ∂L/∂a = s_w·Wᵀ ⋆ᵀ ∂L/∂z: at stride 1 the convolution of δ with the flipped kernel
     * ({@link #backwardIsAConvolution}); otherwise per column and group the patch cotangents
     * (S x k) = δ_g·W_g (δ_g the S x C_out/groups block of the column), then native col2im adds
     * them back onto the positions they read.
     */
    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        int columns = outputCotangent.cols();
        Matrix result = Matrix.zeros(outputCotangent.precision(), inDim(), columns);
        if (backwardIsAConvolution()) { // fewer, better-shaped GEMMs (inner dimension out·kh·kw) and no col2im
            try (Matrix flipped = flippedWeight()) {
                convolve(outputCotangent, transposedWindow(), flipped, 1, weightScale, result);
            }
            return result;
        }
        int k = geometry.patchSize();
        int co = geometry.outChannelsPerGroup();
        int positions = geometry.outPositions();
        int patchRows = geometry.window().patchRows();
        int chunk = (int) Math.min(columns, Math.max(1, CHUNK_VALUES / patchRows));
        try (Matrix buffer = Matrix.zeros(outputCotangent.precision(), patchRows, chunk)) {
            for (int c0 = 0; c0 < columns; c0 += chunk) {
                int c1 = Math.min(columns, c0 + chunk);
                Matrix cols = buffer.columns(0, c1 - c0);
                for (int c = c0; c < c1; c++) { // every row of the chunk is written: the groups cover all patches
                    Matrix delta = outputCotangent.columns(c, c + 1);
                    Matrix patches = cols.columns(c - c0, c - c0 + 1);
                    for (int g = 0; g < geometry.groups(); g++) {
                        Matrix.gemm(delta.block((long) g * co * positions, positions, co), false, groupWeight(g), false,
                                weightScale, 0.0, patches.block((long) g * k * positions, positions, k));
                    }
                }
                Patches.col2im(cols, geometry.window(), result.columns(c0, c1));
            }
        }
        return result;
    }

    /** ż = s_w·(W ⋆ ȧ + Ẇ ⋆ a) + s_b·ḃ for each of the T directions (column t·N + n). */
    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        int n = input.cols();
        Matrix y = Matrix.zeros(input.precision(), outDim(), Math.multiplyExact(directions, n));
        if (inputTangent != null) {
            convolve(inputTangent, weightScale, y);
        }
        if (paramTangents != null) {
            int k = geometry.patchSize();
            int co = geometry.outChannelsPerGroup();
            int positions = geometry.outPositions();
            Patches.forEachSample(input, geometry.window(), CHUNK_VALUES, (s, patches) -> {
                for (int t = 0; t < directions; t++) {
                    Matrix out = y.columns(t * n + s, t * n + s + 1);
                    for (int g = 0; g < geometry.groups(); g++) {
                        Matrix wt = paramTangents.columns(t, t + 1).block(paramOffset + (long) g * co * k, co, k);
                        Matrix.gemm(patches.block((long) g * k * positions, positions, k), false, wt, true,
                                weightScale, 1.0, out.block((long) g * co * positions, positions, co));
                    }
                }
            });
            if (hasBias()) {
                double[] b = new double[geometry.outChannels()];
                for (int t = 0; t < directions; t++) {
                    Matrix column = paramTangents.columns(t, t + 1);
                    for (int c = 0; c < b.length; c++) {
                        b[c] = column.getLinear(paramOffset + weightCount() + c);
                    }
                    y.columns(t * n, (t + 1) * n).addToEveryColumn(biasColumn(b), biasScale);
                }
            }
        }
        return y;
    }

    /**
     * Per cotangent column c (sample c / group): ∂/∂W_g = s_w·δ_gᵀ·Pᵀ (out/groups x patch: δ_g the
     * S x out/groups block of the column, Pᵀ the sample's S x patch block of native im2col), one GEMM
     * straight into the target column, and ∂/∂b = s_b·δᵀ·1 (the sums over positions).
     */
    @Override
    public void parameterCotangents(Matrix input, Matrix cotangent, int group, Matrix target, int targetColumn) {
        int k = geometry.patchSize();
        int co = geometry.outChannelsPerGroup();
        int positions = geometry.outPositions();
        try (Matrix ones = hasBias() ? Matrix.ones(cotangent.precision(), positions) : null) {
            Patches.forEachSample(input, geometry.window(), CHUNK_VALUES, (s, patches) -> {
                for (int kk = 0; kk < group; kk++) {
                    int c = s * group + kk;
                    Matrix delta = cotangent.columns(c, c + 1);
                    Matrix column = target.columns(targetColumn + c, targetColumn + c + 1);
                    for (int g = 0; g < geometry.groups(); g++) {
                        Matrix.gemm(delta.block((long) g * co * positions, positions, co), true,
                                patches.block((long) g * k * positions, positions, k), false, weightScale, 0.0,
                                column.block(paramOffset + (long) g * co * k, co, k));
                    }
                    if (ones != null) {
                        Matrix.gemm(delta.reshape(positions, geometry.outChannels()), true, ones, false,
                                biasScale, 0.0, column.block(paramOffset + (long) weightCount(), geometry.outChannels(), 1));
                    }
                }
            });
        }
    }

    /**
     * Σ over cotangent columns (one per sample): ∂/∂W_g = s_w·Σ_s δ_s,gᵀ·P_sᵀ, one accumulating GEMM
     * per sample and group on native im2col patches, and ∂/∂b = s_b·Σ_s δ_sᵀ·1.
     */
    @Override
    public void parameterVjp(Matrix input, Matrix cotangent, Matrix target) {
        int n = input.cols();
        int k = geometry.patchSize();
        int co = geometry.outChannelsPerGroup();
        int positions = geometry.outPositions();
        Patches.forEachSample(input, geometry.window(), CHUNK_VALUES, (s, patches) -> {
            Matrix delta = cotangent.columns(s, s + 1);
            for (int g = 0; g < geometry.groups(); g++) {
                Matrix.gemm(delta.block((long) g * co * positions, positions, co), true,
                        patches.block((long) g * k * positions, positions, k), false, weightScale, s == 0 ? 0.0 : 1.0,
                        target.block(paramOffset + (long) g * co * k, co, k));
            }
        });
        if (hasBias()) {
            int channels = geometry.outChannels();
            try (Matrix ones = Matrix.ones(cotangent.precision(), Math.max(positions, n));
                 Matrix perSample = Matrix.zeros(cotangent.precision(), channels * n, 1)) {
                Matrix.gemm(cotangent.reshape(positions, channels * n), true, ones.block(0, positions, 1), false, 1.0, 0.0,
                        perSample);
                Matrix.gemm(perSample.reshape(channels, n), false, ones.block(0, n, 1), false, biasScale, 0.0,
                        target.block(paramOffset + (long) weightCount(), channels, 1));
            }
        }
    }

    @Override
    public void writeParameters(double[] flat) {
        double[] w = weight.toColumnMajor();
        System.arraycopy(w, 0, flat, paramOffset, w.length);
        if (hasBias()) {
            System.arraycopy(bias, 0, flat, paramOffset + weightCount(), bias.length);
        }
    }

    /** {@code "{i}.weight"} (out x in/groups x [kh x] kw) and {@code "{i}.bias"} (out). */
    @Override
    public List<NamedTensor> tensors(double[] flat) {
        int co = geometry.outChannelsPerGroup();
        int k = geometry.patchSize();
        double[] w = new double[weightCount()];
        for (int g = 0; g < geometry.groups(); g++) {
            for (int j = 0; j < co; j++) {
                for (int i = 0; i < k; i++) {
                    w[(g * co + j) * k + i] = flat[paramOffset + g * co * k + i * co + j];
                }
            }
        }
        List<NamedTensor> out = new ArrayList<>();
        out.add(new NamedTensor(Networks.weightName(module), torchWeightShape(geometry), w, DType.FLOAT64));
        if (hasBias()) {
            double[] b = Arrays.copyOfRange(flat, paramOffset + weightCount(), paramOffset + paramCount());
            out.add(new NamedTensor(Networks.biasName(module), new int[] {geometry.outChannels()}, b, DType.FLOAT64));
        }
        return out;
    }
}
