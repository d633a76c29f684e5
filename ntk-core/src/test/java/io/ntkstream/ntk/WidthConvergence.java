package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.infinite.InfiniteConvNet;
import io.ntkstream.infinite.InfiniteKernel;
import io.ntkstream.infinite.InfiniteKernelKind;
import io.ntkstream.infinite.InfiniteNetworks;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Networks;
import io.ntkstream.network.TestNetworks;
import java.util.Locale;
import org.assertj.core.api.SoftAssertions;

/**
 * What {@link WidthConvergenceTest}, {@link CntkWidthConvergenceTest} and
 * {@link CntkResidualWidthConvergenceTest} measure and require of the error.
 */
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

    /**
     * A family of conv networks on 2×6×6 inputs (σ_w = 1.4, σ_b = 0.2, NTK parametrization): its
     * layers as JSON with {@code %1$d} for the channel count, and the bound on the error at the widest.
     */
    record ConvFamily(String name, String layers, double maxErrorWidest) {

        Architecture at(int channels) {
            return Architecture.parse("{\"input_shape\":[2,6,6],\"parametrization\":\"ntk\",\"sigma_w\":1.4,"
                    + "\"sigma_b\":0.2,\"layers\":[" + String.format(Locale.ROOT, layers, channels) + "]}");
        }
    }

    /**
     * For each family and channel count, the mean relative error of the empirical NTK (structured,
     * trace mode) of {@code seeds} random networks (seeds seedBase·C + s) on 6 inputs against the
     * closed form of {@link InfiniteConvNet}; asserts it falls like 1/√channels
     * ({@link #assertFallsLikeOneOverSqrtWidth}) and prints the means and one network's spread.
     */
    static void assertConvFamiliesConverge(String label, ConvFamily[] families, int[] channels, int seeds, long seedBase) {
        int samples = 6;
        Matrix x = TestNetworks.inputs(72, samples, 42, Precision.FLOAT64);
        double[][] rows = new double[samples][72];
        for (int n = 0; n < samples; n++) {
            for (int d = 0; d < 72; d++) {
                rows[n][d] = x.get(d, n);
            }
        }
        SoftAssertions softly = new SoftAssertions();
        for (ConvFamily family : families) {
            InfiniteKernel limitKernel = InfiniteNetworks.kernel(family.at(1));
            assertThat(limitKernel).isInstanceOf(InfiniteConvNet.class);
            double[][] limit = limitKernel.compute(rows, null, InfiniteKernelKind.NTK);
            double[] mean = new double[channels.length];
            double[] meanSquare = new double[channels.length];
            for (int w = 0; w < channels.length; w++) {
                Architecture a = family.at(channels[w]);
                for (int s = 0; s < seeds; s++) {
                    KernelBlock k = new EmpiricalNtk(Networks.random(a, seedBase * channels[w] + s, Precision.FLOAT64),
                            NtkMode.TRACE, NtkMethod.STRUCTURED).compute(x);
                    double err = relativeFrobeniusError(k, limit);
                    mean[w] += err / seeds;
                    meanSquare[w] += err * err / seeds;
                }
            }
            System.out.printf(Locale.ROOT, "%s %s: mean relative error %.4f (%d) %.4f (%d) %.4f (%d), ratio %.2f (%d seeds);"
                    + " one network's sd %.4f / %.4f / %.4f%n", label, family.name(), mean[0], channels[0], mean[1],
                    channels[1], mean[2], channels[2], mean[0] / mean[2], seeds,
                    Math.sqrt(Math.max(0, meanSquare[0] - mean[0] * mean[0])),
                    Math.sqrt(Math.max(0, meanSquare[1] - mean[1] * mean[1])),
                    Math.sqrt(Math.max(0, meanSquare[2] - mean[2] * mean[2])));
            assertFallsLikeOneOverSqrtWidth(softly, family.name(), mean, channels, "channels", family.maxErrorWidest());
        }
        softly.assertAll();
    }
}
