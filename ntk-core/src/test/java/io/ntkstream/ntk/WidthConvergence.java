package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.api.SoftAssertions;

/** What {@link WidthConvergenceTest} and {@link CntkWidthConvergenceTest} measure and require of the error. */
final class WidthConvergence {
    private WidthConvergence() {}

    /** ‖K − Θ∞‖_F / ‖Θ∞‖_F over all N×N pairs. */
    static double relativeFrobeniusError(KernelBlock k, double[][] limit) {
        assertThat(k.rows()).isEqualTo(limit.length);
        double num = 0;
        double den = 0;
        for (int i = 0; i < limit.length; i++) {
            for (int j = 0; j < limit.length; j++) {
                double d = k.get(i, j, 0) - limit[i][j];
                num += d * d;
                den += limit[i][j] * limit[i][j];
            }
        }
        return Math.sqrt(num / den);
    }

    /**
     * Mean errors e at three widths, each 4× the last: each below the one before, the last below
     * {@code maxLast}, and e[0]/e[2] in [2, 8] (1/√width predicts 4).
     */
    static void assertFallsLikeOneOverSqrtWidth(SoftAssertions softly, String name, double[] e, int[] widths,
                                                String widthWord, double maxLast) {
        softly.assertThat(e[1]).as("%s: err(%d) < err(%d)", name, widths[1], widths[0]).isLessThan(e[0]);
        softly.assertThat(e[2]).as("%s: err(%d) < err(%d)", name, widths[2], widths[1]).isLessThan(e[1]);
        softly.assertThat(e[2]).as("%s: err(%d)", name, widths[2]).isLessThan(maxLast);
        softly.assertThat(e[0] / e[2]).as("%s: err(%d)/err(%d), 1/sqrt(%s) predicts 4", name, widths[0], widths[2], widthWord)
                .isBetween(2.0, 8.0);
    }
}
