package io.ntkstream.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.KernelState;
import io.ntkstream.kernel.RbfKernel;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.TestNetworks;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@link CheckpointSelector} on tasks y = a·sin(3x) + noise, x ∈ [−2, 2], with three candidate
 * kernels (no network, f0 = 0): an RBF of lengthscale 0.7 that fits the family, and two that do
 * not — 0.02 (almost white: a left-out point is predicted near 0) and 20 (almost linear on the
 * interval). Every grid score is checked against n explicit refits (a {@link KernelState} on the
 * other samples predicting the left-out one), the aggregate against the mean of those, and the
 * choice against held-out query errors computed with {@link KernelState} predictions.
 */
class CheckpointSelectorTest {
    static final List<String> NAMES = List.of("rbf-0.02", "rbf-0.7", "rbf-20");
    static final List<FeatureKernel> KERNELS = List.of(new RbfKernel(1, 1, 0.02, 1.0), new RbfKernel(1, 1, 0.7, 1.0),
            new RbfKernel(1, 1, 20, 1.0));
    static final List<HyperParameters> GRID = MetaLearner.grid(new double[] {1e-3, 1e-1, 10},
            new double[] {0.1, 10, 1000}, 1e-3);

    /** A task: support (x, y) and query (x, y). */
    record Task(double[] x, double[] y, double[] queryX, double[] queryY) {
    }

    static Task task(SplittableRandom r, int n, int queries) {
        double a = 0.5 + 2 * r.nextDouble();
        double[] x = new double[n + queries];
        double[] y = new double[n + queries];
        for (int i = 0; i < x.length; i++) {
            x[i] = 4 * r.nextDouble() - 2;
            y[i] = a * Math.sin(3 * x[i]) + 0.05 * TestNetworks.gaussian(r);
        }
        return new Task(java.util.Arrays.copyOf(x, n), java.util.Arrays.copyOf(y, n),
                java.util.Arrays.copyOfRange(x, n, x.length), java.util.Arrays.copyOfRange(y, n, y.length));
    }

    /** The task's support set under a kernel, without sample {@code skip} (−1: all), ridge λ. */
    static KernelState state(FeatureKernel kernel, Task t, int skip, double ridge) {
        KernelState s = new KernelState(kernel, ridge);
        for (int i = 0; i < t.x().length; i++) {
            if (i != skip) {
                s.add("s" + i, new double[] {t.x()[i]}, new double[] {t.y()[i]});
            }
        }
        return s;
    }

    static List<TaskSpectrum> spectra(Task t) {
        List<TaskSpectrum> s = new ArrayList<>();
        for (FeatureKernel k : KERNELS) {
            try (KernelState state = state(k, t, -1, 1e-3)) {
                s.add(TaskSpectrum.of(state));
            }
        }
        return s;
    }

    /** Mean squared error at x of the fit under hp: μ from a KernelState (Cholesky for t = ∞, its own flow otherwise). */
    static double mse(KernelState fit, HyperParameters hp, double[] x, double[] y) {
        try (Matrix q = Matrix.fromColumnMajor(Precision.FLOAT64, 1, x.length, x.clone())) {
            double[][] mu = fit.predict(q, hp.time(), false).mean();
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += (mu[j][0] - y[j]) * (mu[j][0] - y[j]);
            }
            return s / x.length;
        }
    }

    /** Leave-one-out error of the task under a kernel and hp, by n explicit refits. */
    static double explicitLoo(FeatureKernel kernel, Task t, HyperParameters hp) {
        double s = 0;
        for (int i = 0; i < t.x().length; i++) {
            try (KernelState refit = state(kernel, t, i, hp.ridge())) {
                s += mse(refit, hp, new double[] {t.x()[i]}, new double[] {t.y()[i]});
            }
        }
        return s / t.x().length;
    }

    @Test
    void everyCandidatesScoresAreExplicitRefitLeaveOneOutAndTheChoiceIsTheirArgMin() {
        CheckpointSelector selector = new CheckpointSelector(NAMES, GRID, HyperParameters.defaults(), 0, FlowScore.LOO);
        SplittableRandom r = new SplittableRandom(1);
        int tasks = 3;
        double[][] sum = new double[NAMES.size()][GRID.size()];
        for (int t = 0; t < tasks; t++) {
            Task task = task(r, 8, 0);
            CheckpointSelector.TaskEvaluation e = selector.observeTask(spectra(task));
            for (int c = 0; c < NAMES.size(); c++) {
                for (int g = 0; g < GRID.size(); g++) {
                    double expected = explicitLoo(KERNELS.get(c), task, GRID.get(g));
                    assertThat(e.perCandidate().get(c).scores()[g]).as("%s %s", NAMES.get(c), GRID.get(g))
                            .isCloseTo(expected, Offset.offset(1e-8 * expected));
                    sum[c][g] += expected;
                }
            }
        }
        int bestC = 0;
        int bestG = 0;
        for (int c = 0; c < NAMES.size(); c++) {
            for (int g = 0; g < GRID.size(); g++) {
                double mean = sum[c][g] / tasks;
                assertThat(selector.learner(c).meanScores()[g]).isCloseTo(mean, Offset.offset(1e-8 * mean));
                if (mean < sum[bestC][bestG] / tasks) {
                    bestC = c;
                    bestG = g;
                }
            }
        }
        CheckpointSelector.Choice choice = selector.current();
        assertThat(choice.candidate()).isEqualTo(bestC);
        assertThat(choice.name()).isEqualTo(NAMES.get(bestC));
        assertThat(choice.hyperParameters()).isEqualTo(GRID.get(bestG));
        assertThat(choice.meanScore()).isCloseTo(sum[bestC][bestG] / tasks, Offset.offset(1e-8 * choice.meanScore()));
        assertThat(selector.tasksObserved()).isEqualTo(tasks);
    }

    @Test
    void picksTheKernelThatFitsTheFamilyAndItsHeldOutErrorIsTheLowest() {
        CheckpointSelector selector = new CheckpointSelector(NAMES, GRID, HyperParameters.defaults(), 0, FlowScore.LOO);
        SplittableRandom r = new SplittableRandom(2);
        for (int t = 0; t < 30; t++) {
            selector.observeTask(spectra(task(r, 10, 0)));
        }
        CheckpointSelector.Choice choice = selector.current();
        assertThat(choice.name()).isEqualTo("rbf-0.7");

        // held-out tasks, each candidate at the hyper-parameters meta-learned for it
        double[] heldOut = new double[NAMES.size()];
        int tasks = 30;
        for (int t = 0; t < tasks; t++) {
            Task task = task(r, 10, 40);
            for (int c = 0; c < NAMES.size(); c++) {
                HyperParameters hp = selector.learner(c).current();
                try (KernelState fit = state(KERNELS.get(c), task, -1, hp.ridge())) {
                    heldOut[c] += mse(fit, hp, task.queryX(), task.queryY()) / tasks;
                }
            }
        }
        for (int c = 0; c < NAMES.size(); c++) {
            if (c != choice.candidate()) {
                assertThat(heldOut[choice.candidate()]).as("held-out MSE of %s vs %s (%s)", choice.name(),
                        NAMES.get(c), java.util.Arrays.toString(heldOut)).isLessThan(0.5 * heldOut[c]);
            }
        }
    }

    @Test
    void beforeAnyTaskTheFirstCandidateAndOwnChoicesWithEnoughLabels() {
        CheckpointSelector selector = new CheckpointSelector(NAMES, GRID, HyperParameters.ridge(0.5), 12, FlowScore.GCV);
        CheckpointSelector.Choice none = selector.current();
        assertThat(none.candidate()).isZero();
        assertThat(none.hyperParameters()).isEqualTo(HyperParameters.ridge(0.5));
        assertThat(none.meanScore()).isNaN();
        SplittableRandom r = new SplittableRandom(3);
        List<TaskSpectrum> small = spectra(task(r, 6, 0));
        assertThat(selector.choose(small)).isEqualTo(none);
        List<TaskSpectrum> big = spectra(task(r, 14, 0));
        CheckpointSelector.Choice own = selector.choose(big);
        assertThat(own).isEqualTo(selector.evaluate(big).best());
        assertThat(own.name()).isEqualTo("rbf-0.7");
        assertThat(selector.tasksObserved()).as("choose and evaluate do not learn").isZero();
    }

    @Test
    void roundTripsThroughBytesAndValidates() {
        CheckpointSelector selector = new CheckpointSelector(NAMES, GRID, HyperParameters.defaults(), 0, FlowScore.LOO);
        SplittableRandom r = new SplittableRandom(4);
        for (int t = 0; t < 4; t++) {
            selector.observeTask(spectra(task(r, 7, 0)));
        }
        // from one state per candidate: the same as from their spectra
        CheckpointSelector viaStates = CheckpointSelector.fromBytes(selector.toBytes());
        Task extra = task(r, 7, 0);
        List<KernelState> states = new ArrayList<>();
        for (FeatureKernel k : KERNELS) {
            states.add(state(k, extra, -1, 1e-3));
        }
        viaStates.observeStates(states);
        states.forEach(KernelState::close);
        CheckpointSelector viaSpectra = CheckpointSelector.fromBytes(selector.toBytes());
        viaSpectra.observeTask(spectra(extra));
        for (int c = 0; c < NAMES.size(); c++) {
            assertThat(viaStates.learner(c).meanScores()).isEqualTo(viaSpectra.learner(c).meanScores());
        }
        CheckpointSelector copy = CheckpointSelector.fromBytes(selector.toBytes());
        assertThat(copy.names()).isEqualTo(NAMES);
        assertThat(copy.current()).isEqualTo(selector.current());
        assertThat(copy.tasksObserved()).isEqualTo(4);
        for (int c = 0; c < NAMES.size(); c++) {
            assertThat(copy.learner(c).meanScores()).isEqualTo(selector.learner(c).meanScores());
        }
        assertThatThrownBy(() -> CheckpointSelector.fromBytes(new byte[] {1, 2, 3, 4}))
                .hasMessageContaining("CheckpointSelector");
        assertThatThrownBy(() -> new CheckpointSelector(List.of("a", "a"), GRID, HyperParameters.defaults(), 0,
                FlowScore.LOO)).hasMessageContaining("distinct");
        assertThatThrownBy(() -> new CheckpointSelector(List.of(), GRID, HyperParameters.defaults(), 0, FlowScore.LOO))
                .hasMessageContaining("at least one");
        List<TaskSpectrum> two = spectra(task(r, 5, 0)).subList(0, 2);
        assertThatThrownBy(() -> selector.observeTask(two)).hasMessageContaining("one task spectrum per candidate");
        List<TaskSpectrum> mixed = new ArrayList<>(spectra(task(r, 5, 0)));
        mixed.set(2, spectra(task(r, 6, 0)).get(2));
        assertThatThrownBy(() -> selector.observeTask(mixed)).hasMessageContaining("same task");
    }
}
