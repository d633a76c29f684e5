package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;
import java.util.stream.IntStream;

/**
 * The parameter-free middle of multi-head self-attention (PyTorch
 * {@code F.scaled_dot_product_attention} per head, no dropout; optionally causal): [L, 3D] → [L, D]. Each
 * position's input holds its projected query, key and value (q, k, v, D each, in that order — the
 * rows of {@code in_proj_weight}); head h uses features [h·d_h, (h+1)·d_h) of each, d_h = D/H:
 * P = softmax_m(q_l·k_m/√d_h), o_l = Σ_m P_lm v_m, the heads' outputs concatenated.
 * An attention layer is in_proj ({@link PositionwiseDenseLayer}, D → 3D), this, out_proj (D → D).
 *
 * <p>Causal ({@code is_causal}, the attn_mask {@code triu(full((L, L), -inf), 1)}): position l attends
 * only to m ≤ l; the masked scores are −∞, so P_lm = 0 for m &gt; l and the softmax normalizes over
 * m ≤ l. Every sum over m below then runs over m ≤ l only: masked entries contribute nothing to the
 * output and get no derivative (their P_lm = 0 also zeroes Ṗ_lm and s̄_lm in the formulas).
 *
 * <p>Derivatives, with s_lm = c·q_l·k_m (c = 1/√d_h): JVP ṡ = c(q̇·k + q·k̇), Ṗ_lm = P_lm(ṡ_lm − Σ_n P_ln ṡ_ln),
 * ȯ_l = Σ_m Ṗ_lm v_m + P_lm v̇_m; VJP v̄_m = Σ_l P_lm ō_l, P̄_lm = ō_l·v_m, s̄_lm = P_lm(P̄_lm − Σ_n P_ln P̄_ln),
 * q̄_l = c Σ_m s̄_lm k_m, k̄_m = c Σ_l s̄_lm q_l.
 */
public record ScaledDotProductAttention(int positions, int dim, int heads, boolean causal) implements Layer {

    /** Unmasked attention. */
    public ScaledDotProductAttention(int positions, int dim, int heads) {
        this(positions, dim, heads, false);
    }

    public ScaledDotProductAttention {
        if (heads <= 0 || dim % heads != 0) {
            throw new IllegalArgumentException("attention: num_heads (" + heads + ") must divide D = " + dim);
        }
    }

    @Override public int inDim() { return positions * 3 * dim; }

    @Override public int outDim() { return positions * dim; }

    @Override public int paramCount() { return 0; }

    private int headDim() {
        return dim / heads;
    }

    /** One past the last position m that position l attends to: l + 1 when causal, L otherwise. */
    private int end(int l) {
        return causal ? l + 1 : positions;
    }

    /** Softmax weights of one sample and head: P[l·L + m], 0 where masked (x: the batch's inputs, column-major). */
    private double[] weights(double[] x, int sample, int head) {
        int len = positions;
        int dh = headDim();
        double c = 1.0 / Math.sqrt(dh);
        int base = sample * inDim();
        double[] p = new double[len * len];
        for (int l = 0; l < len; l++) {
            int q = base + l * 3 * dim + head * dh;
            double max = Double.NEGATIVE_INFINITY;
            for (int m = 0; m < end(l); m++) {
                int k = base + m * 3 * dim + dim + head * dh;
                double s = 0;
                for (int e = 0; e < dh; e++) {
                    s += x[q + e] * x[k + e];
                }
                p[l * len + m] = c * s;
                max = Math.max(max, c * s);
            }
            double z = 0;
            for (int m = 0; m < end(l); m++) {
                p[l * len + m] = Math.exp(p[l * len + m] - max);
                z += p[l * len + m];
            }
            for (int m = 0; m < end(l); m++) {
                p[l * len + m] /= z;
            }
        }
        return p;
    }

    @Override
    public Matrix forward(Matrix input) {
        double[] x = input.toColumnMajor();
        int len = positions;
        int dh = headDim();
        double[] y = new double[Math.multiplyExact(outDim(), input.cols())];
        IntStream.range(0, input.cols()).parallel().forEach(s -> {
            for (int h = 0; h < heads; h++) {
                double[] p = weights(x, s, h);
                for (int l = 0; l < len; l++) {
                    int o = s * outDim() + l * dim + h * dh;
                    for (int m = 0; m < end(l); m++) {
                        double w = p[l * len + m];
                        int v = s * inDim() + m * 3 * dim + 2 * dim + h * dh;
                        for (int e = 0; e < dh; e++) {
                            y[o + e] += w * x[v + e];
                        }
                    }
                }
            }
        });
        return Matrix.fromColumnMajor(input.precision(), outDim(), input.cols(), y);
    }

    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        double[] x = input.toColumnMajor();
        double[] g = outputCotangent.toColumnMajor();
        int len = positions;
        int dh = headDim();
        double c = 1.0 / Math.sqrt(dh);
        int in = inDim();
        int out = outDim();
        double[] r = new double[Math.multiplyExact(in, outputCotangent.cols())];
        IntStream.range(0, input.cols()).parallel().forEach(s -> {
            for (int h = 0; h < heads; h++) {
                double[] p = weights(x, s, h);
                double[] sBar = new double[len * len];
                for (int k = 0; k < group; k++) {
                    int col = s * group + k;
                    int gBase = col * out;
                    int rBase = col * in;
                    int xBase = s * in;
                    for (int l = 0; l < len; l++) {
                        // P̄_lm = ō_l·v_m, then s̄_lm = P_lm (P̄_lm − Σ_n P_ln P̄_ln)
                        double dot = 0;
                        for (int m = 0; m < end(l); m++) {
                            int v = xBase + m * 3 * dim + 2 * dim + h * dh;
                            int o = gBase + l * dim + h * dh;
                            double pb = 0;
                            for (int e = 0; e < dh; e++) {
                                pb += g[o + e] * x[v + e];
                            }
                            sBar[l * len + m] = pb;
                            dot += p[l * len + m] * pb;
                        }
                        for (int m = 0; m < end(l); m++) {
                            sBar[l * len + m] = p[l * len + m] * (sBar[l * len + m] - dot);
                        }
                    }
                    for (int l = 0; l < len; l++) {
                        int qBar = rBase + l * 3 * dim + h * dh;
                        int q = xBase + l * 3 * dim + h * dh;
                        int o = gBase + l * dim + h * dh;
                        for (int m = 0; m < end(l); m++) {
                            double sb = c * sBar[l * len + m];
                            double w = p[l * len + m];
                            int kk = xBase + m * 3 * dim + dim + h * dh;
                            int kBar = rBase + m * 3 * dim + dim + h * dh;
                            int vBar = rBase + m * 3 * dim + 2 * dim + h * dh;
                            for (int e = 0; e < dh; e++) {
                                r[qBar + e] += sb * x[kk + e];
                                r[kBar + e] += sb * x[q + e];
                                r[vBar + e] += w * g[o + e];
                            }
                        }
                    }
                }
            }
        });
        return Matrix.fromColumnMajor(outputCotangent.precision(), in, outputCotangent.cols(), r);
    }

    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        if (inputTangent == null) {
            return null;
        }
        double[] x = input.toColumnMajor();
        double[] t = inputTangent.toColumnMajor();
        int n = input.cols();
        int len = positions;
        int dh = headDim();
        double c = 1.0 / Math.sqrt(dh);
        int in = inDim();
        int out = outDim();
        int columns = inputTangent.cols();
        double[] y = new double[Math.multiplyExact(out, columns)];
        IntStream.range(0, n).parallel().forEach(s -> {
            int xBase = s * in;
            for (int h = 0; h < heads; h++) {
                double[] p = weights(x, s, h);
                double[] pDot = new double[len * len];
                for (int col = s; col < columns; col += n) {
                    int tBase = col * in;
                    int yBase = col * out;
                    for (int l = 0; l < len; l++) {
                        int q = xBase + l * 3 * dim + h * dh;
                        int qDot = tBase + l * 3 * dim + h * dh;
                        double mean = 0;
                        for (int m = 0; m < end(l); m++) {
                            int k = xBase + m * 3 * dim + dim + h * dh;
                            int kDot = tBase + m * 3 * dim + dim + h * dh;
                            double sd = 0;
                            for (int e = 0; e < dh; e++) {
                                sd += t[qDot + e] * x[k + e] + x[q + e] * t[kDot + e];
                            }
                            pDot[l * len + m] = c * sd;
                            mean += p[l * len + m] * c * sd;
                        }
                        int o = yBase + l * dim + h * dh;
                        for (int m = 0; m < end(l); m++) {
                            double w = p[l * len + m];
                            double wd = w * (pDot[l * len + m] - mean);
                            int v = xBase + m * 3 * dim + 2 * dim + h * dh;
                            int vDot = tBase + m * 3 * dim + 2 * dim + h * dh;
                            for (int e = 0; e < dh; e++) {
                                y[o + e] += wd * x[v + e] + w * t[vDot + e];
                            }
                        }
                    }
                }
            }
        });
        return Matrix.fromColumnMajor(inputTangent.precision(), out, columns, y);
    }
}
