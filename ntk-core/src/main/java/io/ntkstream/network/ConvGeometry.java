package io.ntkstream.network;

import io.ntkstream.linalg.Patches;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The sizes of a 2-D sliding-window layer (convolution or pooling) on samples of C x H x W; a
 * 1-D layer is the case H = 1 with a kernel of height 1. PyTorch semantics: output size
 * ⌊(H + 2p − d·(k − 1) − 1)/s⌋ + 1 per axis; {@code groups} splits the channels into independent
 * convolutions (pooling is the case groups = channels).
 *
 * <p>A patch is the window of input values that one output position reads in one group:
 * {@link #patchSize()} = C_in/groups · kh · kw numbers, index (c·kh + a)·kw + b — the order of a
 * PyTorch weight's trailing axes {@code [in/groups, kh, kw]}.
 */
public record ConvGeometry(TensorShape inShape, int inChannels, int height, int width, int outChannels,
                           int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                           int dilationH, int dilationW, int groups, int outHeight, int outWidth) {

    static ConvGeometry of(String kind, TensorShape in, int outChannels, int[] k, int[] s, int[] p, int[] d,
                           int groups) {
        int h = in.height();
        int w = in.width();
        int oh = outSize(h, k[0], s[0], p[0], d[0]);
        int ow = outSize(w, k[1], s[1], p[1], d[1]);
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(kind + " layer: input " + in + " is smaller than the (dilated) kernel "
                    + Arrays.toString(in.spatialRank() == 1 ? new int[] {k[1]} : k) + " with padding "
                    + Arrays.toString(in.spatialRank() == 1 ? new int[] {p[1]} : p));
        }
        return new ConvGeometry(in, in.channels(), h, w, outChannels, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1],
                groups, oh, ow);
    }

    private static int outSize(int n, int k, int s, int p, int d) {
        int span = n + 2 * p - d * (k - 1) - 1;
        return span < 0 ? 0 : span / s + 1;
    }

    public TensorShape outShape() {
        return inShape.rank() == 2 ? TensorShape.of(outChannels, outWidth) : TensorShape.of(outChannels, outHeight, outWidth);
    }

    public int inChannelsPerGroup() {
        return inChannels / groups;
    }

    public int outChannelsPerGroup() {
        return outChannels / groups;
    }

    /** C_in/groups · kh · kw: the fan-in of one output. */
    public int patchSize() {
        return inChannelsPerGroup() * kernelH * kernelW;
    }

    public int inPositions() {
        return height * width;
    }

    public int outPositions() {
        return outHeight * outWidth;
    }

    public int inSize() {
        return inChannels * height * width;
    }

    public int outSize() {
        return outChannels * outPositions();
    }

    /**
     * For output position q and kernel offset (a, b): the input position (row·W + col) it reads,
     * or −1 where the window lies on padding. Indexed [q·kh·kw + a·kw + b].
     */
    public int[] sourceIndex() {
        int kk = kernelH * kernelW;
        int[] src = new int[outPositions() * kk];
        for (int oy = 0; oy < outHeight; oy++) {
            for (int ox = 0; ox < outWidth; ox++) {
                int q = oy * outWidth + ox;
                for (int a = 0; a < kernelH; a++) {
                    int iy = oy * strideH - padH + a * dilationH;
                    for (int b = 0; b < kernelW; b++) {
                        int ix = ox * strideW - padW + b * dilationW;
                        boolean inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
                        src[q * kk + a * kernelW + b] = inside ? iy * width + ix : -1;
                    }
                }
            }
        }
        return src;
    }

    /**
     * The patches of samples [s0, s1) of a column-major batch (one sample of {@link #inSize()}
     * numbers per column), for channel group {@code group}: a column-major
     * {@link #patchSize()} x ((s1 − s0)·outPositions) array, column n·outPositions + q.
     */
    public double[] patches(double[] x, int s0, int s1, int group, int[] src) {
        int k = patchSize();
        int kk = kernelH * kernelW;
        int positions = outPositions();
        int cin = inChannelsPerGroup();
        int hw = inPositions();
        double[] out = new double[k * (s1 - s0) * positions];
        perSample(s0, s1, (long) k * positions, s -> {
            int base = s * inSize() + group * cin * hw;
            for (int q = 0; q < positions; q++) {
                int col = ((s - s0) * positions + q) * k;
                for (int c = 0; c < cin; c++) {
                    int channel = base + c * hw;
                    for (int j = 0; j < kk; j++) {
                        int at = src[q * kk + j];
                        if (at >= 0) {
                            out[col + c * kk + j] = x[channel + at];
                        }
                    }
                }
            }
        });
        return out;
    }

    /** Samples below this many values each run one after another; above, on the common pool (disjoint writes). */
    private static final long PARALLEL_VALUES = 1 << 15;

    /** body(s) for s in [s0, s1): each sample's loop writes only that sample's part of its output. */
    private static void perSample(int s0, int s1, long valuesPerSample, java.util.function.IntConsumer body) {
        if (s1 - s0 > 1 && valuesPerSample * (s1 - s0) >= PARALLEL_VALUES) {
            IntStream.range(s0, s1).parallel().forEach(body);
        } else {
            for (int s = s0; s < s1; s++) {
                body.accept(s);
            }
        }
    }

    /** This window for native im2col/col2im ({@link Patches}). */
    public Patches.Window window() {
        return new Patches.Window(inChannels, height, width, kernelH, kernelW, strideH, strideW, padH, padW,
                dilationH, dilationW, outHeight, outWidth);
    }
}
