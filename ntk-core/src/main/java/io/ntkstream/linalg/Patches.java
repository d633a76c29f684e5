package io.ntkstream.linalg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Native im2col and its adjoint col2im (libnd4j) on batches of samples stored as columns: a
 * column holds one C x H x W sample in C order, so an in x n column-major matrix is the buffer
 * of an n x C x H x W tensor and no value is copied to reach it.
 *
 * <p>The patches of a batch are a (C·kh·kw·S) x n matrix (S = oh·ow output positions): column s
 * holds sample s's patches as [C][kh][kw][oh][ow], so for channel group g (C_g = C/groups input
 * channels, k = C_g·kh·kw) the S x k column-major block at offset g·k·S is Pᵀ, with P[(c·kh + a)·kw + b, q]
 * the input value that kernel offset (a, b) of channel c reads at output position q (0 on padding).
 */
public final class Patches {
    private Patches() {}

    /** A sliding window over C x H x W samples (PyTorch semantics; 1-D is H = 1, kh = 1). */
    public record Window(int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW,
                         int padH, int padW, int dilationH, int dilationW, int outHeight, int outWidth) {

        int inSize() {
            return channels * height * width;
        }

        public int patchRows() {
            return channels * kernelH * kernelW * outHeight * outWidth;
        }
    }

    /** The patches of every column of x (in x n, in = C·H·W): a new (C·kh·kw·S) x n matrix. */
    public static Matrix im2col(Matrix x, Window w) {
        Matrix cols = Matrix.uninitialized(x.precision(), w.patchRows(), x.cols());
        im2col(x, w, cols);
        return cols;
    }

    /** {@link #im2col(Matrix, Window)} into {@code cols} ((C·kh·kw·S) x n, e.g. a reused buffer's first n columns). */
    public static void im2col(Matrix x, Window w, Matrix cols) {
        requireSamples(x, w.inSize(), "im2col input");
        requireSamples(cols, w.patchRows(), "im2col target");
        if (cols.cols() != x.cols()) {
            throw new IllegalArgumentException("im2col: " + cols.cols() + " columns of patches for " + x.cols() + " samples");
        }
        INDArray out = tensor(cols, x.cols(), w.channels(), w.kernelH(), w.kernelW(), w.outHeight(), w.outWidth());
        Nd4j.exec(DynamicCustomOp.builder("im2col")
                .addInputs(tensor(x, x.cols(), w.channels(), w.height(), w.width()))
                .addOutputs(out)
                .addIntegerArguments(w.kernelH(), w.kernelW(), w.strideH(), w.strideW(), w.padH(), w.padW(),
                        w.dilationH(), w.dilationW(), 0)
                .addFloatingPointArguments(0.0)
                .build());
    }

    /** What {@link #forEachSample} calls per sample. */
    @FunctionalInterface
    public interface SamplePatches {
        /** {@code patches}: sample {@code sample}'s (C·kh·kw·S) x 1 column, valid during the call only. */
        void accept(int sample, Matrix patches);
    }

    /**
     * For each column s of x in order, {@code body(s, patches of s)}: native im2col on chunks of
     * samples whose patches hold about {@code maxValues} numbers, through one buffer reused for every
     * chunk (fresh native pages are slow to touch).
     */
    public static void forEachSample(Matrix x, Window w, long maxValues, SamplePatches body) {
        int chunk = (int) Math.min(x.cols(), Math.max(1, maxValues / Math.max(1, w.patchRows())));
        try (Matrix buffer = Matrix.uninitialized(x.precision(), w.patchRows(), chunk)) {
            for (int s0 = 0; s0 < x.cols(); s0 += chunk) {
                int s1 = Math.min(x.cols(), s0 + chunk);
                Matrix cols = buffer.columns(0, s1 - s0);
                im2col(x.columns(s0, s1), w, cols);
                for (int s = s0; s < s1; s++) {
                    body.accept(s, cols.columns(s - s0, s - s0 + 1));
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: every patch value added back onto the input position it was
     * read from; the sums overwrite {@code target} (in x n).
     */
    public static void col2im(Matrix cols, Window w, Matrix target) {
        requireSamples(cols, w.patchRows(), "col2im input");
        requireSamples(target, w.inSize(), "col2im target");
        if (cols.cols() != target.cols()) {
            throw new IllegalArgumentException("col2im: " + cols.cols() + " columns of patches for " + target.cols() + " samples");
        }
        Nd4j.exec(DynamicCustomOp.builder("col2im")
                .addInputs(tensor(cols, cols.cols(), w.channels(), w.kernelH(), w.kernelW(), w.outHeight(), w.outWidth()))
                .addOutputs(tensor(target, target.cols(), w.channels(), w.height(), w.width()))
                .addIntegerArguments(w.strideH(), w.strideW(), w.padH(), w.padW(), w.height(), w.width(),
                        w.dilationH(), w.dilationW(), 0)
                .build());
    }

    private static void requireSamples(Matrix m, long rows, String what) {
        if (m.rows() != rows) {
            throw new IllegalArgumentException(what + ": columns of " + m.rows() + " values, expected " + rows);
        }
    }

    /** The C-order tensor of the given shape on m's buffer (m is contiguous column-major). */
    private static INDArray tensor(Matrix m, long... shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= shape[i];
        }
        INDArray a = m.nd4j();
        return Nd4j.create(a.data(), shape, stride, a.offset(), 'c', m.precision().nd4j);
    }
}
