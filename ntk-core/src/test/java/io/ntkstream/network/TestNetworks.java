package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.ArrayList;
import java.util.List;
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

    public static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
