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
 * {@code "{i}.weight"} (out x in) and {@code "{i}.bias"} (out).
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
        int dim = arch.inputDim();
        int offset = 0;
        List<String> used = new ArrayList<>();
        for (int i = 0; i < arch.layers().size(); i++) {
            LayerSpec spec = arch.layers().get(i);
            if (spec instanceof LayerSpec.Dense d) {
                NamedTensor w = require(tensors, weightName(i), new int[] {d.out(), dim});
                used.add(w.name());
                Matrix weight = Matrix.fromRowMajor(precision, d.out(), dim, w.values());
                double[] bias = null;
                if (d.bias()) {
                    NamedTensor b = require(tensors, biasName(i), new int[] {d.out()});
                    used.add(b.name());
                    bias = b.values().clone();
                } else if (tensors.containsKey(biasName(i))) {
                    throw new CheckpointException("checkpoint has tensor '" + biasName(i)
                            + "' but layer " + i + " is declared with \"bias\": false");
                }
                DenseLayer dense = new DenseLayer(i, weight, bias, arch.parametrization().weightScale(arch.sigmaW(), dim),
                        d.bias() ? arch.parametrization().biasScale(arch.sigmaB()) : 0.0, offset);
                offset += dense.paramCount();
                layers.add(dense);
                dim = d.out();
            } else if (spec instanceof LayerSpec.Elementwise e) {
                layers.add(new ActivationLayer(e.activation(), dim));
            }
        }
        List<String> unused = tensors.keySet().stream().filter(k -> !used.contains(k)).sorted().toList();
        if (!unused.isEmpty()) {
            throw new CheckpointException("checkpoint has tensors the architecture does not use: " + unused
                    + " (expected only " + used + ")");
        }
        return new Network(arch, precision, layers);
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
     * W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²). Deterministic for a seed.
     */
    public static Map<String, NamedTensor> randomTensors(Architecture arch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        int dim = arch.inputDim();
        Parametrization p = arch.parametrization();
        for (int i = 0; i < arch.layers().size(); i++) {
            if (arch.layers().get(i) instanceof LayerSpec.Dense d) {
                double[] w = gaussian(random, d.out() * dim, p.weightInitStd(arch.sigmaW(), dim));
                tensors.put(weightName(i), new NamedTensor(weightName(i), new int[] {d.out(), dim}, w, DType.FLOAT64));
                if (d.bias()) {
                    double[] b = gaussian(random, d.out(), p.biasInitStd(arch.sigmaB()));
                    tensors.put(biasName(i), new NamedTensor(biasName(i), new int[] {d.out()}, b, DType.FLOAT64));
                }
                dim = d.out();
            }
        }
        return tensors;
    }

    /**
     * The flat parameter vector in the order used by JVP/VJP ({@link Network#paramCount()} long):
     * per dense layer, W column-major (entry (j,i) at i·out + j), then b.
     */
    public static double[] flatten(Network network) {
        double[] flat = new double[network.paramCount()];
        for (DenseLayer d : network.denseLayers()) {
            for (int i = 0; i < d.inDim(); i++) {
                for (int j = 0; j < d.outDim(); j++) {
                    flat[d.paramOffset() + i * d.outDim() + j] = d.weight().get(j, i);
                }
            }
            if (d.hasBias()) {
                System.arraycopy(d.bias(), 0, flat, d.paramOffset() + d.weightCount(), d.outDim());
            }
        }
        return flat;
    }

    /** Checkpoint tensors (PyTorch names and shapes) of a flat parameter vector of {@code network}'s layout. */
    public static Map<String, NamedTensor> toTensors(Network network, double[] flat) {
        if (flat.length != network.paramCount()) {
            throw new IllegalArgumentException("expected " + network.paramCount() + " parameters, got " + flat.length);
        }
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        for (DenseLayer d : network.denseLayers()) {
            double[] w = new double[d.weightCount()];
            for (int j = 0; j < d.outDim(); j++) {
                for (int i = 0; i < d.inDim(); i++) {
                    w[j * d.inDim() + i] = flat[d.paramOffset() + i * d.outDim() + j];
                }
            }
            String wn = weightName(d.index());
            tensors.put(wn, new NamedTensor(wn, new int[] {d.outDim(), d.inDim()}, w, DType.FLOAT64));
            if (d.hasBias()) {
                double[] b = Arrays.copyOfRange(flat, d.paramOffset() + d.weightCount(), d.paramOffset() + d.paramCount());
                String bn = biasName(d.index());
                tensors.put(bn, new NamedTensor(bn, new int[] {d.outDim()}, b, DType.FLOAT64));
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
