package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.DenseLayer;
import io.ntkstream.network.ForwardTrace;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.ntk.KernelBlock;
import io.ntkstream.ntk.LayerFeatures;
import io.ntkstream.ntk.NtkFeatures;
import io.ntkstream.ntk.NtkMode;
import io.ntkstream.ntk.StructuredNtk;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The empirical NTK of a network as a scalar {@link FeatureKernel}, from structured NTK features
 * ({@link StructuredNtk#features}: per layer the inputs and output cotangents of each sample).
 *
 * <ul>
 *   <li>{@link NtkMode#PSEUDO}: k = (1/O)·Σ_{o,o'} Θ[o,o'], the pseudo-NTK (one cotangent per sample).</li>
 *   <li>{@link NtkMode#TRACE}: k = (1/O)·Σ_o Θ[o,o] = trace/O, so that Θ ≈ k ⊗ I_O when Θ's
 *       off-diagonal output blocks are negligible (wide networks: Θ → Θ∞ ⊗ I_O).</li>
 * </ul>
 * Both equal Θ∞ for a network at infinite width, and both make the regression treat the O
 * outputs as independent tasks sharing one kernel. FULL and DIAGONAL are not scalar kernels (the
 * full NTK regression: {@link FullNtkKernel}, {@link FullKernelState}).
 */
public final class EmpiricalNtkKernel implements FeatureKernel {
    private final Network network;
    private final NtkMode mode;
    private final double scale;
    private final String description;

    public EmpiricalNtkKernel(Network network, NtkMode mode) {
        if (mode != NtkMode.TRACE && mode != NtkMode.PSEUDO) {
            throw new IllegalArgumentException("mode: the NTK regression needs a scalar kernel, trace or pseudo; got "
                    + mode.name().toLowerCase(Locale.ROOT));
        }
        this.network = network;
        this.mode = mode;
        this.scale = mode == NtkMode.TRACE ? 1.0 / network.outputDim() : 1.0;
        this.description = describe(network, mode);
    }

    /** Kind, mode, architecture, precision and a fingerprint of the parameters (see {@link #description()}). */
    static String describe(Network network, NtkMode mode) {
        return "ntk " + mode.name().toLowerCase(Locale.ROOT) + " " + network.architecture().shapeString()
                + " " + network.architecture().parametrization().name().toLowerCase(Locale.ROOT)
                + " σw=" + network.architecture().sigmaW() + " σb=" + network.architecture().sigmaB()
                + " " + network.precision().name().toLowerCase(Locale.ROOT)
                + " params#" + Long.toHexString(fingerprint(Networks.flatten(network)));
    }

    public Network network() {
        return network;
    }

    public NtkMode mode() {
        return mode;
    }

    @Override
    public int inputDim() {
        return network.inputDim();
    }

    @Override
    public String inputDescription() {
        return network.architecture().inputDescription();
    }

    @Override
    public int outputs() {
        return network.outputDim();
    }

    @Override
    public KernelFeatures featurize(Matrix x) {
        requireInput(x);
        return new Features(StructuredNtk.features(network, mode, x));
    }

    @Override
    public double[] cross(KernelFeatures a, KernelFeatures b) {
        if (a.size() == 0 || b.size() == 0) {
            return new double[0];
        }
        KernelBlock block = StructuredNtk.kernel(unwrap(a), unwrap(b));
        double[] v = block.values();
        if (scale != 1.0) {
            for (int i = 0; i < v.length; i++) {
                v[i] *= scale;
            }
        }
        return v;
    }

    /** Diagonal blocks of this many samples: one small GEMM per block instead of one per sample (non-dense layers). */
    static final int DIAGONAL_BLOCK = 64;

    /**
     * k(a_i, a_i) = scale · Σ_l (s_w²‖a_l‖² + s_b²)·Σ_k ‖δ_l,k‖² (the dense rule on the diagonal), in
     * float64 from each sample's features read once — no kernel GEMM, whose block would be b x b for
     * b diagonal values. Other layer kinds: diagonal blocks of the full kernel.
     */
    @Override
    public double[] selfDiagonal(KernelFeatures a) {
        NtkFeatures f = unwrap(a);
        int g = mode.cotangentsPerSample(f.outputs());
        if (f.layers().stream().allMatch(l -> l.layer() instanceof DenseLayer)) {
            double[] d = new double[a.size()];
            double[] sums = new double[a.size()];
            for (LayerFeatures lf : f.layers()) {
                DenseLayer dense = (DenseLayer) lf.layer();
                double sw = dense.weightScale();
                double sb = dense.hasBias() ? dense.biasScale() : 0.0;
                columnSquares(lf.inputs(), 1, sums);
                double[] inputTerm = new double[sums.length];
                for (int i = 0; i < sums.length; i++) {
                    inputTerm[i] = sw * sw * sums[i] + sb * sb;
                }
                columnSquares(lf.cotangents(), g, sums);
                for (int i = 0; i < sums.length; i++) {
                    d[i] += inputTerm[i] * sums[i];
                }
            }
            for (int i = 0; i < d.length; i++) {
                d[i] *= scale;
            }
            return d;
        }
        double[] d = new double[a.size()];
        for (int from = 0; from < d.length; from += DIAGONAL_BLOCK) {
            int to = Math.min(d.length, from + DIAGONAL_BLOCK);
            NtkFeatures block = slice(f, from, to, g);
            double[] k = StructuredNtk.kernel(block, block).values();
            int b = to - from;
            for (int i = 0; i < b; i++) {
                d[from + i] = k[i * b + i] * scale;
            }
        }
        return d;
    }

    /** out[s] = Σ of the squares of columns s·g .. s·g + g − 1 of m (float64 sums), for out.length samples. */
    private static void columnSquares(Matrix m, int g, double[] out) {
        double[] column = new double[m.rows()];
        for (int s = 0; s < out.length; s++) {
            double sum = 0;
            for (int k = 0; k < g; k++) {
                m.readColumn(s * g + k, column);
                for (double v : column) {
                    sum += v * v;
                }
            }
            out[s] = sum;
        }
    }

    /** Views of samples [from, to) (closes nothing; never close it). */
    static NtkFeatures slice(NtkFeatures f, int from, int to, int g) {
        List<LayerFeatures> layers = new ArrayList<>(f.layers().size());
        for (LayerFeatures lf : f.layers()) {
            layers.add(new LayerFeatures(lf.layer(), lf.inputs().columns(from, to),
                    lf.cotangents().columns(from * g, to * g), false));
        }
        return new NtkFeatures(f.mode(), f.outputs(), to - from, layers);
    }

    @Override
    public Matrix f0(Matrix x) {
        requireInput(x);
        return outputs(network, x);
    }

    /** The outputs kept by {@link #featurize} (its forward pass), else one more forward pass of x. */
    @Override
    public double[] f0(KernelFeatures features, Matrix x) {
        if (features instanceof Features nf && nf.ntk().networkOutput() != null) {
            Matrix out = nf.ntk().networkOutput();
            if (out.cols() != x.cols()) {
                throw new IllegalArgumentException("features of " + out.cols() + " samples, x of " + x.cols());
            }
            return out.toColumnMajor();
        }
        try (Matrix f = f0(x)) {
            return f.toColumnMajor();
        }
    }

    /** The network's outputs on x as a new float64 O x n matrix. */
    static Matrix outputs(Network network, Matrix x) {
        try (ForwardTrace trace = network.forward(x)) {
            Matrix out = trace.output();
            return Matrix.fromColumnMajor(Precision.FLOAT64, out.rows(), out.cols(), out.toColumnMajor());
        }
    }

    @Override
    public void checkInput(Matrix x) {
        requireInput(x);
        network.checkInput(x);
    }

    @Override
    public FeatureStore newStore() {
        return new NtkFeatureStore(network, mode);
    }

    @Override
    public String description() {
        return description;
    }

    private void requireInput(Matrix x) {
        if (x.rows() != network.inputDim()) {
            throw new IllegalArgumentException("x: expected input_dim x n = " + network.inputDim()
                    + " x n (one column per sample), got " + x.rows() + "x" + x.cols());
        }
    }

    static NtkFeatures unwrap(KernelFeatures f) {
        if (f instanceof Features nf) {
            return nf.ntk();
        }
        if (f instanceof NtkFeatureStore store) {
            return store.view();
        }
        throw new IllegalArgumentException("features of another kernel: " + f.getClass().getSimpleName());
    }

    /** FNV-1a over the bits of the parameters: identifies a checkpoint in {@link #description()}. */
    private static long fingerprint(double[] values) {
        long h = 0xcbf29ce484222325L;
        for (double v : values) {
            long bits = Double.doubleToLongBits(v);
            for (int k = 0; k < 8; k++) {
                h ^= (bits >>> (8 * k)) & 0xff;
                h *= 0x100000001b3L;
            }
        }
        return h;
    }

    /** Features of a batch, owning their native memory. */
    record Features(NtkFeatures ntk) implements KernelFeatures {
        @Override
        public int size() {
            return ntk.samples();
        }

        @Override
        public void close() {
            ntk.close();
        }
    }
}
