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
 * {@code "{i}.bias"} (out). Layers without parameters own no tensors but count in the index.
 */
public final class Networks {
    private Networks() {}

    public static String weightName(int layerIndex) {
        return layerIndex + ".weight";
    }

    public static String biasName(int layerIndex) {
        return layerIndex + ".bias";
    }

    /** The network of {@code arch} with parameters from {@code tensors}; every tensor is checked by name and shape. */
    public static Network fromTensors(Architecture arch, Map<String, NamedTensor> tensors, Precision precision) {
        List<Layer> layers = new ArrayList<>();
        TensorShape shape = arch.inputShape();
        Parametrization p = arch.parametrization();
        int offset = 0;
        List<String> used = new ArrayList<>();
        for (int i = 0; i < arch.layers().size(); i++) {
            LayerSpec spec = arch.layers().get(i);
            int dim = shape.size();
            Layer layer;
            if (spec instanceof LayerSpec.Dense d) {
                NamedTensor w = require(tensors, weightName(i), new int[] {d.out(), dim});
                used.add(w.name());
                Matrix weight = Matrix.fromRowMajor(precision, d.out(), dim, w.values());
                double[] bias = bias(tensors, i, d.bias(), d.out(), used);
                layer = new DenseLayer(i, weight, bias, p.weightScale(arch.sigmaW(), dim),
                        d.bias() ? p.biasScale(arch.sigmaB()) : 0.0, offset);
            } else if (spec instanceof LayerSpec.Conv c) {
                ConvGeometry g = c.geometry(shape);
                NamedTensor w = require(tensors, weightName(i), ConvLayer.torchWeightShape(g));
                used.add(w.name());
                double[] bias = bias(tensors, i, c.bias(), c.out(), used);
                layer = new ConvLayer(i, g, ConvLayer.weightFromTorch(precision, g, w.values()), bias,
                        p.weightScale(arch.sigmaW(), g.patchSize()), c.bias() ? p.biasScale(arch.sigmaB()) : 0.0, offset);
            } else if (spec instanceof LayerSpec.Elementwise e) {
                layer = new ActivationLayer(e.activation(), dim);
            } else if (spec instanceof LayerSpec.Pool pool) {
                layer = new PoolLayer(pool.kind(), pool.geometry(shape));
            } else if (spec instanceof LayerSpec.GlobalAvgPool) {
                layer = new GlobalAvgPoolLayer(shape);
            } else if (spec instanceof LayerSpec.Flatten) {
                layer = new FlattenLayer(dim);
            } else {
                throw new IllegalStateException("no layer for " + spec);
            }
            offset += layer.paramCount();
            layers.add(layer);
            shape = spec.outShape(shape);
        }
        List<String> unused = tensors.keySet().stream().filter(k -> !used.contains(k)).sorted().toList();
        if (!unused.isEmpty()) {
            throw new CheckpointException("checkpoint has tensors the architecture does not use: " + unused
                    + " (expected only " + used + ")");
        }
        return new Network(arch, precision, layers);
    }

    private static double[] bias(Map<String, NamedTensor> tensors, int i, boolean declared, int out, List<String> used) {
        if (declared) {
            NamedTensor b = require(tensors, biasName(i), new int[] {out});
            used.add(b.name());
            return b.values().clone();
        }
        if (tensors.containsKey(biasName(i))) {
            throw new CheckpointException("checkpoint has tensor '" + biasName(i)
                    + "' but layer " + i + " is declared with \"bias\": false");
        }
        return null;
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
        TensorShape shape = arch.inputShape();
        Parametrization p = arch.parametrization();
        for (int i = 0; i < arch.layers().size(); i++) {
            LayerSpec spec = arch.layers().get(i);
            int[] weightShape = null;
            int fanIn = 0;
            int out = 0;
            boolean bias = false;
            if (spec instanceof LayerSpec.Dense d) {
                weightShape = new int[] {d.out(), shape.size()};
                fanIn = shape.size();
                out = d.out();
                bias = d.bias();
            } else if (spec instanceof LayerSpec.Conv c) {
                ConvGeometry g = c.geometry(shape);
                weightShape = ConvLayer.torchWeightShape(g);
                fanIn = g.patchSize();
                out = c.out();
                bias = c.bias();
            }
            if (weightShape != null) {
                int count = Math.toIntExact(io.ntkstream.data.NdArray.elementCount(weightShape));
                double[] w = gaussian(random, count, p.weightInitStd(arch.sigmaW(), fanIn));
                tensors.put(weightName(i), new NamedTensor(weightName(i), weightShape, w, DType.FLOAT64));
                if (bias) {
                    double[] b = gaussian(random, out, p.biasInitStd(arch.sigmaB()));
                    tensors.put(biasName(i), new NamedTensor(biasName(i), new int[] {out}, b, DType.FLOAT64));
                }
            }
            shape = spec.outShape(shape);
        }
        return tensors;
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
