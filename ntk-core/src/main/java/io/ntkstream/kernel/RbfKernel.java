package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * The Gaussian RBF kernel k(x, x') = s²·exp(−‖x − x'‖² / (2ℓ²)) with O independent outputs and
 * f0 = 0: plain kernel ridge regression / a GP with this kernel, no network. Its features are the
 * samples themselves. A baseline next to the NTK, and a cheap kernel for tests.
 */
public final class RbfKernel implements FeatureKernel {
    private final int inputDim;
    private final int outputs;
    private final double lengthscale;
    private final double variance;

    public RbfKernel(int inputDim, int outputs, double lengthscale, double variance) {
        if (inputDim <= 0 || outputs <= 0) {
            throw new IllegalArgumentException("inputDim and outputs must be positive, got " + inputDim + " and "
                    + outputs);
        }
        if (!(lengthscale > 0) || !Double.isFinite(lengthscale) || !(variance > 0) || !Double.isFinite(variance)) {
            throw new IllegalArgumentException("lengthscale and variance must be finite and > 0, got " + lengthscale
                    + " and " + variance);
        }
        this.inputDim = inputDim;
        this.outputs = outputs;
        this.lengthscale = lengthscale;
        this.variance = variance;
    }

    @Override
    public int inputDim() {
        return inputDim;
    }

    @Override
    public int outputs() {
        return outputs;
    }

    @Override
    public KernelFeatures featurize(Matrix x) {
        if (x.rows() != inputDim) {
            throw new IllegalArgumentException("x: expected input_dim x n = " + inputDim + " x n, got " + x.rows() + "x"
                    + x.cols());
        }
        Vectors v = new Vectors(inputDim);
        double[] column = new double[inputDim];
        for (int c = 0; c < x.cols(); c++) {
            x.readColumn(c, column);
            v.appendValues(column, new double[0]);
        }
        return v;
    }

    @Override
    public double[] cross(KernelFeatures a, KernelFeatures b) {
        List<double[]> va = vectors(a);
        List<double[]> vb = vectors(b);
        double[] k = new double[va.size() * vb.size()];
        double inv = 1.0 / (2 * lengthscale * lengthscale);
        for (int i = 0; i < va.size(); i++) {
            double[] p = va.get(i);
            for (int j = 0; j < vb.size(); j++) {
                double[] q = vb.get(j);
                double d = 0;
                for (int t = 0; t < p.length; t++) {
                    double e = p[t] - q[t];
                    d += e * e;
                }
                k[i * vb.size() + j] = variance * Math.exp(-d * inv);
            }
        }
        return k;
    }

    @Override
    public double[] selfDiagonal(KernelFeatures a) {
        double[] d = new double[a.size()];
        java.util.Arrays.fill(d, variance);
        return d;
    }

    @Override
    public Matrix f0(Matrix x) {
        return Matrix.zeros(Precision.FLOAT64, outputs, x.cols());
    }

    @Override
    public double[] f0(KernelFeatures features, Matrix x) {
        return new double[outputs * x.cols()];
    }

    @Override
    public FeatureStore newStore() {
        return new Vectors(inputDim);
    }

    @Override
    public String description() {
        return "rbf input_dim=" + inputDim + " outputs=" + outputs + " ℓ=" + lengthscale + " s²=" + variance;
    }

    private static List<double[]> vectors(KernelFeatures f) {
        if (f instanceof Vectors v) {
            return v.rows;
        }
        throw new IllegalArgumentException("features of another kernel: " + f.getClass().getSimpleName());
    }

    /** Samples as plain vectors: both a batch's features and a store (whose rows export nothing but x). */
    private static final class Vectors implements FeatureStore {
        private final int dim;
        private final List<double[]> rows = new ArrayList<>();

        Vectors(int dim) {
            this.dim = dim;
        }

        @Override
        public int size() {
            return rows.size();
        }

        @Override
        public void append(KernelFeatures features, int index) {
            rows.add(vectors(features).get(index).clone());
        }

        @Override
        public void remove(int index) {
            rows.remove(index);
        }

        @Override
        public double[] sampleValues(int index) {
            rows.get(index); // bounds
            return new double[0];
        }

        @Override
        public void appendValues(double[] x, double[] values) {
            if (x.length != dim) {
                throw new IllegalArgumentException("x: expected " + dim + " values (input_dim), got " + x.length);
            }
            if (values.length != 0) {
                throw new IllegalArgumentException("features: expected 0 values per sample (an RBF kernel's features are "
                        + "x), got " + values.length);
            }
            rows.add(x.clone());
        }

        @Override
        public int valuesPerSample() {
            return 0;
        }

        @Override
        public void close() {
            rows.clear();
        }
    }
}
