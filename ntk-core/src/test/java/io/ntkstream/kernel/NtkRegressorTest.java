package io.ntkstream.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.TestNetworks;
import io.ntkstream.ntk.NtkMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The River-style contract of {@link NtkRegressor}: one-at-a-time ≡ batch learning, forget ≡
 * never learned, a window ≡ a learner of the last w samples, serialization round trip ≡ the
 * original, inputs not mutated; and classification as documented (target e_c − 1/C, softmax,
 * arg-max). References are other learners or {@link KernelState}s built in the test and, for
 * the encoding, values written out by hand.
 */
class NtkRegressorTest {
    static final int D = 2;

    static double[] x(SplittableRandom r) {
        return new double[] {TestNetworks.gaussian(r), TestNetworks.gaussian(r)};
    }

    static RbfKernel rbf() {
        return new RbfKernel(D, 2, 0.8, 1.5);
    }

    static Matrix columns(List<double[]> xs) {
        double[] v = new double[xs.size() * D];
        for (int i = 0; i < xs.size(); i++) {
            System.arraycopy(xs.get(i), 0, v, i * D, D);
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, D, xs.size(), v);
    }

    static void assertSamePredictions(List<Prediction> a, List<Prediction> b, double tol) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            for (int o = 0; o < a.get(i).mean().length; o++) {
                assertThat(a.get(i).mean()[o]).isCloseTo(b.get(i).mean()[o], Offset.offset(tol));
            }
            assertThat(a.get(i).variance()).isCloseTo(b.get(i).variance(), Offset.offset(tol));
            assertThat(a.get(i).label()).isEqualTo(b.get(i).label());
        }
    }

    @Test
    void learningOneAtATimeEqualsLearningABatchAndForgettingEqualsNeverLearning() {
        SplittableRandom r = new SplittableRandom(1);
        List<double[]> xs = new ArrayList<>();
        double[][] ys = new double[12][];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            xs.add(x(r));
            ys[i] = new double[] {Math.sin(xs.get(i)[0]), xs.get(i)[1]};
            ids.add("id" + i);
        }
        List<double[]> queries = List.of(x(r), x(r), x(r));
        RegressorSettings settings = RegressorSettings.defaults().withRidge(1e-2);
        try (NtkRegressor one = new NtkRegressor(rbf(), settings); NtkRegressor batch = one.untrainedCopy();
             NtkRegressor without = one.untrainedCopy(); Matrix xm = columns(xs); Matrix q = columns(queries)) {
            double[] x0 = xs.get(0).clone();
            for (int i = 0; i < 12; i++) {
                NtkRegressor.LearnResult res = one.learnOne(ids.get(i), xs.get(i), ys[i]);
                assertThat(res.jittered()).isFalse();
                assertThat(res.evicted()).isEmpty();
            }
            assertThat(xs.get(0)).as("inputs not mutated").containsExactly(x0);
            batch.learnMany(ids, xm, ys);
            assertSamePredictions(batch.predict(q), one.predict(q), 1e-10);
            // forget ≡ never learned
            assertThat(one.forget("id4")).isTrue();
            assertThat(one.forget("id4")).isFalse();
            for (int i = 0; i < 12; i++) {
                if (i != 4) {
                    without.learnOne(ids.get(i), xs.get(i), ys[i]);
                }
            }
            assertSamePredictions(one.predict(q), without.predict(q), 1e-10);
            // predictOne ≡ the batch prediction of that column
            Prediction p = one.predictOne(queries.get(1));
            assertThat(p.mean()).containsExactly(one.predict(q).get(1).mean());
            assertThat(p.isClassification()).isFalse();
            assertThat(p.probabilities()).isNull();
            assertThat(p.label()).isEqualTo(Prediction.NO_LABEL);
            assertThat(one.untrainedCopy().size()).isZero();
        }
    }

    @Test
    void aSlidingWindowKeepsTheLastSamplesOnly() {
        SplittableRandom r = new SplittableRandom(2);
        int window = 5;
        RegressorSettings settings = RegressorSettings.defaults().withWindow(window);
        List<double[]> xs = new ArrayList<>();
        double[][] ys = new double[13][];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            xs.add(x(r));
            ys[i] = new double[] {xs.get(i)[0] * xs.get(i)[1], 1.0};
            ids.add("id" + i);
        }
        try (NtkRegressor windowed = new NtkRegressor(rbf(), settings);
             NtkRegressor batched = windowed.untrainedCopy();
             NtkRegressor last = new NtkRegressor(rbf(), settings.withWindow(0));
             Matrix q = columns(List.of(x(r), x(r)))) {
            for (int i = 0; i < 13; i++) {
                NtkRegressor.LearnResult res = windowed.learnOne(ids.get(i), xs.get(i), ys[i]);
                assertThat(res.evicted()).isEqualTo(i < window ? List.of() : List.of(ids.get(i - window)));
                assertThat(windowed.size()).isEqualTo(Math.min(i + 1, window));
            }
            for (int i = 13 - window; i < 13; i++) {
                last.learnOne(ids.get(i), xs.get(i), ys[i]);
            }
            assertThat(windowed.state().ids()).isEqualTo(last.state().ids());
            assertSamePredictions(windowed.predict(q), last.predict(q), 1e-10);
            // batches: the first fills, the second (larger than the window) evicts everything before
            try (Matrix first = columns(xs.subList(0, 3)); Matrix second = columns(xs.subList(3, 13))) {
                batched.learnMany(ids.subList(0, 3), first, java.util.Arrays.copyOfRange(ys, 0, 3));
                List<NtkRegressor.LearnResult> res = batched.learnMany(ids.subList(3, 13), second,
                        java.util.Arrays.copyOfRange(ys, 3, 13));
                assertThat(res).hasSize(10);
                assertThat(res.get(0).evicted()).containsExactly("id3");
                assertThat(res.get(5).evicted()).containsExactly("id0", "id1", "id2");
            }
            assertThat(batched.state().ids()).isEqualTo(last.state().ids());
            assertSamePredictions(batched.predict(q), last.predict(q), 1e-10);
        }
    }

    @Test
    void classificationLearnsCenteredOneHotTargetsAndReportsSoftmaxAndArgMax() {
        assertThat(ClassTargets.encode(1, 3)).containsExactly(-1.0 / 3, 1.0 - 1.0 / 3, -1.0 / 3);
        assertThat(ClassTargets.encode(0, 2)).containsExactly(0.5, -0.5);
        double[] p = ClassTargets.softmax(new double[] {1, 2, 3});
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertThat(p[0]).isCloseTo(Math.exp(1) / z, Offset.offset(1e-15));
        assertThat(p[2]).isCloseTo(Math.exp(3) / z, Offset.offset(1e-15));
        assertThat(ClassTargets.softmax(new double[] {1000, 1000})).containsExactly(0.5, 0.5);

        Network net = Networks.random(TestNetworks.mlp(D, new int[] {32}, 3, Activation.RELU, Parametrization.NTK,
                1.4, 0.1, true), 4, Precision.FLOAT64);
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, NtkMode.PSEUDO);
        SplittableRandom r = new SplittableRandom(3);
        // three well-separated blobs
        double[][] centers = {{3, 0}, {-3, 3}, {0, -3}};
        try (NtkRegressor clf = new NtkRegressor(kernel, RegressorSettings.defaults().withClasses(3).withRidge(1e-2));
             KernelState plain = new KernelState(kernel, 1e-2)) {
            for (int i = 0; i < 24; i++) {
                int c = i % 3;
                double[] xi = {centers[c][0] + 0.3 * TestNetworks.gaussian(r), centers[c][1] + 0.3 * TestNetworks.gaussian(r)};
                clf.learnOne("s" + i, xi, c);
                plain.add("s" + i, xi, ClassTargets.encode(c, 3));
            }
            for (int c = 0; c < 3; c++) {
                Prediction pr = clf.predictOne(centers[c]);
                assertThat(pr.isClassification()).isTrue();
                try (Matrix m = Matrix.fromColumnMajor(Precision.FLOAT64, D, 1, centers[c])) {
                    assertThat(pr.mean()).containsExactly(plain.predict(m).mean()[0]);
                }
                assertThat(pr.probabilities()).containsExactly(ClassTargets.softmax(pr.mean()));
                assertThat(java.util.Arrays.stream(pr.probabilities()).sum()).isCloseTo(1.0, Offset.offset(1e-12));
                assertThat(pr.label()).isEqualTo(ClassTargets.argMax(pr.mean())).isEqualTo(c);
            }
            assertThatThrownBy(() -> clf.learnOne("x", centers[0], new double[] {1, 0, 0}))
                    .hasMessageContaining("classifies");
            assertThatThrownBy(() -> clf.learnOne("x", centers[0], 3)).hasMessageContaining("[0, 3)");
        }
        assertThatThrownBy(() -> new NtkRegressor(kernel, RegressorSettings.defaults().withClasses(4)))
                .hasMessageContaining("classes = 3");
    }

    @Test
    void serializationRoundTripKeepsSettingsAndPredictions() {
        SplittableRandom r = new SplittableRandom(4);
        RegressorSettings settings = RegressorSettings.defaults().withRidge(3e-2).withWindow(6)
                .withTime(TrainingTime.of(40, 0.5));
        try (NtkRegressor a = new NtkRegressor(rbf(), settings); Matrix q = columns(List.of(x(r), x(r), x(r)))) {
            for (int i = 0; i < 9; i++) {
                double[] xi = x(r);
                a.learnOne("k" + i, xi, new double[] {xi[0], -xi[1]});
            }
            try (NtkRegressor b = NtkRegressor.fromBytes(rbf(), a.toBytes())) {
                assertThat(b.settings()).isEqualTo(settings);
                assertSamePredictions(b.predict(q), a.predict(q), 0.0);
                assertSamePredictions(b.predict(q, TrainingTime.INFINITE), a.predict(q, TrainingTime.INFINITE), 0.0);
                double[] xn = x(r);
                a.learnOne("new", xn, new double[] {1, 2});
                NtkRegressor.LearnResult res = b.learnOne("new", xn, new double[] {1, 2});
                assertThat(res.evicted()).containsExactly("k3");
                assertSamePredictions(b.predict(q), a.predict(q), 0.0);
            }
            assertThatThrownBy(() -> NtkRegressor.fromBytes(new RbfKernel(D, 2, 0.5, 1.5), a.toBytes()))
                    .hasMessageContaining("rebuild");
        }
    }

    @Test
    void restoringFromRowsKeepsPredictionsAndRebuildingEqualsLearningFromScratchWithTheNewKernel() {
        SplittableRandom r = new SplittableRandom(5);
        RegressorSettings settings = RegressorSettings.defaults().withRidge(1e-2);
        RbfKernel newKernel = new RbfKernel(D, 2, 0.5, 2.0);
        try (NtkRegressor a = new NtkRegressor(rbf(), settings); NtkRegressor fresh = new NtkRegressor(newKernel, settings);
             Matrix q = columns(List.of(x(r), x(r), x(r)))) {
            for (int i = 0; i < 12; i++) {
                double[] xi = x(r);
                a.learnOne("k" + i, xi, new double[] {xi[0] * xi[1], xi[1]});
                fresh.learnOne("k" + i, xi, new double[] {xi[0] * xi[1], xi[1]});
            }
            try (NtkRegressor restored = NtkRegressor.restore(rbf(), settings, a.state().records());
                 NtkRegressor rebuilt = a.rebuild(newKernel)) {
                assertSamePredictions(restored.predict(q), a.predict(q), 0.0);
                assertThat(rebuilt.state().ids()).isEqualTo(a.state().ids());
                assertSamePredictions(rebuilt.predict(q), fresh.predict(q), 1e-9);
            }
            assertThatThrownBy(() -> a.rebuild(new RbfKernel(D + 1, 2, 0.5, 2.0))).hasMessageContaining("input_dim");
        }
    }

    @Test
    void argumentErrors() {
        try (NtkRegressor a = new NtkRegressor(rbf())) {
            a.learnOne("a", new double[] {0, 0}, new double[] {1, 1});
            assertThatThrownBy(() -> a.learnOne("a", new double[] {1, 0}, new double[] {1, 1}))
                    .hasMessageContaining("id 'a' is already learned");
            assertThatThrownBy(() -> a.learnOne("b", new double[] {1}, new double[] {1, 1}))
                    .hasMessageContaining("x (input_dim): expected 2 values, got 1");
            assertThatThrownBy(() -> a.learnOne("b", new double[] {1, 0}, 1)).hasMessageContaining("regression");
            assertThatThrownBy(() -> a.predictOne(new double[3])).hasMessageContaining("expected 2 values");
            assertThat(a.size()).isEqualTo(1);
        }
        assertThatThrownBy(() -> RegressorSettings.defaults().withRidge(-1)).hasMessageContaining("ridge");
        assertThatThrownBy(() -> RegressorSettings.defaults().withWindow(-1)).hasMessageContaining("window");
        assertThatThrownBy(() -> RegressorSettings.defaults().withClasses(1)).hasMessageContaining("classes");
        assertThatThrownBy(() -> TrainingTime.of(-1, 1)).hasMessageContaining("t (training time)");
        assertThatThrownBy(() -> TrainingTime.of(1, 0)).hasMessageContaining("learning rate");
    }
}
