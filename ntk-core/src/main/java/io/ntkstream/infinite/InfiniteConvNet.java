package io.ntkstream.infinite;

import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.ConvGeometry;
import io.ntkstream.network.LayerSpec;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.TensorShape;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Closed-form infinite-width (infinite channels) NNGP and NTK of a convolutional network in NTK
 * parametrization — the CNTK of Arora et al. 2019, "On Exact Computation of an Infinitely Wide
 * Neural Net" (the recursions of neural-tangents' {@code stax.Conv/AvgPool/GlobalAvgPool/Flatten/Dense}).
 *
 * <p>For a pair of inputs (x, x') the kernels are tensors over pairs of spatial positions (p, p'),
 * one number per pair (every hidden channel is i.i.d. in the limit). With P positions, C input
 * channels, a convolution window of kh·kw offsets j reading input position s_j(q) at output
 * position q (stride, padding, dilation; padding reads zeros):
 * <ul>
 *   <li>input: K⁰(p, p') = (1/C)·Σ_c x_c(p)·x'_c(p'), Θ⁰ = 0;</li>
 *   <li>conv: K(q, q') = σ_w²/(kh·kw)·Σ_j K_in(s_j(q), s_j(q')) + σ_b² (the same offset j on both
 *       sides: different offsets have independent weights), Θ(q, q') = K(q, q') +
 *       σ_w²/(kh·kw)·Σ_j Θ_in(s_j(q), s_j(q'));</li>
 *   <li>activation φ: K(p, p') = E[φ(u)φ(v)], Θ(p, p') = E[φ'(u)φ'(v)]·Θ_in(p, p') with
 *       (u, v) ~ N(0, [[K_in(x,x)(p,p), K_in(p,p')], [K_in(p,p'), K_in(x',x')(p',p')]])
 *       ({@link DualActivation}; the self-kernels' diagonals come from a pass of each input with itself);</li>
 *   <li>avg_pool (window of k offsets, count_include_pad): K(q, q') = (1/k²)·Σ_{j,j'} K_in(s_j(q), s_j'(q')),
 *       Θ likewise; global_avg_pool is the window of all P positions;</li>
 *   <li>flatten keeps only the diagonal p = p' (a following dense layer gives each (channel, position)
 *       feature its own weight, so only equal positions correlate); dense on a flattened C×P input:
 *       K = σ_w²·(1/P)·Σ_p K_in(p, p) + σ_b², Θ = K + σ_w²·(1/P)·Σ_p Θ_in(p, p).</li>
 * </ul>
 * Layers before the first parameterized layer (activations, pooling, flatten on the raw inputs)
 * are deterministic and are applied to the input values themselves. The output must be a single
 * position (end with dense, or global_avg_pool [+ flatten]); the result is the kernel per output
 * (the empirical kernel converges to it ⊗ I_O).
 *
 * <p>Cost per pair of inputs: O(P_out²·kh·kw) per convolution and O(P_out²·k²) per pooling layer
 * (P_out positions after the layer); flattened layers O(P). Rows are split over a parallel stream;
 * every entry is computed by the same sequential arithmetic, so results are deterministic.
 */
public final class InfiniteConvNet implements InfiniteKernel {

    /** Row count from which rows are processed in parallel. */
    public static final int PARALLEL_ROWS = 4;

    private sealed interface Op permits ValueAct, ValuePool, Gram, Conv, Act, Pool, Flatten, Dense {
    }

    /** Deterministic activation on the raw input values (before any parameterized layer). */
    private record ValueAct(Activation activation) implements Op {
    }

    /** Average pooling on the raw input values: channels × pin → channels × pout. */
    private record ValuePool(int channels, int pin, int pout, int[] src, int window) implements Op {
    }

    /** The input covariance K⁰ over position pairs from values of channels × positions. */
    private record Gram(int channels, int positions) implements Op {
    }

    private record Conv(int pin, int pout, int[] src, int window, double sw2, double sb2) implements Op {
    }

    private record Act(Nonlinearity f, int slot) implements Op {
    }

    /** Linear averaging over windows (avg_pool, global_avg_pool: one window of all positions). */
    private record Pool(int pin, int pout, int[] src, int window) implements Op {
    }

    private record Flatten(int positions) implements Op {
    }

    private record Dense(int positions, double sw2, double sb2) implements Op {
    }

    private final int inputDim;
    private final TensorShape inputShape;
    private final List<Op> ops;
    private final int slots;

    private InfiniteConvNet(int inputDim, TensorShape inputShape, List<Op> ops, int slots) {
        this.inputDim = inputDim;
        this.inputShape = inputShape;
        this.ops = List.copyOf(ops);
        this.slots = slots;
    }

    /**
     * The limit of {@code arch}: conv1d/conv2d (groups 1; any stride, padding, dilation), relu/erf/identity,
     * avg_pool, global_avg_pool, flatten and dense layers, NTK parametrization.
     *
     * @throws IllegalArgumentException naming the layer for anything without a closed form here
     */
    public static InfiniteConvNet of(Architecture arch) {
        if (arch.parametrization() != Parametrization.NTK) {
            throw new IllegalArgumentException("infinite-width kernel: needs \"parametrization\": \"ntk\" "
                    + "(in standard parametrization the NTK has no finite limit), got standard");
        }
        double sw2 = arch.sigmaW() * arch.sigmaW();
        double sb2 = arch.sigmaB() * arch.sigmaB();
        List<Op> ops = new ArrayList<>();
        List<LayerSpec> layers = arch.layers();
        TensorShape shape = arch.inputShape();
        boolean gaussian = false; // a parameterized layer has been seen
        boolean flat = false;     // the Gaussian state keeps only the diagonal p = p'
        boolean field = false;    // the current values are a Gaussian field (a conv/dense output, maybe pooled)
        int positions = shape.isFlat() ? 1 : shape.height() * shape.width();
        int channels = shape.isFlat() ? shape.size() : shape.channels();
        int slots = 0;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec spec = layers.get(i);
            String where = "infinite-width kernel: layers[" + i + "] (" + spec.type() + ")";
            TensorShape out = arch.shapeBefore(i + 1);
            if (spec instanceof LayerSpec.Conv c) {
                ConvGeometry g = c.geometry(shape);
                if (g.groups() != 1) {
                    throw new IllegalArgumentException(where + ": \"groups\" = " + g.groups() + " is not supported "
                            + "(the limit depends on how the channels per group grow; a depthwise convolution has no "
                            + "Gaussian limit); use groups = 1");
                }
                if (!gaussian) {
                    ops.add(new Gram(channels, positions));
                    gaussian = true;
                }
                int window = g.kernelH() * g.kernelW();
                ops.add(new Conv(g.inPositions(), g.outPositions(), g.sourceIndex(), window, sw2,
                        c.bias() ? sb2 : 0.0));
                positions = g.outPositions();
                field = true;
            } else if (spec instanceof LayerSpec.Dense d) {
                if (shape.rank() == 2) {
                    throw new IllegalArgumentException(where + ": a dense layer on [L, D] sequences (per position) "
                            + "is not supported; flatten first");
                }
                if (!gaussian) {
                    // flat raw input: channels = its features, one position
                    ops.add(new Gram(shape.size(), 1));
                    gaussian = true;
                    positions = 1;
                }
                ops.add(new Dense(positions, sw2, d.bias() ? sb2 : 0.0));
                positions = 1;
                flat = true;
                field = true;
            } else if (spec instanceof LayerSpec.Elementwise e) {
                if (gaussian) {
                    if (!field) {
                        throw new IllegalArgumentException(where + ": an activation must act on the output of a conv "
                                + "or dense layer (possibly pooled or flattened); here it acts on the output of an "
                                + "earlier activation, which is not Gaussian (no closed form)");
                    }
                    Nonlinearity f;
                    try {
                        f = Nonlinearity.fromName(e.activation().jsonName());
                    } catch (UnsupportedActivationException ex) {
                        throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
                    }
                    ops.add(new Act(f, slots++));
                    field = false;
                } else {
                    ops.add(new ValueAct(e.activation()));
                }
            } else if (spec instanceof LayerSpec.Pool p) {
                if (p.kind() != LayerSpec.PoolKind.AVG) {
                    throw new IllegalArgumentException(where + ": max pooling has no closed-form infinite-width "
                            + "kernel; use avg_pool or global_avg_pool");
                }
                ConvGeometry g = p.geometry(shape);
                int window = g.kernelH() * g.kernelW();
                ops.add(gaussian ? new Pool(g.inPositions(), g.outPositions(), g.sourceIndex(), window)
                        : new ValuePool(channels, g.inPositions(), g.outPositions(), g.sourceIndex(), window));
                positions = g.outPositions();
            } else if (spec instanceof LayerSpec.GlobalAvgPool) {
                int[] all = IntStream.range(0, positions).toArray();
                ops.add(gaussian ? new Pool(positions, 1, all, positions)
                        : new ValuePool(channels, positions, 1, all, positions));
                positions = 1;
            } else if (spec instanceof LayerSpec.Flatten) {
                if (gaussian) {
                    if (!flat) {
                        ops.add(new Flatten(positions));
                        flat = true;
                    }
                } else {
                    // raw values in C order: C × P numbers become C·P features at one position
                    channels = channels * positions;
                    positions = 1;
                }
            } else {
                throw new IllegalArgumentException(where + ": has no closed-form infinite-width kernel here; "
                        + "supported: conv1d, conv2d, dense, relu, erf, identity, avg_pool, global_avg_pool, flatten"
                        + (spec instanceof LayerSpec.Residual ? " (residual blocks are not implemented)" : ""));
            }
            shape = out;
        }
        if (!gaussian) {
            throw new IllegalArgumentException("infinite-width kernel: the network has no conv or dense layer "
                    + "(nothing random to take the limit of)");
        }
        if (positions != 1) {
            throw new IllegalArgumentException("infinite-width kernel: the output has " + positions
                    + " positions per channel (shape " + shape + "); the kernel per output needs one — end with "
                    + "a dense layer or global_avg_pool");
        }
        return new InfiniteConvNet(arch.inputDim(), arch.inputShape(), ops, slots);
    }

    @Override
    public int inputDim() {
        return inputDim;
    }

    /** The sample shape the kernel reads ([D], [C, L] or [C, H, W]). */
    public TensorShape inputShape() {
        return inputShape;
    }

    @Override
    public double[][] compute(double[][] x1, double[][] x2, InfiniteKernelKind kind) {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null (NNGP or NTK)");
        }
        InfiniteWidthKernel.Kernels k = run(x1, x2, kind == InfiniteKernelKind.NTK);
        return kind == InfiniteKernelKind.NNGP ? k.nngp() : k.ntk();
    }

    @Override
    public InfiniteWidthKernel.Kernels computeBoth(double[][] x1, double[][] x2) {
        return run(x1, x2, true);
    }

    private InfiniteWidthKernel.Kernels run(double[][] x1, double[][] x2, boolean withNtk) {
        InfiniteWidthKernel.validateInputs(x1, x2, inputDim);
        boolean symmetric = x2 == null;
        double[][] b = symmetric ? x1 : x2;
        int n1 = x1.length;
        int n2 = b.length;
        double[][][] diag1 = selfDiagonals(x1);
        double[][][] diag2 = symmetric ? diag1 : selfDiagonals(b);
        double[][] nngp = new double[n1][n2];
        double[][] ntk = withNtk ? new double[n1][n2] : null;
        IntStream rows = IntStream.range(0, n1);
        if (n1 >= PARALLEL_ROWS) {
            rows = rows.parallel();
        }
        rows.forEach(i -> {
            double[] res = new double[2];
            for (int j = symmetric ? i : 0; j < n2; j++) {
                pair(x1[i], b[j], diag1[i], diag2[j], null, withNtk, res);
                nngp[i][j] = res[0];
                if (ntk != null) {
                    ntk[i][j] = res[1];
                }
                if (symmetric && j != i) {
                    nngp[j][i] = res[0];
                    if (ntk != null) {
                        ntk[j][i] = res[1];
                    }
                }
            }
        });
        return new InfiniteWidthKernel.Kernels(nngp, withNtk ? ntk : null);
    }

    /** Per input, the diagonal K(x, x)(p, p) before every activation slot. */
    private double[][][] selfDiagonals(double[][] x) {
        double[][][] d = new double[x.length][slots][];
        IntStream rows = IntStream.range(0, x.length);
        if (x.length >= PARALLEL_ROWS) {
            rows = rows.parallel();
        }
        rows.forEach(i -> pair(x[i], x[i], null, null, d[i], false, new double[2]));
        return d;
    }

    /**
     * The kernels of one pair; {@code record != null} marks the self pass (x == y), which takes the
     * variances from its own diagonal and stores them per slot.
     */
    private void pair(double[] x, double[] y, double[][] dx, double[][] dy, double[][] record, boolean withNtk,
                      double[] res) {
        double[] vx = x;
        double[] vy = y;
        double[] k = null;
        double[] th = null;
        int p = 0;
        boolean diagOnly = false;
        double[] scratch = new double[2];
        for (Op op : ops) {
            if (op instanceof ValueAct a) {
                boolean same = vx == vy;
                vx = apply(a.activation(), vx);
                vy = same ? vx : apply(a.activation(), vy);
            } else if (op instanceof ValuePool vp) {
                boolean same = vx == vy;
                vx = poolValues(vp, vx);
                vy = same ? vx : poolValues(vp, vy);
            } else if (op instanceof Gram g) {
                k = gram(vx, vy, g.channels(), g.positions());
                th = withNtk ? new double[k.length] : null;
                p = g.positions();
            } else if (op instanceof Conv c) {
                int po = c.pout();
                int pi = c.pin();
                int w = c.window();
                int[] src = c.src();
                double[] nk = new double[po * po];
                double[] nt = withNtk ? new double[po * po] : null;
                double scale = c.sw2() / w;
                for (int q = 0; q < po; q++) {
                    for (int q2 = 0; q2 < po; q2++) {
                        double sk = 0.0;
                        double st = 0.0;
                        for (int j = 0; j < w; j++) {
                            int s1 = src[q * w + j];
                            int s2 = src[q2 * w + j];
                            if (s1 >= 0 && s2 >= 0) {
                                sk += k[s1 * pi + s2];
                                if (withNtk) {
                                    st += th[s1 * pi + s2];
                                }
                            }
                        }
                        double kv = scale * sk + c.sb2();
                        nk[q * po + q2] = kv;
                        if (withNtk) {
                            nt[q * po + q2] = kv + scale * st;
                        }
                    }
                }
                k = nk;
                th = nt;
                p = po;
            } else if (op instanceof Act a) {
                double[] d1;
                double[] d2;
                if (record != null) {
                    d1 = new double[p];
                    for (int t = 0; t < p; t++) {
                        d1[t] = diagOnly ? k[t] : k[t * p + t];
                    }
                    record[a.slot()] = d1;
                    d2 = d1;
                } else {
                    d1 = dx[a.slot()];
                    d2 = dy[a.slot()];
                }
                if (diagOnly) {
                    for (int t = 0; t < p; t++) {
                        DualActivation.expectations(a.f(), d1[t], k[t], d2[t], withNtk, scratch);
                        k[t] = scratch[0];
                        if (withNtk) {
                            th[t] *= scratch[1];
                        }
                    }
                } else {
                    for (int t = 0; t < p; t++) {
                        for (int u = 0; u < p; u++) {
                            int at = t * p + u;
                            DualActivation.expectations(a.f(), d1[t], k[at], d2[u], withNtk, scratch);
                            k[at] = scratch[0];
                            if (withNtk) {
                                th[at] *= scratch[1];
                            }
                        }
                    }
                }
            } else if (op instanceof Pool pl) {
                k = poolPairs(pl, k);
                th = withNtk ? poolPairs(pl, th) : null;
                p = pl.pout();
            } else if (op instanceof Flatten) {
                k = diagonal(k, p);
                th = withNtk ? diagonal(th, p) : null;
                diagOnly = true;
            } else if (op instanceof Dense d) {
                // a 1-position full tensor and its diagonal are the same single number
                double mk = meanDiagonal(k, p, diagOnly);
                double kv = d.sw2() * mk + d.sb2();
                double tv = withNtk ? kv + d.sw2() * meanDiagonal(th, p, diagOnly) : 0.0;
                k = new double[] {kv};
                th = withNtk ? new double[] {tv} : null;
                p = 1;
                diagOnly = true;
            }
        }
        res[0] = k[0];
        res[1] = withNtk ? th[0] : 0.0;
    }

    private static double[] apply(Activation a, double[] v) {
        double[] out = new double[v.length];
        for (int t = 0; t < v.length; t++) {
            out[t] = a.value(v[t]);
        }
        return out;
    }

    private static double[] poolValues(ValuePool vp, double[] v) {
        int w = vp.window();
        int[] src = vp.src();
        double[] out = new double[vp.channels() * vp.pout()];
        for (int c = 0; c < vp.channels(); c++) {
            for (int q = 0; q < vp.pout(); q++) {
                double s = 0.0;
                for (int j = 0; j < w; j++) {
                    int at = src[q * w + j];
                    if (at >= 0) {
                        s += v[c * vp.pin() + at];
                    }
                }
                out[c * vp.pout() + q] = s / w;
            }
        }
        return out;
    }

    private static double[] gram(double[] x, double[] y, int channels, int positions) {
        double[] k = new double[positions * positions];
        for (int c = 0; c < channels; c++) {
            int base = c * positions;
            for (int t = 0; t < positions; t++) {
                double xv = x[base + t];
                if (xv == 0.0) {
                    continue;
                }
                for (int u = 0; u < positions; u++) {
                    k[t * positions + u] += xv * y[base + u];
                }
            }
        }
        double inv = 1.0 / channels;
        for (int t = 0; t < k.length; t++) {
            k[t] *= inv;
        }
        return k;
    }

    private static double[] poolPairs(Pool pl, double[] t) {
        int po = pl.pout();
        int pi = pl.pin();
        int w = pl.window();
        int[] src = pl.src();
        double scale = 1.0 / ((double) w * w);
        double[] out = new double[po * po];
        for (int q = 0; q < po; q++) {
            for (int q2 = 0; q2 < po; q2++) {
                double s = 0.0;
                for (int j = 0; j < w; j++) {
                    int s1 = src[q * w + j];
                    if (s1 < 0) {
                        continue;
                    }
                    for (int j2 = 0; j2 < w; j2++) {
                        int s2 = src[q2 * w + j2];
                        if (s2 >= 0) {
                            s += t[s1 * pi + s2];
                        }
                    }
                }
                out[q * po + q2] = scale * s;
            }
        }
        return out;
    }

    private static double[] diagonal(double[] t, int p) {
        double[] d = new double[p];
        for (int i = 0; i < p; i++) {
            d[i] = t[i * p + i];
        }
        return d;
    }

    private static double meanDiagonal(double[] t, int p, boolean diagOnly) {
        double s = 0.0;
        for (int i = 0; i < p; i++) {
            s += diagOnly ? t[i] : t[i * p + i];
        }
        return s / p;
    }
}
