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
 * The empirical NTK of random residual conv networks in NTK parametrization converges, as the channels
 * grow, to the closed form of {@link InfiniteConvNet} with residual blocks (Σ and Θ of scale·branch +
 * shortcut add) — {@link CntkWidthConvergenceTest} for residual blocks. The empirical side is the
 * engine's {@link EmpiricalNtk} (structured method, trace mode, one output), whose residual handling
 * (cotangents of branch and shortcut adding) shares no code with the closed form.
 *
 * <p>Networks on 2×6×6 inputs, σ_w = 1.4, σ_b = 0.2, biases everywhere, 6 inputs, C channels:
 * <ul>
 *   <li>pre-activation: conv 3×3 pad 1 (C), [residual: relu, conv 3×3 (C), relu, conv 3×3 (C)], relu,
 *       global_avg_pool, flatten, dense 1 (the block input and both paths Gaussian: relu after the sum);</li>
 *   <li>projection: conv 3×3 pad 1 (C), relu, [residual scale 2: conv 3×3 stride 2 (C), relu, conv 3×3 (C);
 *       shortcut conv 1×1 stride 2 (C)], erf, global_avg_pool, flatten, dense 1;</li>
 *   <li>post-activation: conv 3×3 pad 1 (C), relu, [residual: conv 3×3 (C), relu, conv 3×3 (C)] with the
 *       identity shortcut of relu outputs (a non-Gaussian sum: only linear layers may follow),
 *       avg_pool 2, flatten, dense 1.</li>
 * </ul>
 *
 * <p>Measured, mean relative Frobenius error over the {@value #SEEDS} seeds (C = 16 / 64 / 256): pre-activation
 * 0.300 / 0.190 / 0.071, projection 0.219 / 0.116 / 0.060, post-activation 0.209 / 0.156 / 0.073 (ratios 16→256
 * 4.2, 3.6, 2.9; 48 seeds gave 0.070, 0.056 at scale 0.7, 0.068 at 256). One network's error has a standard
 * deviation of ≈ 0.03–0.04 at 256 channels (0.1–0.18 at 16), so a 24-seed mean is within ≈ 0.008 of the limit's
 * mean; the bounds on err(256) are ≈ 1.4–1.5× the measured means. The scale-2 projection block makes the test
 * sensitive to the combination rule: a closed form using scale instead of scale² (its limit 10% away) gives
 * err(256) = 0.116 there and fails; one dropping the shortcut's Θ failed it too (0.70 at scale 0.7, 8 seeds).
 * 15–25 s on two cores.
 */
class CntkResidualWidthConvergenceTest {
    private static final int[] CHANNELS = {16, 64, 256};
    private static final int SAMPLES = 6;
    private static final int SEEDS = Integer.getInteger("cntk.seeds", 24);

    private record Case(String name, String layers, double maxError256) {
    }

    private static final String CONV = "{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":3,\"padding\":1}";

    private static final Case[] ARCHS = {
        new Case("pre-activation identity block", CONV + ",{\"type\":\"residual\",\"layers\":[{\"type\":\"relu\"},"
                + CONV + ",{\"type\":\"relu\"}," + CONV + "]},{\"type\":\"relu\"},"
                + "{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}", 0.105),
        new Case("projection block, scale 2", CONV + ",{\"type\":\"relu\"},{\"type\":\"residual\",\"scale\":2,"
                + "\"layers\":[{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":3,\"stride\":2,\"padding\":1},"
                + "{\"type\":\"relu\"}," + CONV + "],"
                + "\"shortcut\":[{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":1,\"stride\":2}]},{\"type\":\"erf\"},"
                + "{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}", 0.085),
        new Case("post-activation identity block", CONV + ",{\"type\":\"relu\"},{\"type\":\"residual\",\"layers\":["
                + CONV + ",{\"type\":\"relu\"}," + CONV + "]},{\"type\":\"avg_pool\",\"kernel\":2},"
                + "{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}", 0.10),
    };

    private static Architecture arch(Case c, int channels) {
        return Architecture.parse("{\"input_shape\":[2,6,6],\"parametrization\":\"ntk\",\"sigma_w\":1.4,"
                + "\"sigma_b\":0.2,\"layers\":[" + String.format(Locale.ROOT, c.layers(), channels) + "]}");
    }

    @Test
    void empiricalResidualConvNtkApproachesTheClosedFormAsChannelsGrow() {
        Matrix x = TestNetworks.inputs(72, SAMPLES, 42, Precision.FLOAT64);
        double[][] rows = new double[SAMPLES][72];
        for (int n = 0; n < SAMPLES; n++) {
            for (int d = 0; d < 72; d++) {
                rows[n][d] = x.get(d, n);
            }
        }
        double[][] meanError = new double[ARCHS.length][CHANNELS.length];
        double[][] meanSquare = new double[ARCHS.length][CHANNELS.length];
        for (int c = 0; c < ARCHS.length; c++) {
            InfiniteKernel limitKernel = InfiniteNetworks.kernel(arch(ARCHS[c], 1));
            assertThat(limitKernel).isInstanceOf(InfiniteConvNet.class);
            double[][] limit = limitKernel.compute(rows, null, InfiniteKernelKind.NTK);
            for (int w = 0; w < CHANNELS.length; w++) {
                Architecture a = arch(ARCHS[c], CHANNELS[w]);
                long t0 = System.nanoTime();
                for (int s = 0; s < SEEDS; s++) {
                    KernelBlock k = new EmpiricalNtk(Networks.random(a, 7000L * CHANNELS[w] + s, Precision.FLOAT64),
                            NtkMode.TRACE, NtkMethod.STRUCTURED).compute(x);
                    double err = WidthConvergence.relativeFrobeniusError(k, limit);
                    meanError[c][w] += err / SEEDS;
                    meanSquare[c][w] += err * err / SEEDS;
                }
                System.out.printf(Locale.ROOT, "  %s C=%d: %.2f s%n", ARCHS[c].name(), CHANNELS[w],
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        SoftAssertions softly = new SoftAssertions();
        for (int c = 0; c < ARCHS.length; c++) {
            double[] e = meanError[c];
            String name = ARCHS[c].name();
            System.out.printf(Locale.ROOT, "residual cntk convergence %s: mean relative error %.4f (16) %.4f (64) "
                    + "%.4f (256), ratio 16/256 %.2f (%d seeds)%n", name, e[0], e[1], e[2], e[0] / e[2], SEEDS);
            for (int w = 0; w < CHANNELS.length; w++) {
                System.out.printf(Locale.ROOT, "  C=%d: one network's error sd %.4f%n", CHANNELS[w],
                        Math.sqrt(Math.max(0, meanSquare[c][w] - e[w] * e[w])));
            }
            WidthConvergence.assertFallsLikeOneOverSqrtWidth(softly, name, e, CHANNELS, "channels", ARCHS[c].maxError256());
        }
        softly.assertAll();
    }
}
