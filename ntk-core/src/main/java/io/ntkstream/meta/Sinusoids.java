package io.ntkstream.meta;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.SplittableRandom;

/**
 * The few-shot sinusoid regression tasks of MAML (Finn et al. 2017): a task is
 * y = A·sin(x + φ) with A ~ U[0.1, 5], φ ~ U[0, π]; its inputs are x ~ U[−5, 5], a support set of
 * {@code shots} labeled samples and a query set to evaluate on. Deterministic for a seed: the
 * k-th task of a generator is the same on every run.
 */
public final class Sinusoids {
    public static final double MIN_AMPLITUDE = 0.1;
    public static final double MAX_AMPLITUDE = 5.0;
    public static final double MIN_PHASE = 0.0;
    public static final double MAX_PHASE = Math.PI;
    public static final double MIN_X = -5.0;
    public static final double MAX_X = 5.0;

    private final SplittableRandom random;

    public Sinusoids(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** One task: amplitude, phase, support (x, y) and query (x, y), inputs one value each. */
    public record Task(double amplitude, double phase, double[] supportX, double[] supportY, double[] queryX,
                       double[] queryY) {

        /** The support inputs as a 1 x shots float64 matrix (the caller closes it). */
        public Matrix supportInputs() {
            return Matrix.fromColumnMajor(Precision.FLOAT64, 1, supportX.length, supportX.clone());
        }

        /** The query inputs as a 1 x queries float64 matrix (the caller closes it). */
        public Matrix queryInputs() {
            return Matrix.fromColumnMajor(Precision.FLOAT64, 1, queryX.length, queryX.clone());
        }

        /** Support targets as shots x 1 rows. */
        public double[][] supportTargets() {
            return column(supportY);
        }

        /** Query targets as queries x 1 rows. */
        public double[][] queryTargets() {
            return column(queryY);
        }

        private static double[][] column(double[] v) {
            double[][] c = new double[v.length][1];
            for (int i = 0; i < v.length; i++) {
                c[i][0] = v[i];
            }
            return c;
        }
    }

    /** The next task, with {@code shots} support and {@code queries} query samples. */
    public Task next(int shots, int queries) {
        if (shots < 1 || queries < 1) {
            throw new IllegalArgumentException("shots and queries must be >= 1, got " + shots + " and " + queries);
        }
        double amplitude = uniform(MIN_AMPLITUDE, MAX_AMPLITUDE);
        double phase = uniform(MIN_PHASE, MAX_PHASE);
        double[] sx = inputs(shots);
        double[] qx = inputs(queries);
        return new Task(amplitude, phase, sx, values(amplitude, phase, sx), qx, values(amplitude, phase, qx));
    }

    /** A·sin(x + φ). */
    public static double value(double amplitude, double phase, double x) {
        return amplitude * Math.sin(x + phase);
    }

    private double[] inputs(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = uniform(MIN_X, MAX_X);
        }
        return x;
    }

    private static double[] values(double amplitude, double phase, double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = value(amplitude, phase, x[i]);
        }
        return y;
    }

    private double uniform(double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }
}
