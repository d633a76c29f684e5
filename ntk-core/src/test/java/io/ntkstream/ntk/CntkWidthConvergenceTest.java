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
import org.junit.jupiter.api.Test;

/**
 * The empirical NTK of random conv-relu-avg_pool networks in NTK parametrization converges, as the
 * channels grow, to the closed-form CNTK of {@link InfiniteConvNet} (Arora et al. 2019) — the
 * convolutional counterpart of {@link WidthConvergenceTest}. The empirical side is the engine's
 * {@link EmpiricalNtk} (structured method, trace mode, one output), which shares no code with the
 * closed-form recursion; the error should fall like 1/√channels (halve per 4× channels).
 *
 * <p>Networks on 2×6×6 inputs, σ_w = 1.4, σ_b = 0.2, biases everywhere, 6 inputs, C channels:
 * <ul>
 *   <li>relu: conv 3×3 pad 1 (C), relu, avg_pool 2, conv 3×3 pad 1 (C), relu, global_avg_pool,
 *       flatten, dense 1;</li>
 *   <li>erf: conv 3×3 stride 2 pad 1 (C), erf, conv 3×3 pad 1 (C), erf, avg_pool 2 stride 1, flatten,
 *       dense 1 (the flatten readout: only equal positions correlate).</li>
 * </ul>
 *
 * <p>Measured over 48 seeds per width (mean relative Frobenius error, C = 16 / 64 / 256):
 * relu 0.338 / 0.132 / 0.085 (ratio 16→256: 4.0), erf 0.223 / 0.121 / 0.062 (ratio 3.6); one more
 * step (24 seeds, C = 1024) gave relu 0.033 and erf 0.034, so the error keeps falling rather than
 * levelling off at a wrong limit. One relu network's error has a standard deviation of ≈ 55% of the
 * mean, so each width averages {@value #SEEDS} networks: resampling the 48 measured seeds, 24-seed
 * means break the ordering err(256) &lt; err(64) in ≈ 0.01% of seed sets (8 seeds: 4.5%). The bounds on
 * err(256) are the 48-seed means plus a margin of ≈ 1.5–1.6× (above the 99.9th percentile of 24-seed means).
 * The whole test runs in a few seconds (the structured NTK of a 256-channel net with 600k parameters).
 */
class CntkWidthConvergenceTest {
    private static final int[] CHANNELS = {16, 64, 256};
    private static final int SAMPLES = 6;
    private static final int SEEDS = Integer.getInteger("cntk.seeds", 24);

    private record Case(String name, String layers, double maxError256) {
    }

    private static final Case[] ARCHS = {
        new Case("relu conv-relu-avgpool-conv-relu-gap", "{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":3,\"padding\":1},"
                + "{\"type\":\"relu\"},{\"type\":\"avg_pool\",\"kernel\":2},"
                + "{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":3,\"padding\":1},{\"type\":\"relu\"},"
                + "{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}", 0.13),
        new Case("erf conv(stride 2)-erf-conv-erf-avgpool-flatten", "{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":3,"
                + "\"stride\":2,\"padding\":1},{\"type\":\"erf\"},"
                + "{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":3,\"padding\":1},{\"type\":\"erf\"},"
                + "{\"type\":\"avg_pool\",\"kernel\":2,\"stride\":1},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}", 0.095),
    };

    private static Architecture arch(Case c, int channels) {
        return Architecture.parse("{\"input_shape\":[2,6,6],\"parametrization\":\"ntk\",\"sigma_w\":1.4,"
                + "\"sigma_b\":0.2,\"layers\":[" + String.format(Locale.ROOT, c.layers(), channels) + "]}");
    }

    @Test
    void empiricalConvNtkApproachesCntkAsChannelsGrow() {
        Matrix x = TestNetworks.inputs(72, SAMPLES, 42, Precision.FLOAT64);
        double[][] rows = new double[SAMPLES][72];
        for (int n = 0; n < SAMPLES; n++) {
            for (int d = 0; d < 72; d++) {
                rows[n][d] = x.get(d, n);
            }
        }
        double[][] meanError = new double[ARCHS.length][CHANNELS.length];
        for (int c = 0; c < ARCHS.length; c++) {
            InfiniteKernel limitKernel = InfiniteNetworks.kernel(arch(ARCHS[c], 1));
            assertThat(limitKernel).isInstanceOf(InfiniteConvNet.class);
            double[][] limit = limitKernel.compute(rows, null, InfiniteKernelKind.NTK);
            for (int w = 0; w < CHANNELS.length; w++) {
                Architecture a = arch(ARCHS[c], CHANNELS[w]);
                for (int s = 0; s < SEEDS; s++) {
                    KernelBlock k = new EmpiricalNtk(Networks.random(a, 1000L * CHANNELS[w] + s, Precision.FLOAT64),
                            NtkMode.TRACE, NtkMethod.STRUCTURED).compute(x);
                    meanError[c][w] += WidthConvergence.relativeFrobeniusError(k, limit) / SEEDS;
                }
            }
        }
        SoftAssertions softly = new SoftAssertions();
        for (int c = 0; c < ARCHS.length; c++) {
            double[] e = meanError[c];
            String name = ARCHS[c].name();
            System.out.printf(Locale.ROOT, "cntk convergence %s: mean relative error %.4f (16) %.4f (64) %.4f (256),"
                    + " ratio 16/256 %.2f (%d seeds)%n", name, e[0], e[1], e[2], e[0] / e[2], SEEDS);
            WidthConvergence.assertFallsLikeOneOverSqrtWidth(softly, name, e, CHANNELS, "channels", ARCHS[c].maxError256());
        }
        softly.assertAll();
    }
}
