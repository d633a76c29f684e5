package io.ntkstream.network;

import io.ntkstream.data.DType;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.checkpoint.CheckpointException;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds networks from checkpoint tensors and makes random checkpoints. Tensor names follow a
 * PyTorch {@code nn.Sequential} state-dict: the dense layer at index i of {@code layers} owns
 * {@code "{i}.weight"} (out x in) and {@code "{i}.bias"} (out); a convolution at index i owns
 * {@code "{i}.weight"} (out x in/groups x k for conv1d, out x in/groups x kh x kw for conv2d) and
 * {@code "{i}.bias"} (out); a norm layer {@code "{i}.weight"}, {@code "{i}.bias"} (and for batch norm
 * {@code "{i}.running_mean"}, {@code "{i}.running_var"}). Layers without parameters own no tensors
 * but count in the index. Inside the residual block at index i, the branch's layer j is module
 * {@code "{i}.layers.{j}"} and the shortcut's {@code "{i}.shortcut.{j}"}. An embedding at index i owns
 * {@code "{i}.weight"} (num_embeddings x dim); an attention layer (nn.MultiheadAttention)
 * {@code "{i}.in_proj_weight"} (3D x D), {@code "{i}.in_proj_bias"} (3D), {@code "{i}.out_proj.weight"}
 * (D x D) and {@code "{i}.out_proj.bias"} (D); a dense layer on [L, D] sequences {@code "{i}.weight"}
 * (out x D), applied per position; a learned positional embedding {@code "{i}.weight"} (L x D).
 */
public final class Networks {
    private Networks() {}

    /** {@code "{module}.weight"}, e.g. {@code "3.weight"} or {@code "2.layers.0.weight"}. */
    public static String weightName(String module) {
        return module + ".weight";
    }

    public static String biasName(String module) {
        return module + ".bias";
    }

    /** The network of {@code arch} with parameters from {@code tensors}; every tensor is checked by name and shape. */
    public static Network fromTensors(Architecture arch, Map<String, NamedTensor> tensors, Precision precision) {
        Builder b = new Builder(arch, tensors, precision);
        b.sequence(arch.layers(), "", 0, arch.inputShape());
        List<String> unused = tensors.keySet().stream()
                .filter(k -> !b.used.contains(k) && !b.ignored.contains(k)).sorted().toList();
        if (!unused.isEmpty()) {
            throw new CheckpointException("checkpoint has tensors the architecture does not use: " + unused
                    + " (expected only " + b.used + ")");
        }
        return new Network(arch, precision, b.layers, b.sources.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Flattens the architecture into the network's list of layers, each reading one value (0 = the
     * input, l + 1 = the output of layer l): a residual block becomes its branch's layers, its
     * shortcut's layers and a {@link ResidualAdd}.
     */
    private static final class Builder {
        final Architecture arch;
        final Map<String, NamedTensor> tensors;
        final Precision precision;
        final List<Layer> layers = new ArrayList<>();
        final List<Integer> sources = new ArrayList<>();
        final List<String> used = new ArrayList<>();
        final List<String> ignored = new ArrayList<>();
        int offset;

        Builder(Architecture arch, Map<String, NamedTensor> tensors, Precision precision) {
            this.arch = arch;
            this.tensors = tensors;
            this.precision = precision;
        }

        /** Appends the layers of {@code specs} reading value {@code source}; returns the value index of their output. */
        int sequence(List<LayerSpec> specs, String prefix, int source, TensorShape shape) {
            int value = source;
            for (int j = 0; j < specs.size(); j++) {
                LayerSpec spec = specs.get(j);
                value = layer(spec, prefix + j, value, shape);
                shape = spec.outShape(shape);
            }
            return value;
        }

        private int add(Layer layer, int source) {
            layers.add(layer);
            sources.add(source);
            offset += layer.paramCount();
            return layers.size();
        }

        private int layer(LayerSpec spec, String module, int source, TensorShape shape) {
            Parametrization p = arch.parametrization();
            int dim = shape.size();
            if (spec instanceof LayerSpec.Dense d && shape.rank() == 2) {
                int in = LayerSpec.Dense.fanIn(shape);
                return add(positionwise(module, weightName(module), biasName(module), LayerSpec.Dense.positions(shape),
                        in, d.out(), d.bias()), source);
            } else if (spec instanceof LayerSpec.Embedding e) {
                NamedTensor w = require(tensors, weightName(module), new int[] {e.numEmbeddings(), e.dim()});
                used.add(w.name());
                return add(new EmbeddingLayer(module, shape.size(), e.numEmbeddings(), e.dim(), w.values().clone(), offset),
                        source);
            } else if (spec instanceof LayerSpec.PositionalEmbedding) {
                int[] ld = spec.outShape(shape).dimsCopy();
                NamedTensor w = require(tensors, weightName(module), ld);
                used.add(w.name());
                return add(new PositionalEmbeddingLayer(module, ld[0], ld[1], w.values().clone(), offset), source);
            } else if (spec instanceof LayerSpec.Attention a) {
                int[] ld = shape.dimsCopy();
                int len = ld[0];
                int d = ld[1];
                int qkv = add(positionwise(module, module + ".in_proj_weight", module + ".in_proj_bias", len, d, 3 * d,
                        a.bias()), source);
                int mixed = add(new ScaledDotProductAttention(len, d, a.numHeads(), a.causal()), qkv);
                String out = module + ".out_proj";
                return add(positionwise(out, weightName(out), biasName(out), len, d, d, a.bias()), mixed);
            } else if (spec instanceof LayerSpec.Dense d) {
                NamedTensor w = require(tensors, weightName(module), new int[] {d.out(), dim});
                used.add(w.name());
                Matrix weight = Matrix.fromRowMajor(precision, d.out(), dim, w.values());
                double[] bias = bias(module, d.bias(), new int[] {d.out()});
                return add(new DenseLayer(module, weight, bias, p.weightScale(arch.sigmaW(), dim),
                        d.bias() ? p.biasScale(arch.sigmaB()) : 0.0, offset), source);
            } else if (spec instanceof LayerSpec.Conv c) {
                ConvGeometry g = c.geometry(shape);
                NamedTensor w = require(tensors, weightName(module), ConvLayer.torchWeightShape(g));
                used.add(w.name());
                double[] bias = bias(module, c.bias(), new int[] {c.out()});
                return add(new ConvLayer(module, g, ConvLayer.weightFromTorch(precision, g, w.values()), bias,
                        p.weightScale(arch.sigmaW(), g.patchSize()), c.bias() ? p.biasScale(arch.sigmaB()) : 0.0, offset),
                        source);
            } else if (spec instanceof LayerSpec.Residual r) {
                int branch = sequence(r.layers(), module + ".layers.", source, shape);
                int shortcut = sequence(r.shortcut(), module + ".shortcut.", source, shape);
                return add(new ResidualAdd(r.outShape(shape).size(), shortcut, r.scale()), branch);
            } else if (spec instanceof LayerSpec.LayerNorm n) {
                TensorShape normalized = n.normalizedShape(shape);
                double[][] affine = affine(module, n.affine(), normalized.dimsCopy());
                return add(new LayerNormLayer(module, shape, normalized.size(), affine[0], affine[1], n.eps(), offset),
                        source);
            } else if (spec instanceof LayerSpec.BatchNorm n) {
                int[] c = {LayerSpec.BatchNorm.channels(shape)};
                double[][] affine = affine(module, n.affine(), c);
                double[] mean = buffer(module + ".running_mean", c);
                double[] var = buffer(module + ".running_var", c);
                for (int k = 0; k < var.length; k++) {
                    if (!(var[k] >= 0)) {
                        throw new CheckpointException("tensor '" + module + ".running_var' has a negative or NaN value "
                                + var[k] + " at " + k);
                    }
                }
                if (tensors.containsKey(module + ".num_batches_tracked")) {
                    ignored.add(module + ".num_batches_tracked");
                }
                return add(new BatchNormLayer(module, shape, affine[0], affine[1], mean, var, n.eps(), offset), source);
            }
            Layer layer;
            if (spec instanceof LayerSpec.Elementwise e) {
                layer = new ActivationLayer(e.activation(), dim);
            } else if (spec instanceof LayerSpec.Pool pool) {
                layer = new PoolLayer(pool.kind(), pool.geometry(shape));
            } else if (spec instanceof LayerSpec.GlobalAvgPool) {
                layer = new GlobalAvgPoolLayer(shape);
            } else if (spec instanceof LayerSpec.Flatten) {
                layer = new FlattenLayer(dim);
            } else if (spec instanceof LayerSpec.PositionalEncoding) {
                int[] ld = spec.outShape(shape).dimsCopy();
                layer = new PositionalEncodingLayer(ld[0], ld[1]);
            } else {
                throw new IllegalStateException("no layer for " + spec);
            }
            return add(layer, source);
        }

        private double[] bias(String module, boolean declared, int[] shape) {
            return bias(biasName(module), module, declared, shape);
        }

        private double[] bias(String name, String module, boolean declared, int[] shape) {
            if (declared) {
                NamedTensor b = require(tensors, name, shape);
                used.add(b.name());
                return b.values().clone();
            }
            if (tensors.containsKey(name)) {
                throw new CheckpointException("checkpoint has tensor '" + name
                        + "' but layer " + module + " is declared with \"bias\": false");
            }
            return null;
        }

        /** A dense map per position (a dense layer on sequences, an attention projection), fan_in = in. */
        private PositionwiseDenseLayer positionwise(String module, String weightName, String biasName, int positions, int in,
                                                    int out, boolean hasBias) {
            Parametrization p = arch.parametrization();
            NamedTensor w = require(tensors, weightName, new int[] {out, in});
            used.add(w.name());
            Matrix weight = Matrix.fromRowMajor(precision, out, in, w.values());
            double[] bias = bias(biasName, module, hasBias, new int[] {out});
            return new PositionwiseDenseLayer(module, weightName, biasName, positions, weight, bias,
                    p.weightScale(arch.sigmaW(), in), hasBias ? p.biasScale(arch.sigmaB()) : 0.0, offset);
        }

        /** γ and β of a norm layer ({null, null} without affine parameters). */
        private double[][] affine(String module, boolean declared, int[] shape) {
            if (!declared) {
                for (String name : List.of(weightName(module), biasName(module))) {
                    if (tensors.containsKey(name)) {
                        throw new CheckpointException("checkpoint has tensor '" + name + "' but layer " + module
                                + " is declared with \"affine\": false");
                    }
                }
                return new double[][] {null, null};
            }
            return new double[][] {buffer(weightName(module), shape), buffer(biasName(module), shape)};
        }

        private double[] buffer(String name, int[] shape) {
            NamedTensor t = require(tensors, name, shape);
            used.add(t.name());
            return t.values().clone();
        }
    }

    private static NamedTensor require(Map<String, NamedTensor> tensors, String name, int[] shape) {
        NamedTensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException("checkpoint is missing tensor '" + name + "' (expected shape "
                    + Arrays.toString(shape) + "); it has " + tensors.keySet());
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException("tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t;
    }

    /**
     * A random initialization per the parametrization: NTK draws W, b ~ N(0,1); standard draws
     * W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²) (fan_in = in, or in·kh·kw/groups for a convolution).
     * Deterministic for a seed.
     */
    public static Map<String, NamedTensor> randomTensors(Architecture arch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        randomTensors(arch, arch.layers(), "", arch.inputShape(), random, tensors);
        return tensors;
    }

    private static void randomTensors(Architecture arch, List<LayerSpec> specs, String prefix, TensorShape shape,
                                      SplittableRandom random, Map<String, NamedTensor> tensors) {
        Parametrization p = arch.parametrization();
        for (int j = 0; j < specs.size(); j++) {
            LayerSpec spec = specs.get(j);
            String module = prefix + j;
            int[] weightShape = null;
            int fanIn = 0;
            int out = 0;
            boolean bias = false;
            if (spec instanceof LayerSpec.Dense d) {
                fanIn = LayerSpec.Dense.fanIn(shape); // a flat sample's size, or D of [L, D] (per position)
                weightShape = new int[] {d.out(), fanIn};
                out = d.out();
                bias = d.bias();
            } else if (spec instanceof LayerSpec.Embedding e) {
                // nn.Embedding's initialization N(0, 1), in either parametrization
                int[] es = {e.numEmbeddings(), e.dim()};
                tensors.put(weightName(module), new NamedTensor(weightName(module), es,
                        gaussian(random, e.numEmbeddings() * e.dim(), 1.0), DType.FLOAT64));
            } else if (spec instanceof LayerSpec.PositionalEmbedding) {
                // like nn.Parameter(torch.randn(L, D)): N(0, 1), in either parametrization
                int[] ld = spec.outShape(shape).dimsCopy();
                putGaussian(tensors, random, weightName(module), ld, 1.0);
            } else if (spec instanceof LayerSpec.Attention a) {
                int d = shape.dimsCopy()[1];
                double std = p.weightInitStd(arch.sigmaW(), d);
                putGaussian(tensors, random, module + ".in_proj_weight", new int[] {3 * d, d}, std);
                if (a.bias()) {
                    putGaussian(tensors, random, module + ".in_proj_bias", new int[] {3 * d}, p.biasInitStd(arch.sigmaB()));
                }
                putGaussian(tensors, random, module + ".out_proj.weight", new int[] {d, d}, std);
                if (a.bias()) {
                    putGaussian(tensors, random, module + ".out_proj.bias", new int[] {d}, p.biasInitStd(arch.sigmaB()));
                }
            } else if (spec instanceof LayerSpec.Conv c) {
                ConvGeometry g = c.geometry(shape);
                weightShape = ConvLayer.torchWeightShape(g);
                fanIn = g.patchSize();
                out = c.out();
                bias = c.bias();
            } else if (spec instanceof LayerSpec.Residual r) {
                randomTensors(arch, r.layers(), module + ".layers.", shape, random, tensors);
                randomTensors(arch, r.shortcut(), module + ".shortcut.", shape, random, tensors);
            } else if (spec instanceof LayerSpec.LayerNorm n && n.affine()) {
                putConstant(tensors, weightName(module), n.normalizedShape(shape).dimsCopy(), 1.0);
                putConstant(tensors, biasName(module), n.normalizedShape(shape).dimsCopy(), 0.0);
            } else if (spec instanceof LayerSpec.BatchNorm n) {
                int[] c = {LayerSpec.BatchNorm.channels(shape)};
                if (n.affine()) {
                    putConstant(tensors, weightName(module), c, 1.0);
                    putConstant(tensors, biasName(module), c, 0.0);
                }
                putConstant(tensors, module + ".running_mean", c, 0.0);
                putConstant(tensors, module + ".running_var", c, 1.0);
            }
            if (weightShape != null) {
                int count = Math.toIntExact(io.ntkstream.data.NdArray.elementCount(weightShape));
                double[] w = gaussian(random, count, p.weightInitStd(arch.sigmaW(), fanIn));
                tensors.put(weightName(module), new NamedTensor(weightName(module), weightShape, w, DType.FLOAT64));
                if (bias) {
                    double[] b = gaussian(random, out, p.biasInitStd(arch.sigmaB()));
                    tensors.put(biasName(module), new NamedTensor(biasName(module), new int[] {out}, b, DType.FLOAT64));
                }
            }
            shape = spec.outShape(shape);
        }
    }

    private static void putGaussian(Map<String, NamedTensor> tensors, SplittableRandom random, String name, int[] shape,
                                    double std) {
        int count = Math.toIntExact(io.ntkstream.data.NdArray.elementCount(shape));
        tensors.put(name, new NamedTensor(name, shape, gaussian(random, count, std), DType.FLOAT64));
    }

    /** PyTorch's initialization of norm layers: weight 1, bias 0, running mean 0, running variance 1. */
    private static void putConstant(Map<String, NamedTensor> tensors, String name, int[] shape, double value) {
        double[] v = new double[Math.toIntExact(io.ntkstream.data.NdArray.elementCount(shape))];
        Arrays.fill(v, value);
        tensors.put(name, new NamedTensor(name, shape, v, DType.FLOAT64));
    }

    /**
     * The flat parameter vector in the order used by JVP/VJP ({@link Network#paramCount()} long):
     * layer by layer, weights then bias; a dense W column-major (entry (j,i) at i·out + j), a
     * convolution's W as described in {@link ConvLayer}.
     */
    public static double[] flatten(Network network) {
        double[] flat = new double[network.paramCount()];
        for (ParameterLayer l : network.parameterLayers()) {
            l.writeParameters(flat);
        }
        return flat;
    }

    /** Checkpoint tensors (PyTorch names and shapes) of a flat parameter vector of {@code network}'s layout. */
    public static Map<String, NamedTensor> toTensors(Network network, double[] flat) {
        if (flat.length != network.paramCount()) {
            throw new IllegalArgumentException("expected " + network.paramCount() + " parameters, got " + flat.length);
        }
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        for (ParameterLayer l : network.parameterLayers()) {
            for (NamedTensor t : l.tensors(flat)) {
                tensors.put(t.name(), t);
            }
        }
        return tensors;
    }

    public static Network random(Architecture arch, long seed, Precision precision) {
        return fromTensors(arch, randomTensors(arch, seed), precision);
    }

    private static double[] gaussian(SplittableRandom random, int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i += 2) {
            // Box–Muller: two independent N(0,1) per pair of uniforms.
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u1));
            v[i] = std * r * Math.cos(2 * Math.PI * u2);
            if (i + 1 < n) {
                v[i + 1] = std * r * Math.sin(2 * Math.PI * u2);
            }
        }
        return v;
    }
}
