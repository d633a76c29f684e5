package io.ntkstream.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;

/**
 * Central finite differences of the forward pass (float64, ε = 1e-6) and the derivative checks the
 * layer tests share: input JVPs against differences, input VJPs by the adjoint identity
 * ⟨c, J v⟩ = ⟨Jᵀc, v⟩, and a whole network's parameter JVP and VJP likewise.
 */
public final class FiniteDifferences {
    /** Central differences with ε = 1e-6 are exact for linear maps up to rounding (~1e-10) and O(ε²) otherwise. */
    public static final double EPS = 1e-6;

    private FiniteDifferences() {}

    /** A rows x cols matrix of N(0, 1) entries. */
    public static Matrix random(SplittableRandom r, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = TestNetworks.gaussian(r);
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, rows, cols, v);
    }

    /** x + ε·v. */
    public static Matrix plus(Matrix x, Matrix v, double eps) {
        double[] a = x.toColumnMajor();
        double[] b = v.toColumnMajor();
        for (int i = 0; i < a.length; i++) {
            a[i] += eps * b[i];
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, x.rows(), x.cols(), a);
    }

    /** (plus − minus) / 2ε, column-major, for outputs at ±{@link #EPS}. */
    public static double[] difference(Matrix plus, Matrix minus) {
        double[] p = plus.toColumnMajor();
        double[] m = minus.toColumnMajor();
        for (int i = 0; i < p.length; i++) {
            p[i] = (p[i] - m[i]) / (2 * EPS);
        }
        return p;
    }

    /** The float64 network with parameters θ + ε·direction. */
    public static Network shifted(Network net, double[] theta, double[] direction, double eps) {
        double[] p = theta.clone();
        for (int i = 0; i < p.length; i++) {
            p[i] += eps * direction[i];
        }
        return Networks.fromTensors(net.architecture(), Networks.toTensors(net, p), Precision.FLOAT64);
    }

    /** 1e-7·max(1, |ref|). */
    public static Offset<Double> tol(double ref) {
        return Offset.offset(1e-7 * Math.max(1.0, Math.abs(ref)));
    }

    /** Same length, each value to {@link #tol} of the expected one. */
    public static void assertClose(double[] actual, double[] expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("%s [%d]", what, i).isCloseTo(expected[i], tol(expected[i]));
        }
    }

    /**
     * On 3 random samples (seed 7): the input JVP along two directions against central differences
     * ({@link #assertInputJvp}) and the input VJP of 2 cotangents per sample by the adjoint identity
     * ({@link #assertInputVjpIsAdjoint}).
     */
    public static void assertInputDerivatives(Layer layer, String name) {
        SplittableRandom r = new SplittableRandom(7);
        int n = 3;
        Matrix x = random(r, layer.inDim(), n);
        Matrix v = random(r, layer.inDim(), 2 * n); // two tangent directions, column t·N + s
        assertInputJvp(layer, x, v, name);
        int group = 2;
        Matrix c = random(r, layer.outDim(), n * group);
        Matrix w = random(r, layer.inDim(), n);
        assertInputVjpIsAdjoint(layer, x, c, w, group, name);
    }

    /**
     * The layer's input JVP along two tangent directions at once (v: column t·N + s) against central
     * differences along each; returns that JVP.
     */
    public static Matrix assertInputJvp(Layer layer, Matrix x, Matrix v, String name) {
        int n = x.cols();
        Matrix jvp = layer.jvp(x, v, null, 2);
        for (int t = 0; t < 2; t++) {
            Matrix vt = v.columns(t * n, (t + 1) * n);
            double[] fd = difference(layer.forward(plus(x, vt, EPS)), layer.forward(plus(x, vt, -EPS)));
            assertClose(jvp.columns(t * n, (t + 1) * n).toColumnMajor(), fd, name + " input JVP " + t);
        }
        return jvp;
    }

    /**
     * The layer's input VJP of {@code group} cotangents per sample (c: column s·group + k) by the
     * adjoint identity ⟨c_k, J w⟩ = ⟨Jᵀc_k, w⟩, J w from central differences, for each k.
     */
    public static void assertInputVjpIsAdjoint(Layer layer, Matrix x, Matrix c, Matrix w, int group, String name) {
        int n = x.cols();
        Matrix back = layer.backward(c, x, group);
        double[] jw = difference(layer.forward(plus(x, w, EPS)), layer.forward(plus(x, w, -EPS)));
        for (int k = 0; k < group; k++) {
            double lhs = 0;
            double rhs = 0;
            for (int s = 0; s < n; s++) {
                for (int o = 0; o < layer.outDim(); o++) {
                    lhs += c.get(o, s * group + k) * jw[s * layer.outDim() + o];
                }
                for (int i = 0; i < x.rows(); i++) {
                    rhs += back.get(i, s * group + k) * w.get(i, s);
                }
            }
            assertThat(rhs).as("%s input VJP cotangent %d", name, k).isCloseTo(lhs, tol(lhs));
        }
    }

    /**
     * A whole float64 network's parameter JVP along two random directions against central
     * differences, and its parameter VJP by the adjoint identity along the first (random seed 8).
     */
    public static void assertNetworkParameterDerivatives(Network net, Matrix x, String name) {
        double[] theta = Networks.flatten(net);
        SplittableRandom r = new SplittableRandom(8);
        Matrix u = random(r, theta.length, 2);
        Matrix jvp = net.jvp(x, u);
        int n = x.cols();
        for (int t = 0; t < 2; t++) {
            double[] ut = u.columns(t, t + 1).toColumnMajor();
            double[] fd = difference(shifted(net, theta, ut, EPS).apply(x), shifted(net, theta, ut, -EPS).apply(x));
            assertClose(jvp.columns(t * n, (t + 1) * n).toColumnMajor(), fd, name + " parameter JVP " + t);
        }
        Matrix c = random(r, net.outputDim(), n);
        double[] grad = net.vjp(x, c).toColumnMajor();
        double[] u0 = u.columns(0, 1).toColumnMajor();
        double[] ju = difference(shifted(net, theta, u0, EPS).apply(x), shifted(net, theta, u0, -EPS).apply(x));
        double lhs = 0;
        double rhs = 0;
        for (int i = 0; i < ju.length; i++) {
            lhs += c.getLinear(i) * ju[i];
        }
        for (int p = 0; p < theta.length; p++) {
            rhs += grad[p] * u0[p];
        }
        assertThat(rhs).as("%s parameter VJP", name).isCloseTo(lhs, tol(lhs));
    }
}
