package io.ntkstream.infinite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link InfiniteConvNet} against the MLP closed form where the two must agree, its handling of
 * deterministic layers before the first parameterized one, its API contract, and its refusals.
 */
class CntkArchitectureTest {

    private static Architecture parse(String shape, double sw, double sb, String layers) {
        return Architecture.parse("{\"input_shape\":" + shape + ",\"parametrization\":\"ntk\",\"sigma_w\":" + sw
                + ",\"sigma_b\":" + sb + ",\"layers\":[" + layers + "]}");
    }

    /** n x d uniform in [−2, 2). */
    static double[][] random(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int t = 0; t < d; t++) {
                row[t] = r.nextDouble(-2, 2);
            }
        }
        return x;
    }

    static void assertAllClose(String what, double[][] got, double[][] want, double rel) {
        assertThat(got.length).as(what + " rows").isEqualTo(want.length);
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i].length).as(what + " cols").isEqualTo(want[i].length);
            for (int j = 0; j < want[i].length; j++) {
                assertThat(got[i][j]).as("%s[%d][%d]", what, i, j)
                        .isCloseTo(want[i][j], org.assertj.core.data.Offset.offset(rel * Math.abs(want[i][j]) + 1e-14));
            }
        }
    }

    /** A 1×1 image through 1×1 convolutions is a dense network: the CNTK equals the MLP closed form. */
    @Test
    void oneByOneConvolutionsEqualTheMlpClosedForm() {
        int d = 5;
        double[][] x = random(4, d, 1);
        double[][] x2 = random(3, d, 2);
        for (Nonlinearity f : new Nonlinearity[] {Nonlinearity.RELU, Nonlinearity.ERF}) {
            String act = "{\"type\":\"" + f.displayName() + "\"}";
            InfiniteMlp mlp = InfiniteMlp.of(d, 1.4, 0.3, f, f);
            String[][] convNets = {
                {"[5,1,1]", "{\"type\":\"conv2d\",\"out\":9,\"kernel\":1}," + act + ",{\"type\":\"conv2d\",\"out\":4,"
                        + "\"kernel\":1}," + act + ",{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":2}"},
                {"[5,1]", "{\"type\":\"conv1d\",\"out\":9,\"kernel\":1}," + act + ",{\"type\":\"conv1d\",\"out\":4,"
                        + "\"kernel\":1}," + act + ",{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},"
                        + "{\"type\":\"dense\",\"out\":2}"},
                // the readout a 1x1 conv (then flatten), no dense
                {"[5,1,1]", "{\"type\":\"conv2d\",\"out\":9,\"kernel\":1}," + act + ",{\"type\":\"conv2d\",\"out\":4,"
                        + "\"kernel\":1}," + act + ",{\"type\":\"conv2d\",\"out\":3,\"kernel\":1},{\"type\":\"flatten\"}"},
            };
            for (String[] net : convNets) {
                InfiniteKernel k = InfiniteNetworks.kernel(parse(net[0], 1.4, 0.3, net[1]));
                assertThat(k).isInstanceOf(InfiniteConvNet.class);
                for (InfiniteKernelKind kind : InfiniteKernelKind.values()) {
                    String what = f + " " + net[0] + " " + kind;
                    assertAllClose(what, k.compute(x, null, kind), InfiniteWidthKernel.compute(mlp, x, null, kind), 1e-12);
                    assertAllClose(what + " x2", k.compute(x, x2, kind), InfiniteWidthKernel.compute(mlp, x, x2, kind),
                            1e-12);
                }
            }
        }
    }

    @Test
    void convolutionsWithoutBiasMatchAnMlpWithoutBias() {
        double[][] x = random(3, 4, 3);
        InfiniteKernel k = InfiniteNetworks.kernel(parse("[4,1,1]", 1.2, 0.5, "{\"type\":\"conv2d\",\"out\":3,"
                + "\"kernel\":1,\"bias\":false},{\"type\":\"relu\"},{\"type\":\"flatten\"},"
                + "{\"type\":\"dense\",\"out\":1,\"bias\":false}"));
        InfiniteMlp mlp = InfiniteMlp.of(4, 1.2, 0.0, Nonlinearity.RELU);
        assertAllClose("no bias", k.compute(x, null, InfiniteKernelKind.NTK),
                InfiniteWidthKernel.compute(mlp, x, null, InfiniteKernelKind.NTK), 1e-12);
    }

    /**
     * Layers before the first conv/dense act on the raw inputs (deterministically): flatten, an
     * activation and average pooling there give the MLP kernel of the transformed inputs, computed here.
     */
    @Test
    void deterministicLayersBeforeTheFirstParameterizedLayerTransformTheInputs() {
        double[][] x = random(4, 2 * 4 * 4, 5);
        // relu on the raw image, 2x2 average pooling, flatten, then an MLP
        double[][] transformed = new double[x.length][2 * 2 * 2];
        for (int n = 0; n < x.length; n++) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        double s = 0;
                        for (int a = 0; a < 2; a++) {
                            for (int b = 0; b < 2; b++) {
                                s += Math.max(0, x[n][(c * 4 + 2 * i + a) * 4 + 2 * j + b]);
                            }
                        }
                        transformed[n][(c * 2 + i) * 2 + j] = s / 4;
                    }
                }
            }
        }
        InfiniteKernel k = InfiniteNetworks.kernel(parse("[2,4,4]", 1.1, 0.2, "{\"type\":\"relu\"},"
                + "{\"type\":\"avg_pool\",\"kernel\":2},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":8},"
                + "{\"type\":\"erf\"},{\"type\":\"dense\",\"out\":1}"));
        InfiniteMlp mlp = InfiniteMlp.of(8, 1.1, 0.2, Nonlinearity.ERF);
        assertAllClose("prefix", k.compute(x, null, InfiniteKernelKind.NTK),
                InfiniteWidthKernel.compute(mlp, transformed, null, InfiniteKernelKind.NTK), 1e-12);

        // a tanh on the raw inputs is fine too (deterministic), unlike after a conv
        double[][] tanh = new double[x.length][x[0].length];
        for (int n = 0; n < x.length; n++) {
            for (int t = 0; t < x[n].length; t++) {
                tanh[n][t] = Activation.TANH.value(x[n][t]);
            }
        }
        InfiniteKernel kt = InfiniteNetworks.kernel(parse("[2,4,4]", 1.1, 0.2, "{\"type\":\"tanh\"},"
                + "{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":8},{\"type\":\"relu\"},{\"type\":\"dense\",\"out\":1}"));
        assertAllClose("tanh prefix", kt.compute(x, null, InfiniteKernelKind.NNGP),
                InfiniteWidthKernel.compute(InfiniteMlp.of(32, 1.1, 0.2, Nonlinearity.RELU), tanh, null,
                        InfiniteKernelKind.NNGP), 1e-12);
    }

    @Test
    void mlpArchitecturesKeepTheMlpPath() {
        Architecture arch = Architecture.mlp(6, 32, 2, 3, Activation.RELU, io.ntkstream.network.Parametrization.NTK,
                1.4, 0.1);
        InfiniteKernel k = InfiniteNetworks.kernel(arch);
        assertThat(k).isNotInstanceOf(InfiniteConvNet.class);
        double[][] x = random(5, 6, 9);
        assertThat(k.compute(x, null, InfiniteKernelKind.NTK))
                .isDeepEqualTo(InfiniteWidthKernel.compute(InfiniteNetworks.of(arch), x, null, InfiniteKernelKind.NTK));
        assertThat(k.inputDim()).isEqualTo(6);
    }

    @Test
    void symmetricRectangularBothAndParallelAgree() {
        Architecture arch = parse("[1,5,5]", 1.3, 0.1, "{\"type\":\"conv2d\",\"out\":4,\"kernel\":3,\"padding\":1},"
                + "{\"type\":\"relu\"},{\"type\":\"avg_pool\",\"kernel\":2},{\"type\":\"conv2d\",\"out\":4,\"kernel\":2},"
                + "{\"type\":\"erf\"},{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}");
        InfiniteConvNet k = InfiniteConvNet.of(arch);
        double[][] x = random(InfiniteConvNet.PARALLEL_ROWS + 3, 25, 11);
        double[][] sym = k.compute(x, null, InfiniteKernelKind.NTK);
        InfiniteWidthKernel.Kernels both = k.computeBoth(x, null);
        assertThat(both.ntk()).isDeepEqualTo(sym);
        assertThat(both.nngp()).isDeepEqualTo(k.compute(x, null, InfiniteKernelKind.NNGP));
        // x2 = x1 given explicitly: entry (i, j) is computed with x_i first, so it equals the symmetric
        // result exactly on and above the diagonal and to rounding below it
        double[][] full = k.compute(x, x, InfiniteKernelKind.NTK);
        assertAllClose("x2 = x1", full, sym, 1e-13);
        for (int i = 0; i < x.length; i++) {
            // one row at a time runs sequentially: the same numbers as the parallel rows
            assertThat(k.compute(new double[][] {x[i]}, x, InfiniteKernelKind.NTK)[0]).isEqualTo(full[i]);
            for (int j = 0; j < x.length; j++) {
                assertThat(sym[i][j]).isEqualTo(sym[j][i]);
                if (j >= i) {
                    assertThat(full[i][j]).isEqualTo(sym[i][j]);
                }
            }
        }
        // positive semi-definite: Cholesky of K + tiny jitter succeeds
        assertThat(choleskyOk(sym)).isTrue();
        assertThat(k.compute(new double[0][], null, InfiniteKernelKind.NTK)).isEmpty();
        assertThatThrownBy(() -> k.compute(new double[][] {new double[24]}, null, InfiniteKernelKind.NTK))
                .hasMessageContaining("x1 row 0 has length 24, expected inputDim = 25");
    }

    private static boolean choleskyOk(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j] + (i == j ? 1e-12 * a[i][i] : 0);
                for (int t = 0; t < j; t++) {
                    s -= l[i][t] * l[j][t];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        return false;
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return true;
    }

    @Test
    void refusesWhatHasNoClosedFormNamingTheLayer() {
        String conv = "{\"type\":\"conv2d\",\"out\":4,\"kernel\":3,\"padding\":1}";
        String tail = "{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}";
        assertRefused(parse("[2,4,4]", 1, 0, conv + ",{\"type\":\"relu\"},{\"type\":\"max_pool\",\"kernel\":2}," + tail),
                "layers[2] (max_pool)", "max pooling");
        assertRefused(parse("[2,4,4]", 1, 0, conv + ",{\"type\":\"batch_norm\"},{\"type\":\"relu\"}," + tail),
                "layers[1] (batch_norm)", "no closed-form");
        assertRefused(parse("[2,4,4]", 1, 0, conv + ",{\"type\":\"layer_norm\"},{\"type\":\"relu\"}," + tail),
                "layers[1] (layer_norm)", "no closed-form");
        assertRefused(parse("[2,4,4]", 1, 0, conv + ",{\"type\":\"tanh\"}," + tail), "layers[1] (tanh)",
                "activation 'tanh'");
        assertRefused(parse("[2,4,4]", 1, 0, conv + ",{\"type\":\"relu\"},{\"type\":\"relu\"}," + tail),
                "layers[2] (relu)", "not Gaussian");
        assertRefused(parse("[4,4,4]", 1, 0, "{\"type\":\"conv2d\",\"out\":4,\"kernel\":3,\"groups\":2},"
                + "{\"type\":\"relu\"}," + tail), "layers[0] (conv2d)", "\"groups\" = 2");
        assertRefused(parse("[4,4,4]", 1, 0, "{\"type\":\"residual\",\"layers\":[" + conv + ",{\"type\":\"relu\"}]},"
                + tail), "layers[0] (residual)", "neither the branch");
        assertRefused(parse("[2,4,4]", 1, 0, conv + ",{\"type\":\"relu\"},{\"type\":\"flatten\"}"),
                "output has 16 positions");
        assertRefused(Architecture.parse("{\"input_dim\":6,\"parametrization\":\"ntk\",\"layers\":["
                + "{\"type\":\"embedding\",\"num_embeddings\":10,\"embedding_dim\":8},{\"type\":\"attention\","
                + "\"num_heads\":2},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}]}"), "layers[0] (embedding)");
        assertRefused(Architecture.parse("{\"input_shape\":[6,8],\"parametrization\":\"ntk\",\"layers\":["
                + "{\"type\":\"attention\",\"num_heads\":2},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":1}]}"),
                "layers[0] (attention)");
        assertRefused(Architecture.parse("{\"input_shape\":[2,4,4],\"parametrization\":\"standard\",\"layers\":["
                + conv + ",{\"type\":\"relu\"}," + tail + "]}"), "\"parametrization\": \"ntk\"");
    }

    private static void assertRefused(Architecture arch, String... fragments) {
        var thrown = assertThatThrownBy(() -> InfiniteNetworks.kernel(arch)).isInstanceOf(IllegalArgumentException.class);
        for (String f : fragments) {
            thrown.hasMessageContaining(f);
        }
    }
}
