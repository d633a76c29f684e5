package io.ntkstream.active;

import io.ntkstream.kernel.ClassTargets;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.Prediction;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A simulated labeling loop for classification: the learner starts from {@code initial} pool
 * samples drawn at random (from the seed; the same draw for every strategy), then, round after
 * round, a {@link QueryStrategy} picks a batch from the remaining pool, an annotator answers
 * with the pool's true labels, the learner learns them, until {@code budget} labels beyond the
 * initial ones were asked (the last batch may be smaller) or the pool is empty. After the initial
 * labels and after each round the learner is evaluated on a test set.
 */
public final class LabelingSimulation {
    private LabelingSimulation() {}

    /**
     * @param initial labels drawn at random before the first query (≥ 1)
     * @param budget  labels asked by the strategy beyond the initial ones (≥ 0)
     * @param batch   labels per round (≥ 1)
     * @param seed    seed of the initial draw
     */
    public record Settings(int initial, int budget, int batch, long seed) {
        public Settings {
            if (initial < 1) {
                throw new IllegalArgumentException("initial: need at least 1 initial label, got " + initial);
            }
            if (budget < 0) {
                throw new IllegalArgumentException("budget: must be >= 0, got " + budget);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("batch: must be >= 1, got " + batch);
            }
        }
    }

    /**
     * One evaluation: labels learned so far; test accuracy of the arg-max of softmax(μ); test MSE
     * of μ against the encoded test labels (one-hot minus 1/C), averaged over samples and classes;
     * seconds since the simulation started (learning, querying and evaluating).
     */
    public record Round(AcquisitionKind strategy, int labeled, double accuracy, double mse, double seconds) {}

    /**
     * Runs the loop. {@code settings} must classify ({@code classes} = the kernel's O);
     * {@code pool} and {@code test} are the candidate and evaluation samples.
     */
    public static List<Round> run(FeatureKernel kernel, RegressorSettings learnerSettings, LabeledSamples pool,
                                  LabeledSamples test, QueryStrategy strategy, Settings settings) {
        if (!learnerSettings.isClassification()) {
            throw new IllegalArgumentException("the labeling simulation classifies: set classes in the learner settings");
        }
        if (pool.classes() != learnerSettings.classes() || test.classes() != learnerSettings.classes()) {
            throw new IllegalArgumentException("classes: the learner has " + learnerSettings.classes()
                    + ", the pool " + pool.classes() + ", the test set " + test.classes());
        }
        if (pool.size() < settings.initial()) {
            throw new IllegalArgumentException("initial: " + settings.initial() + " initial labels but the pool has only "
                    + pool.size() + " samples");
        }
        if (test.size() == 0) {
            throw new IllegalArgumentException("test: needs at least one sample");
        }
        long start = System.nanoTime();
        int n = pool.size();
        int classes = learnerSettings.classes();
        List<String> ids = new ArrayList<>(n);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = "p" + i;
            ids.add(id);
            index.put(id, i);
        }
        List<Round> rounds = new ArrayList<>();
        try (NtkRegressor learner = new NtkRegressor(kernel, learnerSettings);
             Pool candidates = Pool.of(kernel, ids, pool.x());
             Matrix testX = columns(test.x(), kernel.inputDim())) {
            learn(learner, candidates, initialDraw(n, settings.initial(), settings.seed()), ids, pool, index);
            rounds.add(evaluate(learner, testX, test, classes, strategy.kind(), start));
            int asked = 0;
            while (asked < settings.budget() && !candidates.isEmpty()) {
                int k = Math.min(settings.batch(), settings.budget() - asked);
                Query q = strategy.query(learner, candidates, k);
                List<Integer> picked = new ArrayList<>(q.size());
                for (String id : q.ids()) {
                    picked.add(index.get(id));
                }
                learn(learner, candidates, picked, ids, pool, index);
                asked += q.size();
                rounds.add(evaluate(learner, testX, test, classes, strategy.kind(), start));
            }
        }
        return rounds;
    }

    /**
     * The pool positions of the initial labels: the first {@code initial} of a shuffle seeded by
     * {@code seed} (mixed, so that a {@link RandomUtility} of the same seed draws independently).
     */
    public static List<Integer> initialDraw(int poolSize, int initial, long seed) {
        int[] order = new int[poolSize];
        for (int i = 0; i < poolSize; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = poolSize - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<Integer> out = new ArrayList<>(initial);
        for (int i = 0; i < initial; i++) {
            out.add(order[i]);
        }
        return out;
    }

    private static void learn(NtkRegressor learner, Pool candidates, List<Integer> positions, List<String> ids,
                              LabeledSamples pool, Map<String, Integer> index) {
        List<String> batch = new ArrayList<>(positions.size());
        double[][] x = new double[positions.size()][];
        long[] labels = new long[positions.size()];
        for (int j = 0; j < positions.size(); j++) {
            int i = positions.get(j);
            batch.add(ids.get(i));
            x[j] = pool.x()[i];
            labels[j] = pool.labels()[i];
        }
        try (Matrix m = columns(x, learner.kernel().inputDim())) {
            learner.learnManyLabels(batch, m, labels);
        }
        candidates.removeAll(batch);
    }

    private static Round evaluate(NtkRegressor learner, Matrix testX, LabeledSamples test, int classes,
                                  AcquisitionKind kind, long start) {
        List<Prediction> predictions = learner.predict(testX);
        int correct = 0;
        double se = 0;
        for (int i = 0; i < predictions.size(); i++) {
            Prediction p = predictions.get(i);
            if (p.label() == test.labels()[i]) {
                correct++;
            }
            double[] y = ClassTargets.encode(test.labels()[i], classes);
            for (int o = 0; o < classes; o++) {
                double d = p.mean()[o] - y[o];
                se += d * d;
            }
        }
        int m = predictions.size();
        return new Round(kind, learner.size(), (double) correct / m, se / ((double) m * classes),
                (System.nanoTime() - start) / 1e9);
    }

    static Matrix columns(double[][] x, int dim) {
        double[] v = new double[x.length * dim];
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != dim) {
                throw new IllegalArgumentException("sample " + i + " has " + x[i].length + " values, expected " + dim);
            }
            System.arraycopy(x[i], 0, v, i * dim, dim);
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, dim, x.length, v);
    }
}
