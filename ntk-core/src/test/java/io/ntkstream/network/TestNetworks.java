package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.data.DType;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Small random networks and inputs for tests (fixed seeds). */
public final class TestNetworks {
    private TestNetworks() {}

    /** An MLP in→widths...→out with the given activation between dense layers. */
    public static Architecture mlp(int in, int[] hidden, int out, Activation act, Parametrization p, double sigmaW,
                                   double sigmaB, boolean bias) {
        List<LayerSpec> layers = new ArrayList<>();
        for (int w : hidden) {
            layers.add(new LayerSpec.Dense(w, bias));
            layers.add(new LayerSpec.Elementwise(act));
        }
        layers.add(new LayerSpec.Dense(out, bias));
        return new Architecture(in, p, sigmaW, sigmaB, layers);
    }

    /** N inputs of dimension d, entries N(0,1), as a d x N matrix. */
    public static Matrix inputs(int d, int n, long seed, Precision precision) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[d * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = gaussian(r);
        }
        return Matrix.fromColumnMajor(precision, d, n, v);
    }

    /**
     * A random network of {@code arch} whose norm layers hold random values instead of PyTorch's
     * initial ones (weight 1 + 0.3·N(0,1), bias, running mean 0.3·N(0,1), running var U(0.5, 1.5)),
     * so that their every term shows in a test.
     */
    public static Network withRandomNorms(Architecture arch, long seed, Precision precision) {
        Map<String, NamedTensor> tensors = new LinkedHashMap<>(Networks.randomTensors(arch, seed));
        SplittableRandom r = new SplittableRandom(seed + 1000);
        for (Layer layer : Networks.fromTensors(arch, tensors, Precision.FLOAT64).layers()) {
            if (layer instanceof NormLayer norm) {
                String m = norm.module();
                replace(tensors, m + ".weight", v -> 1 + 0.3 * gaussian(r));
                replace(tensors, m + ".bias", v -> 0.3 * gaussian(r));
                replace(tensors, m + ".running_mean", v -> 0.3 * gaussian(r));
                replace(tensors, m + ".running_var", v -> 0.5 + r.nextDouble());
            }
        }
        return Networks.fromTensors(arch, tensors, precision);
    }

    private static void replace(Map<String, NamedTensor> tensors, String name, java.util.function.DoubleUnaryOperator f) {
        NamedTensor t = tensors.get(name);
        if (t != null) {
            double[] v = t.values().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] = f.applyAsDouble(v[i]);
            }
            tensors.put(name, new NamedTensor(name, t.shape(), v, DType.FLOAT64));
        }
    }

    public static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
