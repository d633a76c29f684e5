package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.ntk.NtkMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Not a test: a main that times the per-sample and per-query costs of {@link NtkRegressor} on the
 * streaming job's network (784-512-512-10 relu, NTK parametrization, σw = 1, σb = 0.1, float32,
 * pseudo NTK, default settings: λ = 1e-3, t = ∞, regression), one thread:
 * learnOne, predictOne (with variance, as the job asks) and learnMany in batches of 32 at n = 100,
 * 500, 1000. Each learn is undone untimed by forgetting the new samples, so n stays fixed; the
 * median and the minimum over the repetitions are printed in µs (the minimum is the steadier
 * figure on a machine shared with other work). Also: the network's share (featurize: forward and
 * backward pass, 1 and 32 samples), one kernel row against n stored samples, and the bytes of the
 * last sample's state row.
 *
 * <pre>
 * mvn -B -o -q test-compile -pl ntk-core
 * # the test classpath: surefire's "testPath" in a debug run (offline, no extra plugin needed)
 * mvn -B -o -X test -pl ntk-core -Dtest=SmallSymmetricEigenTest | grep 'testPath = ' \
 *     | sed 's/.*testPath = \[//; s/\]$//; s/, /:/g' > /tmp/ntk-core.cp
 * OMP_NUM_THREADS=1 java -Xmx3g -cp "$(cat /tmp/ntk-core.cp)" io.ntkstream.kernel.CoreCostsBench [repetitions [n,n,...]]
 * </pre>
 */
public final class CoreCostsBench {
    private static final int D = 784;
    private static final int O = 10;
    private static final int BATCH = 32;

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int[] sizes = args.length > 1 ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {100, 500, 1000};
        Architecture a = Architecture.mlp(D, 512, 2, O, Activation.RELU, Parametrization.NTK, 1.0, 0.1);
        Network net = Networks.random(a, 7, Precision.FLOAT32);
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, NtkMode.PSEUDO);
        SplittableRandom r = new SplittableRandom(1);
        System.out.printf(Locale.ROOT, "784-512-512-10 relu, pseudo, float32, λ=1e-3, t=∞; %d repetitions; µs median / min%n",
                reps);
        System.out.printf(Locale.ROOT, "%6s %16s %16s %22s %16s %18s %16s %10s%n", "n", "learnOne", "predictOne",
                "learnMany(32)/sample", "featurize(1)", "featurize(32)/smp", "kernel row", "row bytes");
        try (NtkRegressor learner = new NtkRegressor(kernel, RegressorSettings.defaults())) {
            // warm-up: JIT and native libraries
            grow(learner, 64, r);
            measure(learner, reps, r);
            for (String id : learner.state().ids()) {
                learner.forget(id);
            }
            for (int n : sizes) {
                grow(learner, n - learner.size(), r);
                double[][] t = measure(learner, reps, r);
                double[][] parts = parts(kernel, n, reps, r);
                System.out.printf(Locale.ROOT, "%6d %16s %16s %22s %16s %18s %16s %10d%n", n, fmt(t[0], 1), fmt(t[1], 1),
                        fmt(t[2], BATCH), fmt(parts[0], 1), fmt(parts[1], BATCH), fmt(parts[2], 1),
                        learner.state().record(n - 1).toBytes().length);
                System.out.printf(Locale.ROOT, "%6s predict(32)/query %s, k(x,x) %s, store append %s%n", "",
                        fmt(t[3], BATCH), fmt(parts[3], 1), fmt(parts[4], 1));
            }
        }
    }

    private static int counter;

    private static void grow(NtkRegressor learner, int count, SplittableRandom r) {
        for (int from = 0; from < count; from += BATCH) {
            int m = Math.min(BATCH, count - from);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                ids.add("g-" + counter++);
            }
            try (Matrix x = inputs(m, r)) {
                learner.learnMany(ids, x, targets(m, r));
            }
        }
    }

    /** µs per call: learnOne, predictOne, learnMany(32), predict(32) — one value per repetition each. */
    private static double[][] measure(NtkRegressor learner, int reps, SplittableRandom r) {
        double[][] t = new double[4][reps];
        for (int k = 0; k < reps; k++) {
            double[] x = vector(D, r);
            double[] y = vector(O, r);
            String id = "one-" + counter++;
            long t0 = System.nanoTime();
            learner.learnOne(id, x, y);
            t[0][k] = (System.nanoTime() - t0) / 1e3;
            learner.forget(id);

            double[] q = vector(D, r);
            t0 = System.nanoTime();
            learner.predictOne(q);
            t[1][k] = (System.nanoTime() - t0) / 1e3;

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                ids.add("many-" + counter++);
            }
            try (Matrix xs = inputs(BATCH, r)) {
                double[][] ys = targets(BATCH, r);
                t0 = System.nanoTime();
                learner.learnMany(ids, xs, ys);
                t[2][k] = (System.nanoTime() - t0) / 1e3;
            }
            for (int i = ids.size() - 1; i >= 0; i--) {
                learner.forget(ids.get(i));
            }
            try (Matrix qs = inputs(BATCH, r)) {
                t0 = System.nanoTime();
                learner.predict(qs);
                t[3][k] = (System.nanoTime() - t0) / 1e3;
            }
        }
        return t;
    }

    /**
     * µs: featurize one sample, featurize 32 samples, one kernel row (1 x n) against a store of n
     * samples, k(x, x) of one sample, appending one sample to the store.
     */
    private static double[][] parts(EmpiricalNtkKernel kernel, int n, int reps, SplittableRandom r) {
        double[][] t = new double[5][reps];
        try (FeatureStore store = kernel.newStore()) {
            for (int from = 0; from < n; from += BATCH) {
                int m = Math.min(BATCH, n - from);
                try (Matrix x = inputs(m, r); KernelFeatures f = kernel.featurize(x)) {
                    for (int i = 0; i < m; i++) {
                        store.append(f, i);
                    }
                }
            }
            for (int k = 0; k < reps; k++) {
                try (Matrix x = inputs(1, r)) {
                    long t0 = System.nanoTime();
                    try (KernelFeatures f = kernel.featurize(x)) {
                        t[0][k] = (System.nanoTime() - t0) / 1e3;
                        t0 = System.nanoTime();
                        kernel.cross(f, store);
                        t[2][k] = (System.nanoTime() - t0) / 1e3;
                        t0 = System.nanoTime();
                        kernel.cross(f, f);
                        t[3][k] = (System.nanoTime() - t0) / 1e3;
                        t0 = System.nanoTime();
                        store.append(f, 0);
                        t[4][k] = (System.nanoTime() - t0) / 1e3;
                        store.remove(store.size() - 1);
                    }
                }
                try (Matrix x = inputs(BATCH, r)) {
                    long t0 = System.nanoTime();
                    try (KernelFeatures f = kernel.featurize(x)) {
                        t[1][k] = (System.nanoTime() - t0) / 1e3;
                    }
                }
            }
        }
        return t;
    }

    private static String fmt(double[] v, int per) {
        double[] s = v.clone();
        Arrays.sort(s);
        double median = s[s.length / 2] / per;
        return String.format(Locale.ROOT, "%.0f / %.0f", median, s[0] / per);
    }

    private static Matrix inputs(int m, SplittableRandom r) {
        return Matrix.fromColumnMajor(Precision.FLOAT64, D, m, vector(D * m, r));
    }

    private static double[][] targets(int m, SplittableRandom r) {
        double[][] y = new double[m][];
        for (int i = 0; i < m; i++) {
            y[i] = vector(O, r);
        }
        return y;
    }

    private static double[] vector(int len, SplittableRandom r) {
        double[] v = new double[len];
        for (int i = 0; i < len; i++) {
            v[i] = r.nextDouble(-1, 1);
        }
        return v;
    }
}
