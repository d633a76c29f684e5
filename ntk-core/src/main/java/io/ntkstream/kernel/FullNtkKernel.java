package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.Network;
import io.ntkstream.ntk.KernelBlock;
import io.ntkstream.ntk.NtkFeatures;
import io.ntkstream.ntk.NtkMode;
import io.ntkstream.ntk.StructuredNtk;

/**
 * The full empirical NTK Θ(x, x') = J(x)J(x')ᵀ, an O x O block per pair of samples
 * ({@link NtkMode#FULL}), from structured features computed once per sample, as a matrix kernel:
 * n samples give an nO x nO Gram matrix with row and column i·O + o for sample i, output o (the
 * layout of vec(Y) with one sample's O values together). Unlike {@link FeatureKernel}s it does
 * not assume Θ = k ⊗ I_O: outputs are coupled through the off-diagonal blocks.
 */
public final class FullNtkKernel {
    private final Network network;
    private final int outputs;
    private final String description;

    public FullNtkKernel(Network network) {
        this.network = network;
        this.outputs = network.outputDim();
        this.description = EmpiricalNtkKernel.describe(network, NtkMode.FULL);
    }

    public Network network() {
        return network;
    }

    public int inputDim() {
        return network.inputDim();
    }

    /** O, the outputs per sample (rows of the Gram per sample). */
    public int outputs() {
        return outputs;
    }

    /** The features of every column of {@code x} (input_dim x n): one forward pass, O cotangents per sample. */
    public KernelFeatures featurize(Matrix x) {
        requireInput(x);
        return new EmpiricalNtkKernel.Features(StructuredNtk.features(network, NtkMode.FULL, x));
    }

    /**
     * Θ between two blocks as a row-major (a.size()·O) x (b.size()·O) matrix: entry
     * [i·O + o][j·O + p] = Θ(a_i, b_j)[o, p] = ⟨∂f_o(a_i)/∂θ, ∂f_p(b_j)/∂θ⟩.
     */
    public double[] cross(KernelFeatures a, KernelFeatures b) {
        int na = a.size();
        int nb = b.size();
        if (na == 0 || nb == 0) {
            return new double[0];
        }
        KernelBlock block = StructuredNtk.kernel(EmpiricalNtkKernel.unwrap(a), EmpiricalNtkKernel.unwrap(b));
        return toMatrix(block, outputs);
    }

    /** Θ(a_i, a_i) per sample: {@code a.size()} row-major O x O blocks. */
    public double[][] selfBlocks(KernelFeatures a) {
        NtkFeatures f = EmpiricalNtkKernel.unwrap(a);
        double[][] blocks = new double[a.size()][];
        int oo = outputs * outputs;
        for (int from = 0; from < blocks.length; from += EmpiricalNtkKernel.DIAGONAL_BLOCK) {
            int to = Math.min(blocks.length, from + EmpiricalNtkKernel.DIAGONAL_BLOCK);
            NtkFeatures slice = EmpiricalNtkKernel.slice(f, from, to, outputs);
            KernelBlock k = StructuredNtk.kernel(slice, slice);
            for (int i = 0; i < to - from; i++) {
                double[] b = new double[oo];
                System.arraycopy(k.values(), k.index(i, i, 0), b, 0, oo);
                blocks[from + i] = b;
            }
        }
        return blocks;
    }

    /** Network outputs f0(x): a new float64 matrix O x n. The caller closes it. */
    public Matrix f0(Matrix x) {
        requireInput(x);
        return EmpiricalNtkKernel.outputs(network, x);
    }

    /** An empty store for this kernel's features (O cotangents per sample). */
    public FeatureStore newStore() {
        return new NtkFeatureStore(network, NtkMode.FULL);
    }

    /** Identifies the kernel: mode, architecture, precision and a fingerprint of the parameters. */
    public String description() {
        return description;
    }

    /** A FULL kernel block (pair-major, O x O per pair) as the (rows·O) x (cols·O) row-major matrix. */
    static double[] toMatrix(KernelBlock block, int outputs) {
        int rows = block.rows();
        int cols = block.cols();
        int width = cols * outputs;
        double[] v = block.values();
        double[] m = new double[rows * outputs * width];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int pair = block.index(i, j, 0);
                for (int o = 0; o < outputs; o++) {
                    System.arraycopy(v, pair + o * outputs, m, (i * outputs + o) * width + j * outputs, outputs);
                }
            }
        }
        return m;
    }

    private void requireInput(Matrix x) {
        if (x.rows() != network.inputDim()) {
            throw new IllegalArgumentException("x: expected input_dim x n = " + network.inputDim()
                    + " x n (one column per sample), got " + x.rows() + "x" + x.cols());
        }
    }
}
