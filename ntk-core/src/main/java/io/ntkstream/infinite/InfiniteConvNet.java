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
 *       K = σ_w²·(1/P)·Σ_p K_in(p, p) + σ_b², Θ = K + σ_w²·(1/P)·Σ_p Θ_in(p, p);</li>
 *   <li>residual block y = scale·branch(x) + shortcut(x) (neural-tangents' FanOut(2), parallel(branch,
 *       shortcut), FanInSum()): both paths start from the block input's (K, Θ) and K = scale²·K_branch +
 *       K_shortcut, Θ = scale²·Θ_branch + Θ_shortcut (identity shortcut: K_x, Θ_x). The cross terms vanish
 *       when one path ends in a conv or dense layer of its own (possibly pooled or flattened): its output is
 *       zero-mean and independent of the other path, and so are its gradients through the mean-zero weights.
 *       Blocks where neither path does are refused. The sum is Gaussian only if both outputs are Gaussian
 *       fields, so an activation after an identity shortcut around an activation's output is refused (a
 *       conv, dense or pooling layer may follow). A dense branch on a flattened input adds its one value to
 *       every flattened position.</li>
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

    private sealed interface Op permits ValueAct, ValuePool, Gram, Conv, Act, Pool, Flatten, Dense, Block {
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

    /** A residual block: Σ = scale2·Σ_branch + Σ_shortcut, Θ likewise, each path run from the block input. */
    private record Block(List<Op> branch, List<Op> shortcut, double scale2) implements Op {
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
     * avg_pool, global_avg_pool, flatten, dense and residual blocks of these, NTK parametrization.
     *
     * @throws IllegalArgumentException naming the layer for anything without a closed form here
     */
    public static InfiniteConvNet of(Architecture arch) {
        if (arch.parametrization() != Parametrization.NTK) {
            throw new IllegalArgumentException("infinite-width kernel: needs \"parametrization\": \"ntk\" "
                    + "(in standard parametrization the NTK has no finite limit), got standard");
        }
        Build b = new Build(arch.sigmaW() * arch.sigmaW(), arch.sigmaB() * arch.sigmaB());
        TensorShape shape = arch.inputShape();
        Path st = new Path();
        st.shape = shape;
        st.positions = shape.isFlat() ? 1 : shape.height() * shape.width();
        st.channels = shape.isFlat() ? shape.size() : shape.channels();
        st.stamp = -1;
        st.notGaussian = "the raw inputs";
        List<Op> ops = new ArrayList<>();
        compile(arch.layers(), "layers", st, ops, b);
        if (!st.gaussian) {
            throw new IllegalArgumentException("infinite-width kernel: the network has no conv or dense layer "
                    + "(nothing random to take the limit of)");
        }
        if (st.positions != 1) {
            throw new IllegalArgumentException("infinite-width kernel: the output has " + st.positions
                    + " positions per channel (shape " + st.shape + "); the kernel per output needs one — end with "
                    + "a dense layer or global_avg_pool");
        }
        return new InfiniteConvNet(arch.inputDim(), arch.inputShape(), ops, b.slots);
    }

    /** Compile-time counters shared by all paths of the network. */
    private static final class Build {
        final double sw2;
        final double sb2;
        int slots;
        /** Counts the conv/dense layers seen so far: the stamp of the next one. */
        int randomLayers;

        Build(double sw2, double sb2) {
            this.sw2 = sw2;
            this.sb2 = sb2;
        }
    }

    /** Compile-time state of the values flowing along one chain of layers. */
    private static final class Path {
        TensorShape shape;
        boolean gaussian;   // a parameterized layer has been seen (the state is a pair of kernels, not values)
        boolean flat;       // the Gaussian state keeps only the diagonal p = p'
        int positions;
        int channels;       // of the raw values (before the first parameterized layer)
        /**
         * ≥ 0: the values are a zero-mean Gaussian field, linear (through pooling, flatten, sums of
         * such fields) in the weights of conv/dense layers numbered ≥ stamp, so independent of, and
         * uncorrelated with, everything computed before layer number stamp; −1: not such a field
         * (raw inputs, an activation's output, or a sum involving one).
         */
        int stamp;
        String notGaussian; // what the values are when stamp < 0, for messages

        Path copy() {
            Path c = new Path();
            c.shape = shape;
            c.gaussian = gaussian;
            c.flat = flat;
            c.positions = positions;
            c.channels = channels;
            c.stamp = stamp;
            c.notGaussian = notGaussian;
            return c;
        }
    }

    /** Appends the ops of {@code layers} (named {@code list[j]} in messages) to {@code ops}, updating {@code st}. */
    private static void compile(List<LayerSpec> layers, String list, Path st, List<Op> ops, Build b) {
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec spec = layers.get(i);
            String name = list + "[" + i + "]";
            String where = "infinite-width kernel: " + name + " (" + spec.type() + ")";
            TensorShape shape = st.shape;
            TensorShape out = spec.outShape(shape);
            if (spec instanceof LayerSpec.Conv c) {
                ConvGeometry g = c.geometry(shape);
                if (g.groups() != 1) {
                    throw new IllegalArgumentException(where + ": \"groups\" = " + g.groups() + " is not supported "
                            + "(the limit depends on how the channels per group grow; a depthwise convolution has no "
                            + "Gaussian limit); use groups = 1");
                }
                toGaussian(st, ops);
                int window = g.kernelH() * g.kernelW();
                ops.add(new Conv(g.inPositions(), g.outPositions(), g.sourceIndex(), window, b.sw2,
                        c.bias() ? b.sb2 : 0.0));
                st.positions = g.outPositions();
                st.stamp = b.randomLayers++;
            } else if (spec instanceof LayerSpec.Dense d) {
                if (shape.rank() == 2) {
                    throw new IllegalArgumentException(where + ": a dense layer on [L, D] sequences (per position) "
                            + "is not supported; flatten first");
                }
                if (!st.gaussian) {
                    // flat raw input: channels = its features, one position
                    st.channels = shape.size();
                    st.positions = 1;
                    toGaussian(st, ops);
                }
                ops.add(new Dense(st.positions, b.sw2, d.bias() ? b.sb2 : 0.0));
                st.positions = 1;
                st.flat = true;
                st.stamp = b.randomLayers++;
            } else if (spec instanceof LayerSpec.Elementwise e) {
                if (st.gaussian) {
                    if (st.stamp < 0) {
                        throw new IllegalArgumentException(where + ": an activation must act on the output of a conv "
                                + "or dense layer (possibly pooled or flattened); here it acts on " + st.notGaussian
                                + ", which is not Gaussian (no closed form)");
                    }
                    Nonlinearity f;
                    try {
                        f = Nonlinearity.fromName(e.activation().jsonName());
                    } catch (UnsupportedActivationException ex) {
                        throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
                    }
                    ops.add(new Act(f, b.slots++));
                    st.stamp = -1;
                    st.notGaussian = "the output of an earlier activation";
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
                ops.add(st.gaussian ? new Pool(g.inPositions(), g.outPositions(), g.sourceIndex(), window)
                        : new ValuePool(st.channels, g.inPositions(), g.outPositions(), g.sourceIndex(), window));
                st.positions = g.outPositions();
            } else if (spec instanceof LayerSpec.GlobalAvgPool) {
                int[] all = IntStream.range(0, st.positions).toArray();
                ops.add(st.gaussian ? new Pool(st.positions, 1, all, st.positions)
                        : new ValuePool(st.channels, st.positions, 1, all, st.positions));
                st.positions = 1;
            } else if (spec instanceof LayerSpec.Flatten) {
                if (st.gaussian) {
                    if (!st.flat) {
                        ops.add(new Flatten(st.positions));
                        st.flat = true;
                    }
                } else {
                    // raw values in C order: C × P numbers become C·P features at one position
                    st.channels = st.channels * st.positions;
                    st.positions = 1;
                }
            } else if (spec instanceof LayerSpec.Residual r) {
                residual(r, name, where, st, ops, b);
            } else {
                throw new IllegalArgumentException(where + ": has no closed-form infinite-width kernel here; "
                        + "supported: conv1d, conv2d, dense, relu, erf, identity, avg_pool, global_avg_pool, flatten "
                        + "and residual blocks of these");
            }
            st.shape = out;
        }
    }

    /** Turns raw values into their Gaussian state (the input covariance K⁰, Θ⁰ = 0) if not done yet. */
    private static void toGaussian(Path st, List<Op> ops) {
        if (!st.gaussian) {
            ops.add(new Gram(st.channels, st.positions));
            st.gaussian = true;
        }
    }

    /**
     * y = scale·branch(x) + shortcut(x): both paths start from the block input's kernels and their
     * kernels add, Σ_y = scale²·Σ_branch + Σ_shortcut and Θ_y = scale²·Θ_branch + Θ_shortcut. That needs
     * the cross terms to vanish: one of the two outputs must be a zero-mean field of weights drawn inside
     * the block (a conv or dense layer, possibly pooled or flattened), uncorrelated with the other output
     * and, through the mean-zero weights, with its parameter gradients.
     */
    private static void residual(LayerSpec.Residual r, String name, String where, Path st, List<Op> ops, Build b) {
        if (!st.gaussian) {
            toGaussian(st, ops);
            st.notGaussian = "the raw inputs (inside a residual block, layers act on the inputs' kernels: put a "
                    + "conv or dense layer before the block)";
        }
        int entry = b.randomLayers;
        Path branch = st.copy();
        List<Op> branchOps = new ArrayList<>();
        compile(r.layers(), name + ".layers", branch, branchOps, b);
        Path shortcut = st.copy();
        List<Op> shortcutOps = new ArrayList<>();
        compile(r.shortcut(), name + ".shortcut", shortcut, shortcutOps, b);
        if (branch.stamp < entry && shortcut.stamp < entry) {
            throw new IllegalArgumentException(where + ": neither the branch (\"layers\") nor the shortcut ends in "
                    + "a conv or dense layer of its own (possibly pooled or flattened), so the two outputs are "
                    + "correlated and their kernels do not add; no closed form here — end the branch with a conv "
                    + "or dense layer");
        }
        // the output representation: equal ones add; a single position (a dense output) broadcasts over a
        // flattened input's positions (every feature of the flattened input gets its own dense feature)
        boolean sameRep = branch.positions == shortcut.positions && branch.flat == shortcut.flat;
        Path wide = branch.positions >= shortcut.positions ? branch : shortcut;
        Path narrow = wide == branch ? shortcut : branch;
        if (!sameRep && narrow.positions != 1 || wide.positions > 1 && !wide.flat && !sameRep) {
            throw new IllegalArgumentException(where + ": the branch and the shortcut give kernels over "
                    + branch.positions + (branch.flat ? " flattened" : "") + " and " + shortcut.positions
                    + (shortcut.flat ? " flattened" : "") + " positions, which do not add");
        }
        ops.add(new Block(branchOps, shortcutOps, r.scale() * r.scale()));
        st.positions = wide.positions;
        st.flat = branch.flat || shortcut.flat;
        if (branch.stamp >= 0 && shortcut.stamp >= 0) {
            st.stamp = Math.min(branch.stamp, shortcut.stamp);
        } else {
            st.stamp = -1;
            st.notGaussian = "the output of the residual block " + name + ", whose "
                    + (branch.stamp < 0 ? "branch gives " + branch.notGaussian : "shortcut gives " + shortcut.notGaussian);
        }
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

    /** The running state of one pair: raw values (before the Gram op), then the kernels over position pairs. */
    private static final class State {
        double[] vx;
        double[] vy;
        double[] k;
        double[] th;
        int p;
        boolean diagOnly;

        /** A copy of the Gaussian state whose arrays may be changed in place without touching this one. */
        State fork() {
            State c = new State();
            c.k = k.clone();
            c.th = th == null ? null : th.clone();
            c.p = p;
            c.diagOnly = diagOnly;
            return c;
        }
    }

    /**
     * The kernels of one pair; {@code record != null} marks the self pass (x == y), which takes the
     * variances from its own diagonal and stores them per slot.
     */
    private void pair(double[] x, double[] y, double[][] dx, double[][] dy, double[][] record, boolean withNtk,
                      double[] res) {
        State s = new State();
        s.vx = x;
        s.vy = y;
        exec(ops, s, dx, dy, record, withNtk, new double[2]);
        res[0] = s.k[0];
        res[1] = withNtk ? s.th[0] : 0.0;
    }

    private static void exec(List<Op> ops, State s, double[][] dx, double[][] dy, double[][] record, boolean withNtk,
                             double[] scratch) {
        for (Op op : ops) {
            if (op instanceof ValueAct a) {
                boolean same = s.vx == s.vy;
                s.vx = apply(a.activation(), s.vx);
                s.vy = same ? s.vx : apply(a.activation(), s.vy);
            } else if (op instanceof ValuePool vp) {
                boolean same = s.vx == s.vy;
                s.vx = poolValues(vp, s.vx);
                s.vy = same ? s.vx : poolValues(vp, s.vy);
            } else if (op instanceof Gram g) {
                s.k = gram(s.vx, s.vy, g.channels(), g.positions());
                s.th = withNtk ? new double[s.k.length] : null;
                s.p = g.positions();
            } else if (op instanceof Conv c) {
                conv(c, s, withNtk);
            } else if (op instanceof Act a) {
                activation(a, s, dx, dy, record, withNtk, scratch);
            } else if (op instanceof Pool pl) {
                s.k = poolPairs(pl, s.k);
                s.th = withNtk ? poolPairs(pl, s.th) : null;
                s.p = pl.pout();
            } else if (op instanceof Flatten) {
                s.k = diagonal(s.k, s.p);
                s.th = withNtk ? diagonal(s.th, s.p) : null;
                s.diagOnly = true;
            } else if (op instanceof Dense d) {
                // a 1-position full tensor and its diagonal are the same single number
                double mk = meanDiagonal(s.k, s.p, s.diagOnly);
                double kv = d.sw2() * mk + d.sb2();
                double tv = withNtk ? kv + d.sw2() * meanDiagonal(s.th, s.p, s.diagOnly) : 0.0;
                s.k = new double[] {kv};
                s.th = withNtk ? new double[] {tv} : null;
                s.p = 1;
                s.diagOnly = true;
            } else if (op instanceof Block b) {
                State branch = s.fork();
                exec(b.branch(), branch, dx, dy, record, withNtk, scratch);
                State shortcut = s.fork();
                exec(b.shortcut(), shortcut, dx, dy, record, withNtk, scratch);
                s.k = addScaled(b.scale2(), branch.k, shortcut.k);
                s.th = withNtk ? addScaled(b.scale2(), branch.th, shortcut.th) : null;
                s.p = Math.max(branch.p, shortcut.p);
                s.diagOnly = branch.diagOnly || shortcut.diagOnly;
            }
        }
    }

    /**
     * a2·a + b over the same representation, or with a single-position side (a dense output) broadcast
     * over the other side's flattened positions (both checked when the ops were built).
     */
    private static double[] addScaled(double a2, double[] a, double[] b) {
        int n = Math.max(a.length, b.length);
        double[] out = new double[n];
        for (int t = 0; t < n; t++) {
            out[t] = a2 * a[a.length == n ? t : 0] + b[b.length == n ? t : 0];
        }
        return out;
    }

    private static void conv(Conv c, State s, boolean withNtk) {
        double[] k = s.k;
        double[] th = s.th;
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
        s.k = nk;
        s.th = nt;
        s.p = po;
    }

    /** φ in place on the state's arrays; the self pass records the variances of its slot. */
    private static void activation(Act a, State s, double[][] dx, double[][] dy, double[][] record, boolean withNtk,
                                   double[] scratch) {
        double[] k = s.k;
        double[] th = s.th;
        int p = s.p;
        boolean diagOnly = s.diagOnly;
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
