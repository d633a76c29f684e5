package io.ntkstream.network;

import java.util.List;

/**
 * One entry of an architecture's {@code layers} list. Each kind states how it maps the shape of
 * a sample ({@link #outShape}); a kind that cannot take its input shape says so, naming the layer.
 */
public sealed interface LayerSpec permits LayerSpec.Dense, LayerSpec.Elementwise, LayerSpec.Conv, LayerSpec.Pool,
        LayerSpec.GlobalAvgPool, LayerSpec.Flatten, LayerSpec.Residual, LayerSpec.LayerNorm, LayerSpec.BatchNorm,
        LayerSpec.Embedding, LayerSpec.Attention, LayerSpec.PositionalEmbedding, LayerSpec.PositionalEncoding {

    /** The {@code "type"} of the layer in the architecture JSON. */
    String type();

    /** The shape of a sample after this layer, from the shape before it. */
    TensorShape outShape(TensorShape in);

    /** Whether the layer owns trainable tensors ({@code "{i}.weight"}, {@code "{i}.bias"}). */
    default boolean hasParameters() {
        return false;
    }

    /**
     * {@code {"type":"dense","out":512}}; {@code "bias":false} drops the bias (nn.Linear(bias=False)).
     * On flat samples [D] → [out]; on sequences [L, D] it acts on every position, [L, D] → [L, out]
     * (nn.Linear on a batch_first (N, L, D) tensor).
     */
    record Dense(int out, boolean bias) implements LayerSpec {
        public Dense {
            if (out <= 0) {
                throw new IllegalArgumentException("dense layer: \"out\" must be a positive integer, got " + out);
            }
        }

        @Override public String type() { return "dense"; }

        @Override public boolean hasParameters() { return true; }

        @Override
        public TensorShape outShape(TensorShape in) {
            if (in.rank() == 2) {
                return TensorShape.of(in.dimsCopy()[0], out);
            }
            if (!in.isFlat()) {
                throw new IllegalArgumentException("dense layer needs flat inputs (or [L, D] sequences, per position) but gets "
                        + "samples of shape " + in + "; put {\"type\":\"flatten\"} (or global_avg_pool, flatten) before it");
            }
            return TensorShape.of(out);
        }

        /** fan_in: the features of a flat sample, the last axis of a sequence. */
        public static int fanIn(TensorShape in) {
            return in.dimsCopy()[in.rank() - 1];
        }

        /** Positions the layer is applied at: 1 for a flat sample, L for [L, D]. */
        public static int positions(TensorShape in) {
            return in.rank() == 2 ? in.dimsCopy()[0] : 1;
        }
    }

    /** {@code {"type":"relu"}} and the other activations; any shape. */
    record Elementwise(Activation activation) implements LayerSpec {
        @Override public String type() { return activation.jsonName(); }

        @Override public TensorShape outShape(TensorShape in) { return in; }
    }

    /**
     * {@code {"type":"conv2d","out":16,"kernel":3,"stride":1,"padding":1,"dilation":1,"groups":1,"bias":true}}
     * (PyTorch {@code nn.Conv2d}; {@code conv1d} is {@code nn.Conv1d}). Kernel, stride, padding and
     * dilation hold one value per spatial axis, or one for all ([h, w] or a single number for conv2d).
     */
    record Conv(int spatialDims, int out, List<Integer> kernel, List<Integer> stride, List<Integer> padding,
                List<Integer> dilation, int groups, boolean bias) implements LayerSpec {
        public Conv {
            String where = "conv" + spatialDims + "d layer";
            if (spatialDims != 1 && spatialDims != 2) {
                throw new IllegalArgumentException("convolution: 1 or 2 spatial axes, got " + spatialDims);
            }
            if (out <= 0) {
                throw new IllegalArgumentException(where + ": \"out\" must be a positive integer, got " + out);
            }
            kernel = Windows.check(kernel, spatialDims, where, "kernel", 1);
            stride = Windows.check(stride, spatialDims, where, "stride", 1);
            padding = Windows.check(padding, spatialDims, where, "padding", 0);
            dilation = Windows.check(dilation, spatialDims, where, "dilation", 1);
            if (groups <= 0 || out % groups != 0) {
                throw new IllegalArgumentException(where + ": \"groups\" must be a positive divisor of \"out\" ("
                        + out + "), got " + groups);
            }
        }

        @Override public String type() { return "conv" + spatialDims + "d"; }

        @Override public boolean hasParameters() { return true; }

        @Override
        public TensorShape outShape(TensorShape in) {
            return geometry(in).outShape();
        }

        /** The convolution's sizes for inputs of shape {@code in} (validated). */
        public ConvGeometry geometry(TensorShape in) {
            if (in.spatialRank() != spatialDims) {
                throw new IllegalArgumentException(type() + " layer needs samples of shape "
                        + (spatialDims == 1 ? "[C, L]" : "[C, H, W]") + " but gets " + in
                        + (in.isFlat() ? " (flat; set \"input_shape\" in the architecture)" : ""));
            }
            if (in.channels() % groups != 0) {
                throw new IllegalArgumentException(type() + " layer: \"groups\" (" + groups
                        + ") must divide the input channels (" + in.channels() + ")");
            }
            int[] k = Windows.axes(kernel, 2);
            int[] s = Windows.axes(stride, 2);
            int[] p = Windows.axes(padding, 2);
            int[] d = Windows.axes(dilation, 2);
            if (spatialDims == 1) { // a sequence is an image of height 1
                k[0] = 1; s[0] = 1; p[0] = 0; d[0] = 1;
            }
            return ConvGeometry.of(type(), in, out, k, s, p, d, groups);
        }

        /** fan_in = in·kh·kw / groups, the parametrization's scale. */
        public int fanIn(TensorShape in) {
            return geometry(in).patchSize();
        }
    }

    /** Average or max pooling. */
    enum PoolKind {
        AVG("avg_pool"),
        MAX("max_pool");

        private final String jsonName;

        PoolKind(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }
    }

    /**
     * {@code {"type":"avg_pool","kernel":2}} or {@code max_pool} (PyTorch {@code AvgPool1d/2d},
     * {@code MaxPool1d/2d}, chosen by the input's shape): {@code stride} defaults to the kernel,
     * {@code padding} to 0; average pooling counts padded zeros ({@code count_include_pad=True}),
     * max pooling never picks a padded position; floor mode.
     */
    record Pool(PoolKind kind, List<Integer> kernel, List<Integer> stride, List<Integer> padding) implements LayerSpec {
        public Pool {
            String where = kind.jsonName() + " layer";
            kernel = Windows.check(kernel, 2, where, "kernel", 1);
            stride = stride == null ? kernel : Windows.check(stride, 2, where, "stride", 1);
            padding = Windows.check(padding, 2, where, "padding", 0);
        }

        @Override public String type() { return kind.jsonName(); }

        @Override
        public TensorShape outShape(TensorShape in) {
            return geometry(in).outShape();
        }

        public ConvGeometry geometry(TensorShape in) {
            if (in.isFlat()) {
                throw new IllegalArgumentException(type() + " layer needs samples of shape [C, L] or [C, H, W] but gets "
                        + in + " (flat; set \"input_shape\" in the architecture)");
            }
            String where = type() + " layer";
            int[] k = Windows.axes(kernel, in.spatialRank(), where, "kernel");
            int[] s = Windows.axes(stride, in.spatialRank(), where, "stride");
            int[] p = Windows.axes(padding, in.spatialRank(), where, "padding");
            for (int a = 0; a < k.length; a++) {
                if (2 * p[a] > k[a]) {
                    throw new IllegalArgumentException(where + ": \"padding\" must be at most half the kernel (PyTorch), got "
                            + padding + " for kernel " + kernel);
                }
            }
            if (in.spatialRank() == 1) {
                k = new int[] {1, k[0]};
                s = new int[] {1, s[0]};
                p = new int[] {0, p[0]};
            }
            return ConvGeometry.of(type(), in, in.channels(), k, s, p, new int[] {1, 1}, in.channels());
        }
    }

    /** {@code {"type":"global_avg_pool"}}: the mean over all positions per channel, [C, H, W] → [C, 1, 1] (nn.AdaptiveAvgPool2d(1)). */
    record GlobalAvgPool() implements LayerSpec {
        @Override public String type() { return "global_avg_pool"; }

        @Override
        public TensorShape outShape(TensorShape in) {
            if (in.isFlat()) {
                throw new IllegalArgumentException("global_avg_pool layer needs samples of shape [C, L] or [C, H, W] but gets "
                        + in);
            }
            return in.rank() == 3 ? TensorShape.of(in.channels(), 1, 1) : TensorShape.of(in.channels(), 1);
        }
    }

    /** {@code {"type":"flatten"}}: [C, H, W] → [C·H·W] (nn.Flatten); the numbers do not move. */
    record Flatten() implements LayerSpec {
        @Override public String type() { return "flatten"; }

        @Override public TensorShape outShape(TensorShape in) { return TensorShape.of(in.size()); }
    }

    /**
     * {@code {"type":"residual","layers":[...],"shortcut":[...],"scale":1.0}}: a block whose output is
     * scale·layers(x) + shortcut(x). The shortcut is the identity when omitted or empty (e.g. a 1x1
     * convolution when the branch changes the shape). Tensors of the branch's layer j are
     * {@code "{i}.layers.{j}.*"}, of the shortcut's {@code "{i}.shortcut.{j}.*"} (a PyTorch module with
     * {@code nn.Sequential} attributes {@code layers} and {@code shortcut}).
     */
    record Residual(List<LayerSpec> layers, List<LayerSpec> shortcut, double scale) implements LayerSpec {
        public Residual {
            if (layers == null || layers.isEmpty()) {
                throw new IllegalArgumentException("residual block: \"layers\" must be a non-empty list of layers");
            }
            layers = List.copyOf(layers);
            shortcut = shortcut == null ? List.of() : List.copyOf(shortcut);
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("residual block: \"scale\" must be a finite number, got " + scale);
            }
        }

        @Override public String type() { return "residual"; }

        @Override
        public boolean hasParameters() {
            return layers.stream().anyMatch(LayerSpec::hasParameters) || shortcut.stream().anyMatch(LayerSpec::hasParameters);
        }

        @Override
        public TensorShape outShape(TensorShape in) {
            TensorShape branch = sequenceShape(layers, in, "layers");
            TensorShape path = sequenceShape(shortcut, in, "shortcut");
            if (!branch.equals(path)) {
                throw new IllegalArgumentException("residual block: the layers give samples of shape " + branch
                        + " but the shortcut gives " + path + (shortcut.isEmpty()
                        ? " (identity); add a \"shortcut\", e.g. [{\"type\":\"conv2d\",\"out\":" + (branch.isFlat()
                        ? branch.size() : branch.channels()) + ",\"kernel\":1}]" : ""));
            }
            return branch;
        }

        /** The shape after a list of layers, errors naming the list and position ({@code layers[1]: ...}). */
        static TensorShape sequenceShape(List<LayerSpec> specs, TensorShape in, String list) {
            TensorShape shape = in;
            for (int j = 0; j < specs.size(); j++) {
                try {
                    shape = specs.get(j).outShape(shape);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(list + "[" + j + "]: " + e.getMessage(), e);
                }
            }
            return shape;
        }
    }

    /**
     * {@code {"type":"layer_norm","eps":1e-5,"affine":true,"over":"all"}}: PyTorch {@code nn.LayerNorm(shape)},
     * y = (x − mean)/√(var + eps)·weight + bias with the biased variance. {@code "over":"all"} (default)
     * normalizes over all of a sample's features (shape = the sample's shape; tensors {@code "{i}.weight"},
     * {@code "{i}.bias"} of the sample's shape); {@code "over":"last"} normalizes every position over the
     * last axis alone ({@code nn.LayerNorm(D)} on [L, D] sequences, as in a transformer; tensors [D]).
     */
    record LayerNorm(double eps, boolean affine, boolean overLast) implements LayerSpec {
        public LayerNorm {
            NormChecks.eps(eps, "layer_norm");
        }

        /** Over all of a sample's features. */
        public LayerNorm(double eps, boolean affine) {
            this(eps, affine, false);
        }

        @Override public String type() { return "layer_norm"; }

        @Override public boolean hasParameters() { return affine; }

        @Override public TensorShape outShape(TensorShape in) { return in; }

        /** The shape of the normalized part (and of weight and bias): the sample's shape, or [last axis]. */
        public TensorShape normalizedShape(TensorShape in) {
            return overLast ? TensorShape.of(in.dimsCopy()[in.rank() - 1]) : in;
        }
    }

    /**
     * {@code {"type":"batch_norm","eps":1e-5,"affine":true}}: PyTorch {@code nn.BatchNorm1d/2d} in inference
     * mode (eval()), per channel c: y = (x − running_mean[c])/√(running_var[c] + eps)·weight[c] + bias[c];
     * the channel is the first axis of [C, L] and [C, H, W] samples and each feature of a flat sample.
     * Tensors {@code "{i}.weight"}, {@code "{i}.bias"} (trainable), {@code "{i}.running_mean"},
     * {@code "{i}.running_var"} (fixed buffers), all [C]; {@code "{i}.num_batches_tracked"} is ignored.
     */
    record BatchNorm(double eps, boolean affine) implements LayerSpec {
        public BatchNorm {
            NormChecks.eps(eps, "batch_norm");
        }

        @Override public String type() { return "batch_norm"; }

        @Override public boolean hasParameters() { return affine; }

        @Override public TensorShape outShape(TensorShape in) { return in; }

        /** C: the first axis of a [C, L] or [C, H, W] sample, the features of a flat one. */
        public static int channels(TensorShape in) {
            return in.isFlat() ? in.size() : in.channels();
        }
    }

    /**
     * {@code {"type":"embedding","num_embeddings":1000,"embedding_dim":64}}: PyTorch {@code nn.Embedding}.
     * Samples are L token ids ([L], integers stored as numbers, each in [0, num_embeddings)); the output
     * is the sequence [L, embedding_dim] (position l's vector = row id_l of the weight). Tensor
     * {@code "{i}.weight"} [num_embeddings, embedding_dim], used as stored in either parametrization.
     */
    record Embedding(int numEmbeddings, int dim) implements LayerSpec {
        public Embedding {
            if (numEmbeddings <= 0) {
                throw new IllegalArgumentException("embedding layer: \"num_embeddings\" must be a positive integer, got "
                        + numEmbeddings);
            }
            if (dim <= 0) {
                throw new IllegalArgumentException("embedding layer: \"embedding_dim\" must be a positive integer, got " + dim);
            }
        }

        @Override public String type() { return "embedding"; }

        @Override public boolean hasParameters() { return true; }

        @Override
        public TensorShape outShape(TensorShape in) {
            if (!in.isFlat()) {
                throw new IllegalArgumentException("embedding layer needs samples of L token ids (shape [L]) but gets " + in);
            }
            return TensorShape.of(in.size(), dim);
        }
    }

    /**
     * {@code {"type":"attention","num_heads":4,"bias":true,"causal":false}}: multi-head self-attention over a
     * sequence, PyTorch {@code nn.MultiheadAttention(D, num_heads, bias, batch_first=True)} called as
     * {@code attn(x, x, x)} (no dropout): [L, D] → [L, D]. With {@code "causal":true} it is called as
     * {@code attn(x, x, x, attn_mask=torch.triu(torch.full((L, L), float('-inf')), diagonal=1))}: position l
     * attends only to positions m ≤ l. Tensors {@code "{i}.in_proj_weight"} [3D, D], {@code "{i}.in_proj_bias"}
     * [3D], {@code "{i}.out_proj.weight"} [D, D], {@code "{i}.out_proj.bias"} [D] (no biases with
     * {@code "bias":false}).
     */
    record Attention(int numHeads, boolean bias, boolean causal) implements LayerSpec {
        /** Unmasked attention. */
        public Attention(int numHeads, boolean bias) {
            this(numHeads, bias, false);
        }

        public Attention {
            if (numHeads <= 0) {
                throw new IllegalArgumentException("attention layer: \"num_heads\" must be a positive integer, got " + numHeads);
            }
        }

        @Override public String type() { return "attention"; }

        @Override public boolean hasParameters() { return true; }

        @Override
        public TensorShape outShape(TensorShape in) {
            if (in.rank() != 2) {
                throw new IllegalArgumentException("attention layer needs sequences of shape [L, D] (batch_first) but gets "
                        + in + (in.isFlat() ? " (flat; start with an embedding or set \"input_shape\": [L, D])" : ""));
            }
            int d = in.dimsCopy()[1];
            if (d % numHeads != 0) {
                throw new IllegalArgumentException("attention layer: \"num_heads\" (" + numHeads
                        + ") must divide the embedding dimension D = " + d);
            }
            return in;
        }
    }

    /**
     * {@code {"type":"positional_embedding"}}: a learned positional embedding, y = x + P on [L, D]
     * sequences (the {@code PositionalEmbedding} module of docs/networks.md). Tensor {@code "{i}.weight"}
     * [L, D], used as stored in either parametrization (like an embedding's weight).
     */
    record PositionalEmbedding() implements LayerSpec {
        @Override public String type() { return "positional_embedding"; }

        @Override public boolean hasParameters() { return true; }

        @Override
        public TensorShape outShape(TensorShape in) {
            return Sequences.require(in, type());
        }
    }

    /**
     * {@code {"type":"positional_encoding"}}: the fixed sinusoidal encoding of "Attention Is All You Need"
     * added to [L, D] sequences, PE[pos, 2i] = sin(pos / 10000^(2i/D)), PE[pos, 2i+1] = cos(pos / 10000^(2i/D));
     * no parameters.
     */
    record PositionalEncoding() implements LayerSpec {
        @Override public String type() { return "positional_encoding"; }

        @Override
        public TensorShape outShape(TensorShape in) {
            return Sequences.require(in, type());
        }
    }

    /** The check of layers that act on [L, D] sequences. */
    final class Sequences {
        private Sequences() {}

        /** {@code in} itself if it is a sequence [L, D]; otherwise an error naming the layer kind. */
        static TensorShape require(TensorShape in, String type) {
            if (in.rank() != 2) {
                throw new IllegalArgumentException(type + " layer needs sequences of shape [L, D] (batch_first) but gets "
                        + in + (in.isFlat() ? " (flat; start with an embedding or set \"input_shape\": [L, D])" : ""));
            }
            return in;
        }
    }

    /** Checks shared by the normalization layers. */
    final class NormChecks {
        private NormChecks() {}

        static void eps(double eps, String type) {
            if (!(eps > 0) || !Double.isFinite(eps)) {
                throw new IllegalArgumentException(type + " layer: \"eps\" must be a finite number > 0, got " + eps);
            }
        }
    }

    /** Validation of window fields (one value per spatial axis, or one for all). */
    final class Windows {
        private Windows() {}

        static List<Integer> check(List<Integer> values, int maxAxes, String where, String field, int min) {
            if (values == null || values.isEmpty() || values.size() > maxAxes) {
                throw new IllegalArgumentException(where + ": \"" + field + "\" must be an integer"
                        + (maxAxes > 1 ? " or a list of " + maxAxes : "") + ", got " + values);
            }
            for (Integer v : values) {
                if (v == null || v < min) {
                    throw new IllegalArgumentException(where + ": \"" + field + "\" must be >= " + min + ", got " + values);
                }
            }
            return List.copyOf(values);
        }

        /** The values for {@code axes} spatial axes: a single value repeats. */
        static int[] axes(List<Integer> values, int axes) {
            int[] out = new int[axes];
            for (int a = 0; a < axes; a++) {
                out[a] = values.get(values.size() == 1 ? 0 : a);
            }
            return out;
        }

        static int[] axes(List<Integer> values, int axes, String where, String field) {
            if (values.size() != 1 && values.size() != axes) {
                throw new IllegalArgumentException(where + ": \"" + field + "\" has " + values.size()
                        + " values but the input has " + axes + " spatial axis(es)");
            }
            return axes(values, axes);
        }
    }
}
