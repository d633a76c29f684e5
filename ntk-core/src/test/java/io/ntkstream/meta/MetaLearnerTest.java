package io.ntkstream.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.kernel.KernelState;
import io.ntkstream.kernel.RbfKernel;
import io.ntkstream.kernel.TrainingTime;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@link MetaLearner}: the aggregate is the running mean of the tasks' grid scores (recomputed
 * here from each task's evaluation), its arg-min is the current choice, tasks with enough labels
 * use their own, and the state survives serialization. Tasks: RBF kernel (no network), f0 = 0.
 */
class MetaLearnerTest {
    static final RbfKernel KERNEL = new RbfKernel(1, 1, 0.7, 1.0);
    static final List<HyperParameters> GRID = MetaLearner.grid(new double[] {1e-3, 1e-1, 10},
            new double[] {0.1, 10}, 1e-3);

    /** A task of n samples of y = a·sin(3x) + noise·N(0,1). */
    static KernelState task(SplittableRandom r, int n, double amplitude, double noise) {
        KernelState s = new KernelState(KERNEL, 1e-3);
        for (int i = 0; i < n; i++) {
            double x = 4 * r.nextDouble() - 2;
            double g = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
            s.add("s" + i, new double[] {x}, new double[] {amplitude * Math.sin(3 * x) + noise * g});
        }
        return s;
    }

    @Test
    void aggregateIsTheRunningMeanOfTaskScores() {
        for (FlowScore flowScore : FlowScore.values()) {
            MetaLearner learner = new MetaLearner(GRID, HyperParameters.defaults(), 0, flowScore);
            assertThat(learner.current()).isEqualTo(HyperParameters.defaults());
            SplittableRandom r = new SplittableRandom(1);
            double[] sum = new double[GRID.size()];
            int tasks = 6;
            for (int t = 0; t < tasks; t++) {
                try (KernelState s = task(r, 8, 1 + t, 0.2)) {
                    TaskSpectrum spectrum = TaskSpectrum.of(s);
                    MetaLearner.TaskEvaluation e = learner.observeTask(s);
                    for (int g = 0; g < GRID.size(); g++) {
                        FlowScore used = flowScore == FlowScore.AUTO ? FlowScore.LOO : flowScore; // 8 samples
                        double expected = GRID.get(g).isRidge() ? spectrum.looMeanSquaredError(GRID.get(g).ridge())
                                : used == FlowScore.GCV ? spectrum.gcv(GRID.get(g).time().flowTime())
                                : spectrum.looFlowMeanSquaredError(GRID.get(g).time().flowTime());
                        assertThat(e.scores()[g]).isCloseTo(expected, Offset.offset(1e-12 * expected));
                        sum[g] += e.scores()[g];
                    }
                    assertThat(e.best()).isEqualTo(GRID.get(argMin(e.scores())));
                }
            }
            assertThat(learner.tasksObserved()).isEqualTo(tasks);
            double[] means = learner.meanScores();
            for (int g = 0; g < GRID.size(); g++) {
                assertThat(means[g]).isCloseTo(sum[g] / tasks, Offset.offset(1e-12 * sum[g]));
            }
            assertThat(learner.current()).isEqualTo(GRID.get(argMin(means)));
        }
    }

    static int argMin(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] < v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void noisyTasksTeachRegularizationCleanTasksTeachFitting() {
        MetaLearner noisy = new MetaLearner(GRID, HyperParameters.defaults(), 0, FlowScore.LOO);
        MetaLearner clean = new MetaLearner(GRID, HyperParameters.defaults(), 0, FlowScore.LOO);
        SplittableRandom r = new SplittableRandom(2);
        for (int t = 0; t < 20; t++) {
            try (KernelState a = task(r, 10, 0.0, 1.0); KernelState b = task(r, 10, 1.0, 0.0)) {
                noisy.observeTask(a);
                clean.observeTask(b);
            }
        }
        // pure noise: the strongest regularization on the grid; a clean smooth function: the weakest
        assertThat(noisy.current()).isIn(HyperParameters.ridge(10), HyperParameters.flow(0.1, 1e-3));
        assertThat(clean.current()).isIn(HyperParameters.ridge(1e-3), HyperParameters.flow(10, 1e-3));
    }

    @Test
    void tasksWithEnoughLabelsUseTheirOwnChoice() {
        MetaLearner learner = new MetaLearner(GRID, HyperParameters.defaults(), 6, FlowScore.GCV);
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 5; t++) {
            try (KernelState s = task(r, 8, 0.0, 1.0)) {
                learner.observeTask(s);
            }
        }
        try (KernelState small = task(r, 5, 1.0, 0.0); KernelState big = task(r, 12, 1.0, 0.0)) {
            assertThat(learner.choose(small)).isEqualTo(learner.current());
            assertThat(learner.choose(big)).isEqualTo(learner.evaluate(big).best());
            assertThat(learner.choose(big)).isNotEqualTo(learner.current());
        }
        MetaLearner never = new MetaLearner(GRID, HyperParameters.defaults(), 0, FlowScore.GCV);
        try (KernelState big = task(r, 12, 1.0, 0.0)) {
            assertThat(never.choose(big)).isEqualTo(HyperParameters.defaults());
        }
    }

    @Test
    void emptyTasksAreNotCounted() {
        MetaLearner learner = new MetaLearner();
        try (KernelState empty = new KernelState(KERNEL, 1e-3)) {
            MetaLearner.TaskEvaluation e = learner.observeTask(empty);
            assertThat(e.bestIndex()).isEqualTo(-1);
            assertThat(e.best()).isNull();
        }
        assertThat(learner.tasksObserved()).isZero();
        assertThat(learner.current()).isEqualTo(HyperParameters.defaults());
    }

    @Test
    void roundTripsThroughBytes() {
        MetaLearner learner = new MetaLearner(GRID, HyperParameters.ridge(0.5), 4, FlowScore.LOO);
        SplittableRandom r = new SplittableRandom(4);
        for (int t = 0; t < 3; t++) {
            try (KernelState s = task(r, 6, 2.0, 0.3)) {
                learner.observeTask(s);
            }
        }
        MetaLearner copy = MetaLearner.fromBytes(learner.toBytes());
        assertThat(copy.grid()).isEqualTo(learner.grid());
        assertThat(copy.meanScores()).isEqualTo(learner.meanScores());
        assertThat(copy.tasksObserved()).isEqualTo(3);
        assertThat(copy.current()).isEqualTo(learner.current());
        assertThat(copy.minOwnLabels()).isEqualTo(4);
        assertThat(copy.flowScore()).isEqualTo(FlowScore.LOO);
        assertThat(MetaLearner.fromBytes(new MetaLearner(GRID, HyperParameters.ridge(0.5), 0, FlowScore.GCV)
                .toBytes()).current()).isEqualTo(HyperParameters.ridge(0.5));
        assertThatThrownBy(() -> MetaLearner.fromBytes(new byte[] {1, 2, 3, 4})).hasMessageContaining("MetaLearner");
    }

    @Test
    void theDefaultCriterionIsExactLeaveOneOutForFewShotTasksAndGcvForLargeOnes() {
        assertThat(new MetaLearner().flowScore()).isEqualTo(FlowScore.AUTO);
        assertThat(FlowScore.AUTO.forSamples(FlowScore.AUTO_LOO_MAX_SAMPLES)).isEqualTo(FlowScore.LOO);
        assertThat(FlowScore.AUTO.forSamples(FlowScore.AUTO_LOO_MAX_SAMPLES + 1)).isEqualTo(FlowScore.GCV);
        assertThat(FlowScore.GCV.forSamples(3)).isEqualTo(FlowScore.GCV);
        assertThat(FlowScore.LOO.forSamples(300)).isEqualTo(FlowScore.LOO);
        SplittableRandom r = new SplittableRandom(6);
        MetaLearner auto = new MetaLearner(GRID, HyperParameters.defaults(), 0, FlowScore.AUTO);
        MetaLearner loo = new MetaLearner(GRID, HyperParameters.defaults(), 0, FlowScore.LOO);
        MetaLearner gcv = new MetaLearner(GRID, HyperParameters.defaults(), 0, FlowScore.GCV);
        for (int n : new int[] {6, 30}) {
            try (KernelState s = task(r, n, 1.0, 0.2)) {
                TaskSpectrum spectrum = TaskSpectrum.of(s);
                MetaLearner expected = n <= FlowScore.AUTO_LOO_MAX_SAMPLES ? loo : gcv;
                assertThat(auto.evaluate(spectrum).scores()).as("n = %d", n)
                        .containsExactly(expected.evaluate(spectrum).scores());
            }
        }
    }

    @Test
    void defaultGridAndValidation() {
        List<HyperParameters> grid = MetaLearner.defaultGrid();
        assertThat(grid).contains(HyperParameters.ridge(1e-3), HyperParameters.ridge(100));
        assertThat(grid.stream().filter(h -> !h.isRidge()).count()).isEqualTo(13);
        assertThat(HyperParameters.flow(3, 0.1).time()).isEqualTo(TrainingTime.of(3, 1.0));
        assertThatThrownBy(() -> new MetaLearner(List.of(), HyperParameters.defaults(), 0, FlowScore.GCV))
                .hasMessageContaining("grid");
        assertThatThrownBy(() -> new MetaLearner(GRID, HyperParameters.defaults(), -1, FlowScore.GCV))
                .hasMessageContaining("minOwnLabels");
        assertThatThrownBy(() -> new HyperParameters(-1, TrainingTime.INFINITE)).hasMessageContaining("ridge");
    }
}
