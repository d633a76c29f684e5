package io.ntkstream.infinite;

import static io.ntkstream.infinite.CntkArchitectureTest.assertAllClose;
import static io.ntkstream.infinite.CntkArchitectureTest.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.network.Architecture;
import java.util.Locale;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Residual blocks in the closed form ({@link InfiniteConvNet}): y = scale·branch(x) + shortcut(x) has
 * Σ_y = scale²·Σ_branch + Σ_shortcut and Θ_y = scale²·Θ_branch + Θ_shortcut. The expected kernels are
 * assembled here from the closed forms of networks without residual blocks (the prefix before the block
 * followed by the branch alone, or by the shortcut alone), which the existing tests check.
 *
 * <p>When a block is followed only by linear layers (pooling, flatten) and a dense readout with σ_w, σ_b,
 * the readout is K_out = σ_w²·L(Σ_y) + σ_b², Θ_out = K_out + σ_w²·L(Θ_y) for one linear map L, so with
 * B = prefix + branch + readout and S = prefix + shortcut + readout (no blocks):
 * K_res = scale²·(K_B − σ_b²) + (K_S − σ_b²) + σ_b² and Θ_res − K_res = scale²·(Θ_B − K_B) + (Θ_S − K_S).
 */
class CntkResidualTest {
    private static final double SW = 1.3;
    private static final double SB = 0.4;
    private static final String CONV3 = "{\"type\":\"conv2d\",\"out\":4,\"kernel\":3,\"padding\":1}";
    private static final String CONV1 = "{\"type\":\"conv2d\",\"out\":4,\"kernel\":1}";
    private static final String RELU = "{\"type\":\"relu\"}";
    private static final String ERF = "{\"type\":\"erf\"}";
    private static final String READOUT = "{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}";

    private static Architecture parse(String shape, String layers) {
        return Architecture.parse("{\"input_shape\":" + shape + ",\"parametrization\":\"ntk\",\"sigma_w\":" + SW
                + ",\"sigma_b\":" + SB + ",\"layers\":[" + layers + "]}");
    }

    private static String block(double scale, String branch, String shortcut) {
        return "{\"type\":\"residual\",\"scale\":" + scale + ",\"layers\":[" + branch + "],\"shortcut\":[" + shortcut
                + "]}";
    }

    private static String seq(String... layers) {
        return String.join(",", java.util.Arrays.stream(layers).filter(l -> !l.isEmpty()).toList());
    }

    /**
     * A block (prefix, then the block, then READOUT) against the hand-assembled sum of the non-residual
     * networks prefix + branch + READOUT and prefix + shortcut + READOUT, on x1 alone and on (x1, x2).
     */
    private static void checkLinearReadout(String name, String shape, String prefix, double scale, String branch,
                                           String shortcut, int d) {
        double[][] x1 = random(5, d, 11);
        double[][] x2 = random(3, d, 12);
        InfiniteKernel res = InfiniteNetworks.kernel(parse(shape, seq(prefix, block(scale, branch, shortcut), READOUT)));
        InfiniteKernel b = InfiniteNetworks.kernel(parse(shape, seq(prefix, branch, READOUT)));
        InfiniteKernel s = InfiniteNetworks.kernel(parse(shape, seq(prefix, shortcut, READOUT)));
        double sb2 = SB * SB;
        double s2 = scale * scale;
        for (double[][] other : new double[][][] {null, x2}) {
            InfiniteWidthKernel.Kernels got = res.computeBoth(x1, other);
            InfiniteWidthKernel.Kernels kb = b.computeBoth(x1, other);
            InfiniteWidthKernel.Kernels ks = s.computeBoth(x1, other);
            int n2 = other == null ? x1.length : other.length;
            double[][] nngp = new double[x1.length][n2];
            double[][] ntk = new double[x1.length][n2];
            for (int i = 0; i < x1.length; i++) {
                for (int j = 0; j < n2; j++) {
                    nngp[i][j] = s2 * (kb.nngp()[i][j] - sb2) + (ks.nngp()[i][j] - sb2) + sb2;
                    ntk[i][j] = nngp[i][j] + s2 * (kb.ntk()[i][j] - kb.nngp()[i][j])
                            + (ks.ntk()[i][j] - ks.nngp()[i][j]);
                }
            }
            String what = name + (other == null ? "" : " (x1, x2)");
            assertAllClose(what + " NNGP", got.nngp(), nngp, 1e-12);
            assertAllClose(what + " NTK", got.ntk(), ntk, 1e-12);
            // the block changes the kernel: the identity is not met by accident
            assertThat(Math.abs(got.ntk()[0][1] - kb.ntk()[0][1])).as(what + " differs from the branch alone")
                    .isGreaterThan(1e-6 * Math.abs(kb.ntk()[0][1]));
        }
    }

    /** Identity shortcut, branch one 1×1 convolution, directly on the raw image: Σ_x = K⁰, Θ_x = 0. */
    @Test
    void oneByOneConvBranchOnTheInputAddsToTheInputKernel() {
        checkLinearReadout("1x1 conv branch on the input", "[4,3,3]", "", 1.0, CONV1, "", 36);
        checkLinearReadout("1x1 conv branch on the input, scale 0.6", "[4,3,3]", "", 0.6, CONV1, "", 36);
    }

    /** Identity shortcut around a 1×1 conv after a conv-relu stem (Θ_x ≠ 0, not Gaussian: relu outputs). */
    @Test
    void identityShortcutAfterAStemAddsTheStemKernels() {
        checkLinearReadout("stem, 1x1 conv branch", "[2,4,4]", seq(CONV3, RELU), 1.0, CONV1, "", 32);
        checkLinearReadout("stem, conv-relu-conv branch, scale 0.5", "[2,4,4]", seq(CONV3, RELU), 0.5,
                seq(CONV3, RELU, CONV3), "", 32);
        // pre-activation: the block input a conv output (a Gaussian field), the branch starts with erf
        checkLinearReadout("pre-activation erf-conv branch", "[2,4,4]", CONV3, 0.8, seq(ERF, CONV3), "", 32);
    }

    /** A 1×1 convolution shortcut (projection) with a strided 3×3 branch: the sum of the two networks' kernels. */
    @Test
    void oneByOneConvShortcutBlockIsTheSumOfTheTwoNetworks() {
        String strided = "{\"type\":\"conv2d\",\"out\":3,\"kernel\":3,\"stride\":2,\"padding\":1}";
        String projection = "{\"type\":\"conv2d\",\"out\":3,\"kernel\":1,\"stride\":2}";
        checkLinearReadout("projection shortcut", "[2,5,5]", seq(CONV3, RELU), 1.0, seq(strided, RELU,
                "{\"type\":\"conv2d\",\"out\":3,\"kernel\":3,\"padding\":1}"), projection, 50);
        // both paths random and Gaussian, the branch without any parameterized layer after its last activation
        checkLinearReadout("projection shortcut, branch conv-relu", "[2,5,5]", CONV3, 0.7, seq(strided, RELU),
                projection, 50);
    }

    /** Scale 0: the network equals the one with the shortcut in place of the block, exactly. */
    @Test
    void scaleZeroLeavesTheShortcutAlone() {
        double[][] x = random(5, 32, 3);
        String tail = seq(RELU, READOUT); // an activation after the block too
        String[][] cases = {
            {"", "pre-activation, identity"},
            {"{\"type\":\"conv2d\",\"out\":4,\"kernel\":1,\"bias\":false}", "1x1 conv shortcut"},
        };
        for (String[] c : cases) {
            InfiniteKernel res = InfiniteNetworks.kernel(parse("[2,4,4]", seq(CONV3, block(0.0, seq(RELU, CONV3,
                    RELU, CONV3), c[0]), tail)));
            InfiniteKernel plain = InfiniteNetworks.kernel(parse("[2,4,4]", seq(CONV3, c[0], tail)));
            InfiniteWidthKernel.Kernels got = res.computeBoth(x, null);
            InfiniteWidthKernel.Kernels want = plain.computeBoth(x, null);
            assertAllClose(c[1] + " NNGP", got.nngp(), want.nngp(), 1e-13);
            assertAllClose(c[1] + " NTK", got.ntk(), want.ntk(), 1e-13);
        }
    }

    /**
     * A residual MLP goes to the CNTK recursion (InfiniteNetworks' MLP closed form takes dense and activation
     * layers only). dense(h) → [relu, dense(h)] scale s → relu → dense(1): the block's Gaussian sum Σ_y =
     * s²·Σ_g + Σ_z, Θ_y = s²·Θ_g + Θ_z from the MLP closed forms of dense (z) and dense-relu-dense (g), then
     * relu and dense by the dual activation, per pair with the self-kernels' diagonals.
     */
    @Test
    void residualMlpIsTheGaussianSumThroughTheNextActivation() {
        int d = 6;
        double[][] x1 = random(4, d, 21);
        double[][] x2 = random(3, d, 22);
        String dense = "{\"type\":\"dense\",\"out\":16}";
        for (double scale : new double[] {1.0, 0.5}) {
            for (String act : new String[] {RELU, ERF}) {
                Nonlinearity f = act.equals(RELU) ? Nonlinearity.RELU : Nonlinearity.ERF;
                Architecture arch = Architecture.parse("{\"input_dim\":" + d + ",\"parametrization\":\"ntk\","
                        + "\"sigma_w\":" + SW + ",\"sigma_b\":" + SB + ",\"layers\":[" + seq(dense,
                        block(scale, seq(act, dense), ""), act, "{\"type\":\"dense\",\"out\":1}") + "]}");
                InfiniteKernel res = InfiniteNetworks.kernel(arch);
                assertThat(res).isInstanceOf(InfiniteConvNet.class);
                InfiniteMlp z = InfiniteMlp.of(d, SW, SB);
                InfiniteMlp g = InfiniteMlp.of(d, SW, SB, f);
                for (double[][] other : new double[][][] {null, x2}) {
                    double[][] b = other == null ? x1 : other;
                    double[][][] sy = sum(scale, InfiniteWidthKernel.computeBoth(g, x1, b),
                            InfiniteWidthKernel.computeBoth(z, x1, b));
                    double[][][] s11 = sum(scale, InfiniteWidthKernel.computeBoth(g, x1, x1),
                            InfiniteWidthKernel.computeBoth(z, x1, x1));
                    double[][][] s22 = sum(scale, InfiniteWidthKernel.computeBoth(g, b, b),
                            InfiniteWidthKernel.computeBoth(z, b, b));
                    double[][] nngp = new double[x1.length][b.length];
                    double[][] ntk = new double[x1.length][b.length];
                    double[] e = new double[2];
                    for (int i = 0; i < x1.length; i++) {
                        for (int j = 0; j < b.length; j++) {
                            DualActivation.expectations(f, s11[0][i][i], sy[0][i][j], s22[0][j][j], true, e);
                            nngp[i][j] = SW * SW * e[0] + SB * SB;
                            ntk[i][j] = nngp[i][j] + SW * SW * e[1] * sy[1][i][j];
                        }
                    }
                    InfiniteWidthKernel.Kernels got = res.computeBoth(x1, other);
                    String what = String.format(Locale.ROOT, "residual MLP %s scale %.1f%s", f, scale,
                            other == null ? "" : " (x1, x2)");
                    assertAllClose(what + " NNGP", got.nngp(), nngp, 1e-12);
                    assertAllClose(what + " NTK", got.ntk(), ntk, 1e-12);
                }
            }
        }
    }

    private static double[][][] sum(double scale, InfiniteWidthKernel.Kernels branch, InfiniteWidthKernel.Kernels in) {
        int n1 = in.nngp().length;
        int n2 = in.nngp()[0].length;
        double[][][] out = new double[2][n1][n2];
        for (int i = 0; i < n1; i++) {
            for (int j = 0; j < n2; j++) {
                out[0][i][j] = scale * scale * branch.nngp()[i][j] + in.nngp()[i][j];
                out[1][i][j] = scale * scale * branch.ntk()[i][j] + in.ntk()[i][j];
            }
        }
        return out;
    }

    /**
     * A dense branch on a flattened conv output (one position, broadcast over the flattened positions):
     * the features of y = dense(z) + flatten(z) have covariance Σ_dense + Σ_z(p, p) at position p; the
     * final dense averages over them.
     */
    @Test
    void denseBranchOnAFlattenedInputBroadcastsOverPositions() {
        checkLinearReadoutFlat();
    }

    private static void checkLinearReadoutFlat() {
        String flatten = "{\"type\":\"flatten\"}";
        String prefix = seq(CONV3, RELU, flatten); // [4,3,3] -> 4x3x3 -> 36 features
        String dense36 = "{\"type\":\"dense\",\"out\":36}";
        String readout = "{\"type\":\"dense\",\"out\":1}";
        double[][] x = random(4, 36, 31);
        InfiniteKernel res = InfiniteNetworks.kernel(parse("[4,3,3]", seq(prefix, block(0.9, dense36, ""), readout)));
        InfiniteKernel b = InfiniteNetworks.kernel(parse("[4,3,3]", seq(prefix, dense36, readout)));
        InfiniteKernel s = InfiniteNetworks.kernel(parse("[4,3,3]", seq(prefix, readout)));
        InfiniteWidthKernel.Kernels got = res.computeBoth(x, null);
        InfiniteWidthKernel.Kernels kb = b.computeBoth(x, null);
        InfiniteWidthKernel.Kernels ks = s.computeBoth(x, null);
        double sb2 = SB * SB;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x.length; j++) {
                double nngp = 0.81 * (kb.nngp()[i][j] - sb2) + ks.nngp()[i][j];
                double ntk = nngp + 0.81 * (kb.ntk()[i][j] - kb.nngp()[i][j]) + (ks.ntk()[i][j] - ks.nngp()[i][j]);
                assertThat(got.nngp()[i][j]).isCloseTo(nngp, Offset.offset(1e-12 * Math.abs(nngp)));
                assertThat(got.ntk()[i][j]).isCloseTo(ntk, Offset.offset(1e-12 * Math.abs(ntk)));
            }
        }
    }

    /** Nested blocks: an inner identity block inside the outer branch is the inner sum, then the outer sum. */
    @Test
    void nestedBlocksAddLevelByLevel() {
        // outer branch = conv, [inner: relu, conv], so outer branch + readout = prefix conv readout-sum of inner
        String inner = block(0.5, seq(RELU, CONV3), "");
        checkLinearReadout("nested", "[2,4,4]", seq(CONV3, RELU), 0.7, seq(CONV3, inner), "", 32);
    }

    /** Symmetric, rectangular and parallel evaluation agree for a residual net, and the kernel is PSD-shaped. */
    @Test
    void symmetricAndRectangularAgree() {
        InfiniteKernel k = InfiniteNetworks.kernel(parse("[2,4,4]", seq(CONV3, block(1.0, seq(RELU, CONV3, RELU,
                CONV3), ""), RELU, READOUT)));
        double[][] x = random(InfiniteConvNet.PARALLEL_ROWS + 2, 32, 41);
        double[][] sym = k.compute(x, null, InfiniteKernelKind.NTK);
        double[][] full = k.compute(x, x, InfiniteKernelKind.NTK);
        assertAllClose("x2 = x1", full, sym, 1e-13);
        for (int i = 0; i < x.length; i++) {
            assertThat(k.compute(new double[][] {x[i]}, x, InfiniteKernelKind.NTK)[0]).isEqualTo(full[i]);
            for (int j = 0; j < x.length; j++) {
                assertThat(sym[i][j] * sym[i][j]).isLessThanOrEqualTo(sym[i][i] * sym[j][j] * (1 + 1e-12));
            }
        }
    }

    @Test
    void refusesWhatHasNoClosedFormInsideBlocks() {
        String tail = READOUT;
        assertRefused(parse("[2,4,4]", seq(CONV3, block(1, seq(RELU, "{\"type\":\"layer_norm\"}", CONV3), ""), tail)),
                "layers[1].layers[1] (layer_norm)", "no closed-form");
        assertRefused(parse("[2,4,4]", seq(CONV3, block(1, seq(RELU, CONV3), "{\"type\":\"batch_norm\"}"), tail)),
                "layers[1].shortcut[0] (batch_norm)", "no closed-form");
        assertRefused(parse("[2,4,4]", seq(CONV3, block(1, seq(RELU, "{\"type\":\"max_pool\",\"kernel\":1}", CONV3),
                ""), tail)), "layers[1].layers[1] (max_pool)", "max pooling");
        assertRefused(parse("[2,4,4]", seq(CONV3, block(1, seq("{\"type\":\"tanh\"}", CONV3), ""), tail)),
                "layers[1].layers[0] (tanh)", "activation 'tanh'");
        assertRefused(parse("[4,4,4]", seq(CONV3, block(1, seq(RELU, "{\"type\":\"conv2d\",\"out\":4,\"kernel\":3,"
                + "\"padding\":1,\"groups\":2}"), ""), tail)), "layers[1].layers[1] (conv2d)", "\"groups\" = 2");
        // nested blocks name the whole path
        assertRefused(parse("[2,4,4]", seq(CONV3, block(1, seq(CONV3, block(1, seq(RELU, "{\"type\":\"layer_norm\"}"),
                "")), ""), tail)), "layers[1].layers[1].layers[1] (layer_norm)");
        // an identity shortcut around a relu output is not Gaussian: an activation after the sum has no closed form
        assertRefused(parse("[2,4,4]", seq(CONV3, RELU, block(1, CONV3, ""), RELU, tail)), "layers[3] (relu)",
                "not Gaussian", "residual block layers[2]");
        // neither path ends in a conv/dense of its own: the two outputs are correlated
        assertRefused(parse("[2,4,4]", seq(CONV3, block(1, RELU, ""), tail)), "layers[1] (residual)",
                "neither the branch");
        assertRefused(parse("[4,4,4]", seq(block(1, seq(CONV3, RELU), ""), tail)), "layers[0] (residual)",
                "neither the branch");
        // an activation on the raw inputs inside a block
        assertRefused(parse("[2,4,4]", seq(block(1, seq(RELU, CONV1.replace("4", "2")), ""), tail)),
                "layers[0].layers[0] (relu)", "raw inputs");
    }

    private static void assertRefused(Architecture arch, String... fragments) {
        var thrown = assertThatThrownBy(() -> InfiniteNetworks.kernel(arch)).isInstanceOf(IllegalArgumentException.class);
        for (String f : fragments) {
            thrown.hasMessageContaining(f);
        }
    }
}
