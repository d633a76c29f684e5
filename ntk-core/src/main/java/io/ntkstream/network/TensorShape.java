package io.ntkstream.network;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The shape of one sample between layers, without the batch axis: {@code [D]} (flat features),
 * {@code [C, L]} (a sequence, PyTorch NCL) or {@code [C, H, W]} (an image, PyTorch NCHW).
 *
 * <p>A two-axis shape is read the way PyTorch reads the last two axes of a tensor: convolutions,
 * pooling and batch norm see {@code [C, L]} (channels first, as {@code nn.Conv1d}); embedding,
 * attention, a per-position dense layer and {@code layer_norm} over the last axis see the same
 * shape as {@code [L, D]}, L positions of D features (a transformer's batch_first (N, L, D)).
 *
 * <p>In a batch matrix a sample is one column holding the tensor in C order (channel, then row,
 * then column) — the order of {@code x.reshape(N, -1)} on an NCHW array, so flattening is free.
 * For [L, D] that is position by position (feature d of position l at l·D + d), so a batch
 * (L·D x N) read column-major as D x (L·N) has one column per position of every sample: a
 * per-position map is one GEMM.
 */
public record TensorShape(int[] dims) {

    public TensorShape {
        if (dims.length < 1 || dims.length > 3) {
            throw new IllegalArgumentException("a sample shape has 1 to 3 axes ([D], [C, L] or [C, H, W]), got "
                    + Arrays.toString(dims));
        }
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("shape axes must be positive, got " + Arrays.toString(dims));
            }
        }
        dims = dims.clone();
    }

    public static TensorShape of(int... dims) {
        return new TensorShape(dims);
    }

    public static TensorShape of(List<Integer> dims) {
        return new TensorShape(dims.stream().mapToInt(Integer::intValue).toArray());
    }

    public int rank() {
        return dims.length;
    }

    /** Numbers per sample (rows of a batch matrix). */
    public int size() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    public boolean isFlat() {
        return dims.length == 1;
    }

    /** C of [C, L] or [C, H, W]. */
    public int channels() {
        requireSpatial("channels");
        return dims[0];
    }

    /** H of [C, H, W]; 1 for [C, L] (a sequence is an image of height 1). */
    public int height() {
        requireSpatial("height");
        return dims.length == 3 ? dims[1] : 1;
    }

    /** W of [C, H, W]; L of [C, L]. */
    public int width() {
        requireSpatial("width");
        return dims[dims.length - 1];
    }

    /** Spatial axes: 1 for [C, L], 2 for [C, H, W], 0 for flat. */
    public int spatialRank() {
        return dims.length - 1;
    }

    public int[] dimsCopy() {
        return dims.clone();
    }

    private void requireSpatial(String what) {
        if (dims.length < 2) {
            throw new IllegalStateException("flat shape " + this + " has no " + what);
        }
    }

    public List<Integer> toList() {
        return Arrays.stream(dims).boxed().toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorShape t && Arrays.equals(dims, t.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** E.g. {@code 3x32x32}. */
    @Override
    public String toString() {
        return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining("x"));
    }
}
