package io.ntkstream.active;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.kernel.RbfKernel;
import io.ntkstream.kernel.RegressorSettings;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Look-ahead (MLMOC, max aggregation, greedy batches) against random sampling on the synthetic
 * classification problem ({@link SyntheticData.Spec#defaults()}: 3 overlapping classes of 2
 * Gaussian clusters each in 2-D), RBF kernel ℓ = 0.8, s² = 1, ridge λ = 0.1; pool 300, test set
 * 1,000, 10 initial random labels then 12 batches of 5. Learning curves are averaged over 16
 * seeds (seed s: problem 100 + s, its own pool, test set and initial draw, shared by both).
 *
 * <p>Measured before choosing the assertions, mean test accuracy at 10, 15, ..., 70 labels over
 * four disjoint groups of 16 seeds (this test runs the first group):
 * <pre>
 * seeds  0-15 lookahead 0.714 0.784 0.806 0.807 0.820 0.821 0.828 0.829 0.832 0.834 0.839 0.841 0.847
 *             random    0.714 0.780 0.793 0.801 0.806 0.809 0.815 0.820 0.822 0.829 0.831 0.831 0.833
 * seeds 16-31 lookahead mean over the curve 0.812, random 0.795
 * seeds 32-47 lookahead 0.793, random 0.788
 * seeds 48-63 lookahead 0.828, random 0.812
 * </pre>
 * In every group look-ahead reached random's accuracy at the full budget (70 labels) with 15 to
 * 45 fewer labels; the test asserts at least 10 fewer, and a higher mean over the curve.
 * (Honest caveats, measured on the same 64 seeds: margin sampling did as well as look-ahead on
 * this problem; and with a near-interpolating ridge λ = 0.01 look-ahead was behind random for
 * its first ~25 queried labels and ahead only from ~35 labels on, about equal on average over
 * the curve — 0.785 vs 0.780 and 0.781 vs 0.780 for seeds 0-31 and 32-63.)
 */
class LookaheadVersusRandomTest {
    static final int SEEDS = 16;
    static final int ROUNDS = 13;

    static double[] curve(AcquisitionKind kind, int[] labeledOut) {
        SyntheticData.Spec spec = SyntheticData.Spec.defaults();
        RbfKernel kernel = new RbfKernel(spec.dim(), spec.classes(), 0.8, 1.0);
        RegressorSettings settings = RegressorSettings.defaults().withRidge(0.1).withClasses(spec.classes());
        double[] mean = new double[ROUNDS];
        for (int s = 0; s < SEEDS; s++) {
            LabeledSamples pool = SyntheticData.generate(spec, 300, 100 + s, 1000 + s);
            LabeledSamples test = SyntheticData.generate(spec, 1000, 100 + s, 2000 + s);
            List<LabelingSimulation.Round> rounds = LabelingSimulation.run(kernel, settings, pool, test,
                    QueryStrategy.of(kind, s), new LabelingSimulation.Settings(10, 60, 5, s));
            assertThat(rounds).hasSize(ROUNDS);
            for (int i = 0; i < ROUNDS; i++) {
                mean[i] += rounds.get(i).accuracy() / SEEDS;
                labeledOut[i] = rounds.get(i).labeled();
            }
        }
        return mean;
    }

    static int labelsToReach(double[] curve, int[] labeled, double target) {
        for (int i = 0; i < curve.length; i++) {
            if (curve[i] >= target) {
                return labeled[i];
            }
        }
        return Integer.MAX_VALUE;
    }

    static double average(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    @Test
    void lookaheadReachesRandomsFinalAccuracyWithFewerLabels() {
        int[] labeled = new int[ROUNDS];
        double[] lookahead = curve(AcquisitionKind.LOOKAHEAD, labeled);
        double[] random = curve(AcquisitionKind.RANDOM, labeled);
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < ROUNDS; i++) {
            log.append(String.format(Locale.ROOT, "%d labels: lookahead %.3f, random %.3f%n", labeled[i], lookahead[i],
                    random[i]));
        }
        System.out.print("mean test accuracy over " + SEEDS + " seeds\n" + log);

        assertThat(labeled[0]).isEqualTo(10);
        assertThat(labeled[ROUNDS - 1]).isEqualTo(70);
        assertThat(lookahead[0]).as("the same initial labels").isEqualTo(random[0]);
        double target = random[ROUNDS - 1];
        int needed = labelsToReach(lookahead, labeled, target);
        assertThat(needed).as("labels look-ahead needs for random's accuracy at 70 labels (%.3f)\n%s", target, log)
                .isLessThanOrEqualTo(70 - 10);
        assertThat(average(lookahead)).as("mean accuracy over the curve\n%s", log).isGreaterThan(average(random));
    }
}
