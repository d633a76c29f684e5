package io.ntkstream.network;

import static io.ntkstream.network.FiniteDifferences.EPS;
import static io.ntkstream.network.FiniteDifferences.assertClose;
import static io.ntkstream.network.FiniteDifferences.difference;
import static io.ntkstream.network.FiniteDifferences.random;
import static io.ntkstream.network.FiniteDifferences.shifted;
import static io.ntkstream.network.FiniteDifferences.tol;
import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.checkpoint.NamedTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every new layer kind on its own, float64: forward against a direct transcription of PyTorch's
 * definition (nested loops over the NCHW tensors, the weight read in PyTorch's out x in/groups x
 * kh x kw layout); JVP (input and parameter tangents) against central finite differences of the
 * forward pass; VJP (input and parameter cotangents) by the adjoint identity ⟨c, J v⟩ = ⟨Jᵀc, v⟩
 * with J v from finite differences.
 */
class ConvLayersTest {

    /** name, input shape, the layers (the layer under test is the last parameterized or the last pooling one). */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("conv2d plain", TensorShape.of(2, 5, 6), conv(2, 3, List.of(3), List.of(1), List.of(0), List.of(1), 1, true)),
                Arguments.of("conv2d stride/pad/dilation", TensorShape.of(2, 7, 6),
                        conv(2, 4, List.of(3, 2), List.of(2, 1), List.of(1, 2), List.of(2, 1), 1, true)),
                Arguments.of("conv2d groups, no bias", TensorShape.of(4, 5, 5), conv(2, 6, List.of(2), List.of(1), List.of(1), List.of(1), 2, false)),
                Arguments.of("conv2d depthwise", TensorShape.of(3, 4, 4), conv(2, 3, List.of(3), List.of(2), List.of(1), List.of(1), 3, true)),
                Arguments.of("conv1d", TensorShape.of(3, 9), conv(1, 2, List.of(3), List.of(2), List.of(1), List.of(2), 1, true)),
                Arguments.of("conv1d groups", TensorShape.of(4, 6), conv(1, 2, List.of(2), List.of(1), List.of(0), List.of(1), 2, true)),
                Arguments.of("avg_pool 2d", TensorShape.of(2, 5, 6), pool(LayerSpec.PoolKind.AVG, List.of(2), null, List.of(0))),
                Arguments.of("avg_pool 2d padded", TensorShape.of(2, 5, 5), pool(LayerSpec.PoolKind.AVG, List.of(3, 2), List.of(2, 1), List.of(1, 1))),
                Arguments.of("avg_pool 1d", TensorShape.of(2, 7), pool(LayerSpec.PoolKind.AVG, List.of(3), List.of(2), List.of(1))),
                Arguments.of("max_pool 2d", TensorShape.of(2, 6, 5), pool(LayerSpec.PoolKind.MAX, List.of(2), null, List.of(0))),
                Arguments.of("max_pool 2d padded", TensorShape.of(2, 5, 5), pool(LayerSpec.PoolKind.MAX, List.of(3), List.of(2), List.of(1))),
                Arguments.of("max_pool 1d", TensorShape.of(3, 8), pool(LayerSpec.PoolKind.MAX, List.of(2), List.of(3), List.of(1))),
                Arguments.of("global_avg_pool 2d", TensorShape.of(3, 4, 5), new LayerSpec.GlobalAvgPool()),
                Arguments.of("global_avg_pool 1d", TensorShape.of(3, 6), new LayerSpec.GlobalAvgPool()),
                Arguments.of("flatten", TensorShape.of(2, 3, 3), new LayerSpec.Flatten()));
    }

    static LayerSpec conv(int dims, int out, List<Integer> k, List<Integer> s, List<Integer> p, List<Integer> d, int groups,
                          boolean bias) {
        return new LayerSpec.Conv(dims, out, k, s, p, d, groups, bias);
    }

    static LayerSpec pool(LayerSpec.PoolKind kind, List<Integer> k, List<Integer> s, List<Integer> p) {
        return new LayerSpec.Pool(kind, k, s, p);
    }

    /** A network [spec, flatten] (spec has parameters) or [1x1 conv, spec, flatten]; the layer under test and its input. */
    private record Subject(Network network, int index, Matrix input) {
        public Layer layer() {
            return network.layers().get(index);
        }
    }

    private static Subject subject(TensorShape shape, LayerSpec spec, Parametrization p, long seed) {
        List<LayerSpec> layers = new ArrayList<>();
        int layer = 0;
        if (!spec.hasParameters()) {
            // the architecture needs a parameterized layer; a 1x1 convolution keeps the shape
            layers.add(conv(shape.spatialRank(), shape.channels(), List.of(1), List.of(1), List.of(0), List.of(1), 1, true));
            layer = 1;
        }
        layers.add(spec);
        if (!spec.outShape(shape).isFlat()) {
            layers.add(new LayerSpec.Flatten());
        }
        Architecture arch = new Architecture(shape, p, 1.3, 0.4, layers);
        Network net = Networks.random(arch, seed, Precision.FLOAT64);
        Matrix x = TestNetworks.inputs(shape.size(), 3, seed + 1, Precision.FLOAT64);
        Matrix input = layer == 0 ? x : net.layers().get(0).forward(x);
        return new Subject(net, layer, input);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardMatchesDefinition(String name, TensorShape shape, LayerSpec spec) {
        for (Parametrization p : Parametrization.values()) {
            Subject s = subject(shape, spec, p, 21);
            Matrix y = s.layer().forward(s.input());
            double[] expected = reference(s, spec, shape);
            assertThat(y.rows()).isEqualTo(spec.outShape(shape).size());
            double[] actual = y.toColumnMajor();
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("%s %s value %d", name, p, i).isCloseTo(expected[i], Offset.offset(1e-12));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void jvpMatchesFiniteDifferences(String name, TensorShape shape, LayerSpec spec) {
        Subject s = subject(shape, spec, Parametrization.NTK, 5);
        Layer layer = s.layer();
        Matrix x = s.input();
        int n = x.cols();
        SplittableRandom r = new SplittableRandom(3);
        // two input-tangent directions, tiled: column t·N + n
        Matrix v = random(r, x.rows(), 2 * n);
        Matrix jvp = FiniteDifferences.assertInputJvp(layer, x, v, name);
        if (layer instanceof ParameterLayer pl) {
            Network net = s.network();
            double[] theta = Networks.flatten(net);
            Matrix u = random(r, theta.length, 2);
            Matrix pj = layer.jvp(x, null, u, 2);
            for (int t = 0; t < 2; t++) {
                double[] ut = u.columns(t, t + 1).toColumnMajor();
                Layer lp = shifted(net, theta, ut, EPS).layers().get(s.index());
                Layer lm = shifted(net, theta, ut, -EPS).layers().get(s.index());
                assertClose(pj.columns(t * n, (t + 1) * n).toColumnMajor(), difference(lp.forward(x), lm.forward(x)),
                        name + " parameter JVP direction " + t);
            }
            // both tangents at once: the sum
            Matrix both = layer.jvp(x, v, u, 2);
            double[] sum = jvp.toColumnMajor();
            double[] pv = pj.toColumnMajor();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += pv[i];
            }
            assertClose(both.toColumnMajor(), sum, name + " input + parameter JVP");
            assertThat(pl.paramCount()).isEqualTo(net.paramCount());
        } else {
            assertThat(layer.jvp(x, null, null, 1)).isNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void vjpIsTheAdjointOfFiniteDifferences(String name, TensorShape shape, LayerSpec spec) {
        Subject s = subject(shape, spec, Parametrization.STANDARD, 9);
        Layer layer = s.layer();
        Matrix x = s.input();
        int n = x.cols();
        int group = 2;
        SplittableRandom r = new SplittableRandom(4);
        Matrix c = random(r, layer.outDim(), n * group); // two cotangents per sample, column s·2 + k
        Matrix v = random(r, x.rows(), n);
        FiniteDifferences.assertInputVjpIsAdjoint(layer, x, c, v, group, name);
        if (layer instanceof ParameterLayer pl) {
            Network net = s.network();
            double[] theta = Networks.flatten(net);
            double[] u = random(r, theta.length, 1).toColumnMajor();
            Layer lp = shifted(net, theta, u, EPS).layers().get(s.index());
            Layer lm = shifted(net, theta, u, -EPS).layers().get(s.index());
            double[] ju = difference(lp.forward(x), lm.forward(x));
            // per-column parameter cotangents: ⟨c_col, J_θ u⟩ = ⟨g_col, u⟩
            Matrix columns = Matrix.zeros(Precision.FLOAT64, theta.length, n * group + 1);
            pl.parameterCotangents(x, c, group, columns, 1);
            Matrix summed = Matrix.zeros(Precision.FLOAT64, theta.length, 1);
            double[] total = new double[theta.length];
            for (int col = 0; col < n * group; col++) {
                double lhs = 0;
                for (int o = 0; o < layer.outDim(); o++) {
                    lhs += c.get(o, col) * ju[(col / group) * layer.outDim() + o];
                }
                double rhs = 0;
                for (int i = 0; i < theta.length; i++) {
                    rhs += columns.get(i, col + 1) * u[i];
                    total[i] += col % group == 0 ? columns.get(i, col + 1) : 0;
                }
                assertThat(rhs).as("%s parameter cotangent column %d", name, col).isCloseTo(lhs, tol(lhs));
            }
            // the summed VJP of the first cotangent of every sample equals the sum of those columns
            Matrix first = Matrix.zeros(Precision.FLOAT64, layer.outDim(), n);
            for (int smp = 0; smp < n; smp++) {
                first.setColumns(smp, c.columns(smp * group, smp * group + 1));
            }
            pl.parameterVjp(x, first, summed);
            assertClose(summed.toColumnMajor(), total, name + " summed parameter VJP");
        }
    }

    // ---- reference: PyTorch's definitions, transcribed ----

    private static double[] reference(Subject s, LayerSpec spec, TensorShape shape) {
        double[] x = s.input().toColumnMajor();
        int n = s.input().cols();
        TensorShape outShape = spec.outShape(shape);
        int cin = shape.channels();
        int h = shape.rank() == 3 ? shape.dims()[1] : 1;
        int w = shape.dims()[shape.rank() - 1];
        double[] y = new double[outShape.size() * n];
        if (spec instanceof LayerSpec.Flatten) {
            return x;
        }
        if (spec instanceof LayerSpec.GlobalAvgPool) {
            for (int smp = 0; smp < n; smp++) {
                for (int c = 0; c < cin; c++) {
                    double sum = 0;
                    for (int i = 0; i < h * w; i++) {
                        sum += x[smp * shape.size() + c * h * w + i];
                    }
                    y[smp * cin + c] = sum / (h * w);
                }
            }
            return y;
        }
        boolean oneD = shape.rank() == 2;
        if (spec instanceof LayerSpec.Conv conv) {
            Map<String, NamedTensor> t = Networks.toTensors(s.network(), Networks.flatten(s.network()));
            double[] weight = t.get("0.weight").values();
            NamedTensor bias = t.get("0.bias");
            ConvLayer layer = (ConvLayer) s.layer();
            int[] k = axes(conv.kernel(), oneD, 1);
            int[] st = axes(conv.stride(), oneD, 1);
            int[] p = axes(conv.padding(), oneD, 0);
            int[] d = axes(conv.dilation(), oneD, 1);
            int g = conv.groups();
            int cout = conv.out();
            int oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) / st[0] + 1;
            int ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) / st[1] + 1;
            int cinG = cin / g;
            for (int smp = 0; smp < n; smp++)
                for (int co = 0; co < cout; co++)
                    for (int oy = 0; oy < oh; oy++)
                        for (int ox = 0; ox < ow; ox++) {
                            double sum = 0;
                            int grp = co / (cout / g);
                            for (int ci = 0; ci < cinG; ci++)
                                for (int a = 0; a < k[0]; a++)
                                    for (int b = 0; b < k[1]; b++) {
                                        int iy = oy * st[0] - p[0] + a * d[0];
                                        int ix = ox * st[1] - p[1] + b * d[1];
                                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                        double wv = weight[((co * cinG + ci) * k[0] + a) * k[1] + b];
                                        sum += wv * x[smp * shape.size() + ((grp * cinG + ci) * h + iy) * w + ix];
                                    }
                            double v = layer.weightScale() * sum + (bias == null ? 0 : layer.biasScale() * bias.values()[co]);
                            y[smp * outShape.size() + (co * oh + oy) * ow + ox] = v;
                        }
            return y;
        }
        LayerSpec.Pool pool = (LayerSpec.Pool) spec;
        int[] k = axes(pool.kernel(), oneD, 1);
        int[] st = axes(pool.stride(), oneD, 1);
        int[] p = axes(pool.padding(), oneD, 0);
        int oh = (h + 2 * p[0] - k[0]) / st[0] + 1;
        int ow = (w + 2 * p[1] - k[1]) / st[1] + 1;
        for (int smp = 0; smp < n; smp++)
            for (int c = 0; c < cin; c++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double sum = 0;
                        double max = Double.NEGATIVE_INFINITY;
                        for (int a = 0; a < k[0]; a++)
                            for (int b = 0; b < k[1]; b++) {
                                int iy = oy * st[0] - p[0] + a;
                                int ix = ox * st[1] - p[1] + b;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue; // zero padding / never the max
                                double v = x[smp * shape.size() + (c * h + iy) * w + ix];
                                sum += v;
                                max = Math.max(max, v);
                            }
                        y[smp * outShape.size() + (c * oh + oy) * ow + ox] =
                                pool.kind() == LayerSpec.PoolKind.AVG ? sum / (k[0] * k[1]) : max;
                    }
        return y;
    }

    /** [h, w] window values; 1-D layers have height 1 (kernel 1, stride 1, no padding). */
    private static int[] axes(List<Integer> v, boolean oneD, int height) {
        if (oneD) {
            return new int[] {height, v.get(0)};
        }
        return new int[] {v.get(0), v.get(v.size() - 1)};
    }
}
