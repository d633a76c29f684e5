package io.ntkstream.ntk;

import io.ntkstream.infinite.InfiniteConvNet;
import io.ntkstream.ntk.WidthConvergence.ConvFamily;
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
    private static final int SEEDS = Integer.getInteger("cntk.seeds", 24);

    private static final String CONV = "{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":3,\"padding\":1}";

    private static final ConvFamily[] FAMILIES = {
        new ConvFamily("pre-activation identity block", CONV + ",{\"type\":\"residual\",\"layers\":[{\"type\":\"relu\"},"
                + CONV + ",{\"type\":\"relu\"}," + CONV + "]},{\"type\":\"relu\"},"
                + "{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}", 0.105),
        new ConvFamily("projection block, scale 2", CONV + ",{\"type\":\"relu\"},{\"type\":\"residual\",\"scale\":2,"
                + "\"layers\":[{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":3,\"stride\":2,\"padding\":1},"
                + "{\"type\":\"relu\"}," + CONV + "],"
                + "\"shortcut\":[{\"type\":\"conv2d\",\"out\":%1$d,\"kernel\":1,\"stride\":2}]},{\"type\":\"erf\"},"
                + "{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}", 0.085),
        new ConvFamily("post-activation identity block", CONV + ",{\"type\":\"relu\"},{\"type\":\"residual\",\"layers\":["
                + CONV + ",{\"type\":\"relu\"}," + CONV + "]},{\"type\":\"avg_pool\",\"kernel\":2},"
                + "{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}", 0.10),
    };

    @Test
    void empiricalResidualConvNtkApproachesTheClosedFormAsChannelsGrow() {
        WidthConvergence.assertConvFamiliesConverge("residual cntk convergence", FAMILIES, CHANNELS, SEEDS, 7000L);
    }
}
