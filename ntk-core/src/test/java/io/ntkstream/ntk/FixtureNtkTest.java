package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.TensorShape;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The empirical NTK against an external reference: the fixtures in {@code src/test/resources/fixtures}
 * were computed with PyTorch 1.13 functorch in float64 by Jacobian contraction (see the README there),
 * a different implementation from ours. Every expected number below is read from those files:
 * {@code NAME.f_x1.npy} for the forward pass and {@code NAME.ntk_full.npy} (shape (N1, N2, O, O)) for
 * the kernel, reduced per mode as the README defines (trace = Σ_o Θ[..,o,o], diagonal = Θ[..,o,o],
 * pseudo = (1/O)·Σ_{o,o'} Θ[..,o,o']).
 *
 * <p>Besides the MLPs, three networks written by hand as PyTorch modules ({@code bench/pytorch/make_fixtures.py},
 * not built from our JSON, so the JSON → module mapping and the tensor names are checked independently):
 * {@code cnn_resnet_standard} (conv2d with stride, dilation and groups, eval-mode batch norm with running
 * statistics, residual blocks with identity and 1×1-conv shortcuts and a scale, gelu, max and average
 * pooling), {@code conv1d_standard} (conv1d, tanh, 1-D average pooling) and {@code transformer_standard}
 * (embedding on token ids, multi-head self-attention and a feed-forward block in residual blocks,
 * per-position layer norm); {@code transformer_pos_standard} is the latter with a learned positional
 * embedding (docs/networks.md's {@code PositionalEmbedding}) after the token embedding, and
 * {@code transformer_causal_standard} that one with a causal attention mask ({@code "causal": true},
 * PyTorch {@code attn_mask=torch.triu(torch.full((L, L), -inf), diagonal=1)}).
 */
class FixtureNtkTest {

    /** float64 network passes: agreement with PyTorch float64 up to rounding. */
    private static final double TOL_F64 = 1e-10;
    private static final double TOL_F64_FORWARD = 1e-12;
    /** float32 network passes (parameters and inputs rounded to float32): ~ a few ulps of float32. */
    private static final double TOL_F32 = 1e-5;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        String[][] fixtures = {
            {"mlp_relu_ntk", "mlp_relu_ntk.npz"},
            {"mlp_relu_ntk", "mlp_relu_ntk.compressed.npz"},
            {"mlp_gelu_standard", "mlp_gelu_standard.safetensors"},
            {"cnn_resnet_standard", "cnn_resnet_standard.safetensors"},
            {"conv1d_standard", "conv1d_standard.safetensors"},
            {"transformer_standard", "transformer_standard.safetensors"},
            {"transformer_pos_standard", "transformer_pos_standard.safetensors"},
            {"transformer_causal_standard", "transformer_causal_standard.safetensors"},
        };
        for (String[] f : fixtures) {
            for (Precision p : Precision.values()) {
                cases.add(Arguments.of(f[0], f[1], p));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1} {2}")
    @MethodSource("cases")
    void forwardAndEveryMethodAndModeMatchPyTorch(String name, String checkpoint, Precision precision) {
        Architecture arch = Architecture.read(fixture(name + ".arch.json"));
        Network net = Networks.fromTensors(arch, CheckpointFiles.read(fixture(checkpoint)), precision);
        Matrix x1 = inputs(fixture(name + ".x1.npy"), arch.inputShape(), precision);
        Matrix x2 = inputs(fixture(name + ".x2.npy"), arch.inputShape(), precision);
        int outputs = arch.outputDim();

        // forward pass vs PyTorch's f(x1), shape (N1, O)
        NdArray f = Npy.read(fixture(name + ".f_x1.npy"));
        assertThat(f.shape()).containsExactly(x1.cols(), outputs);
        Matrix out = net.apply(x1);
        double fScale = maxAbs(f.values());
        double fTol = (precision == Precision.FLOAT64 ? TOL_F64_FORWARD : TOL_F32) * fScale;
        double fWorst = 0;
        for (int n = 0; n < x1.cols(); n++) {
            for (int o = 0; o < outputs; o++) {
                fWorst = Math.max(fWorst, Math.abs(out.get(o, n) - f.get(n, o)) / fScale);
                assertThat(out.get(o, n)).as("f(x1)[%d,%d] %s", n, o, precision)
                        .isCloseTo(f.get(n, o), Offset.offset(fTol));
            }
        }

        // kernel vs PyTorch's Θ(x1, x2), shape (N1, N2, O, O)
        NdArray theta = Npy.read(fixture(name + ".ntk_full.npy"));
        assertThat(theta.shape()).containsExactly(x1.cols(), x2.cols(), outputs, outputs);
        double scale = maxAbs(theta.values());
        double tol = (precision == Precision.FLOAT64 ? TOL_F64 : TOL_F32) * scale;
        double worst = 0;
        for (NtkMethod method : NtkMethod.values()) {
            for (NtkMode mode : NtkMode.values()) {
                KernelBlock k = new EmpiricalNtk(net, mode, method).compute(x1, x2);
                assertThat(k.rows()).isEqualTo(x1.cols());
                assertThat(k.cols()).isEqualTo(x2.cols());
                assertThat(k.valuesPerPair()).isEqualTo(mode.valuesPerPair(outputs));
                for (int i = 0; i < x1.cols(); i++) {
                    for (int j = 0; j < x2.cols(); j++) {
                        for (int kk = 0; kk < k.valuesPerPair(); kk++) {
                            double expected = reduce(theta, i, j, mode, kk, outputs);
                            worst = Math.max(worst, Math.abs(k.get(i, j, kk) - expected) / scale);
                            assertThat(k.get(i, j, kk)).as("%s %s %s [%d,%d,%d]", checkpoint, method, mode, i, j, kk)
                                    .isCloseTo(expected, Offset.offset(tol));
                        }
                    }
                }
            }
        }
        // the measured agreement (max |difference| / max |reference|), quoted in the fixture README
        System.out.printf("FixtureNtkTest %s %s: forward %.1e, kernel %.1e (all methods and modes)%n",
                checkpoint, precision, fWorst, worst);
    }

    /** The README's reduction of the PyTorch Θ[i, j, :, :] for value k of pair (i, j) in {@code mode}. */
    static double reduce(NdArray theta, int i, int j, NtkMode mode, int k, int outputs) {
        return switch (mode) {
            case FULL -> theta.get(i, j, k / outputs, k % outputs);
            case DIAGONAL -> theta.get(i, j, k, k);
            case TRACE -> {
                double s = 0;
                for (int o = 0; o < outputs; o++) {
                    s += theta.get(i, j, o, o);
                }
                yield s;
            }
            case PSEUDO -> {
                double s = 0;
                for (int o = 0; o < outputs; o++) {
                    for (int p = 0; p < outputs; p++) {
                        s += theta.get(i, j, o, p);
                    }
                }
                yield s / outputs;
            }
        };
    }

    /**
     * An (N, sample shape...) row-major .npy — (N, D), (N, C, L), (N, C, H, W) or (N, L) token ids — = the
     * column-major D x N matrix of samples, each sample flattened in C order (as {@code x.reshape(N, -1)}).
     */
    static Matrix inputs(Path file, TensorShape sampleShape, Precision precision) {
        NdArray a = Npy.read(file);
        int[] shape = a.shape();
        assertThat(shape.length).as("rank of %s", file.getFileName()).isGreaterThanOrEqualTo(2);
        int[] sample = Arrays.copyOfRange(shape, 1, shape.length);
        if (sample.length > 1 || sampleShape.rank() == 1) {
            assertThat(sample).as("sample shape of %s", file.getFileName()).containsExactly(sampleShape.dimsCopy());
        }
        int d = (int) NdArray.elementCount(sample);
        assertThat(d).isEqualTo(sampleShape.size());
        return Matrix.fromColumnMajor(precision, d, shape[0], a.values());
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static Path fixture(String file) {
        try {
            return Path.of(FixtureNtkTest.class.getResource("/fixtures/" + file).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource fixtures/" + file, e);
        }
    }
}
