package io.ntkstream.active;

import java.util.SplittableRandom;

/**
 * Seeded synthetic classification data for tests and demos: C classes in D dimensions, each
 * class a mixture of a few isotropic Gaussian clusters whose centers are drawn around the
 * origin, so that classes overlap where clusters of different classes come close. Everything
 * follows from the seed (java.util.SplittableRandom, Box–Muller normals).
 */
public final class SyntheticData {
    private SyntheticData() {}

    /**
     * A data set's shape: {@code classes} classes of {@code clustersPerClass} clusters each in
     * {@code dim} dimensions; cluster centers ~ N(0, separation²·I), samples ~ N(center, spread²·I).
     * The overlap grows with spread / separation.
     */
    public record Spec(int classes, int clustersPerClass, int dim, double separation, double spread) {
        public Spec {
            if (classes < 2 || clustersPerClass < 1 || dim < 1) {
                throw new IllegalArgumentException("need classes >= 2, clustersPerClass >= 1, dim >= 1; got " + classes
                        + ", " + clustersPerClass + ", " + dim);
            }
            if (!(separation > 0) || !(spread > 0) || !Double.isFinite(separation) || !Double.isFinite(spread)) {
                throw new IllegalArgumentException("separation and spread must be finite and > 0, got " + separation
                        + " and " + spread);
            }
        }

        /** 3 classes of 2 clusters in 2-D, separation 2, spread 0.6: overlapping, not separable. */
        public static Spec defaults() {
            return new Spec(3, 2, 2, 2.0, 0.6);
        }
    }

    /**
     * n samples of the problem {@code spec}; the cluster centers follow from {@code problemSeed}
     * (same problem), the samples from {@code sampleSeed} (independent draws from it, e.g. a
     * pool and a test set). Each sample picks a class uniformly, then a cluster of it uniformly.
     */
    public static LabeledSamples generate(Spec spec, int n, long problemSeed, long sampleSeed) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        double[][][] centers = centers(spec, problemSeed);
        SplittableRandom r = new SplittableRandom(sampleSeed);
        double[][] x = new double[n][spec.dim()];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(spec.classes());
            double[] center = centers[c][r.nextInt(spec.clustersPerClass())];
            for (int d = 0; d < spec.dim(); d++) {
                x[i][d] = center[d] + spec.spread() * gaussian(r);
            }
            labels[i] = c;
        }
        return new LabeledSamples(x, labels, spec.classes());
    }

    /** The cluster centers [class][cluster][dim] of the problem. */
    public static double[][][] centers(Spec spec, long problemSeed) {
        SplittableRandom r = new SplittableRandom(problemSeed);
        double[][][] centers = new double[spec.classes()][spec.clustersPerClass()][spec.dim()];
        for (double[][] perClass : centers) {
            for (double[] center : perClass) {
                for (int d = 0; d < center.length; d++) {
                    center[d] = spec.separation() * gaussian(r);
                }
            }
        }
        return centers;
    }

    /** A standard normal by Box–Muller. */
    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
