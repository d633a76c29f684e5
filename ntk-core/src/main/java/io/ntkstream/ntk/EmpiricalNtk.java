package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.Network;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The empirical NTK Θ(x1, x2) = J(x1)J(x2)ᵀ of a network, by any method, under a memory budget.
 * Configure once, then evaluate pairs of input batches (input_dim x N, one column per sample);
 * with no x2 the symmetric Θ(x1, x1) is computed, exactly symmetric.
 *
 * <p>Inputs are processed in blocks of samples sized so each method's working set stays under
 * the budget; results are float64 in the mode's layout (see {@link NtkMode}).
 */
public final class EmpiricalNtk {
    public static final long DEFAULT_BUDGET_BYTES = 2048L << 20;
    /** NTVP holds at most this many parameter vectors at once. */
    private static final int NTVP_CHUNK = 64;

    private static final Map<NtkMethod, NtkAlgorithm> ALGORITHMS = new EnumMap<>(Map.of(
            NtkMethod.JACOBIAN, new JacobianNtk(),
            NtkMethod.NTVP, new NtvpNtk(NTVP_CHUNK),
            NtkMethod.STRUCTURED, new StructuredNtk()));

    private final Network network;
    private final NtkMode mode;
    private final NtkMethod method;
    private final long budgetBytes;
    private final NetworkShape shape;

    public EmpiricalNtk(Network network, NtkMode mode, NtkMethod method, long budgetBytes) {
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("memory budget must be positive, got " + budgetBytes);
        }
        this.network = network;
        this.mode = mode;
        this.method = method;
        this.budgetBytes = budgetBytes;
        this.shape = NetworkShape.of(network);
    }

    public EmpiricalNtk(Network network, NtkMode mode, NtkMethod method) {
        this(network, mode, method, DEFAULT_BUDGET_BYTES);
    }

    public Network network() {
        return network;
    }

    public NtkMode mode() {
        return mode;
    }

    /** The plan for an N1 x N2 kernel (N2 = N1, symmetric, when {@code symmetric}). */
    public NtkPlan plan(int n1, int n2, boolean symmetric) {
        NtkMethod resolved = method == NtkMethod.AUTO
                ? CostModel.choose(ALGORITHMS, shape, mode, n1, n2, symmetric, budgetBytes) : method;
        NtkAlgorithm algorithm = ALGORITHMS.get(resolved);
        long outputBytes = (long) n1 * n2 * mode.valuesPerPair(shape.outputs()) * Double.BYTES;
        boolean inMemory = outputBytes <= budgetBytes / 2;
        long left = inMemory ? budgetBytes - outputBytes : budgetBytes;
        int block = largestBlock(algorithm, shape, mode, n1, n2, symmetric, left);
        if (block == 0) {
            throw new IllegalArgumentException("memory budget of " + (budgetBytes >> 20) + " MiB is too small for method "
                    + resolved.cliName() + ": one sample needs " + (algorithm.blockBytes(shape, mode, 1, 1) >> 20)
                    + " MiB of working memory; raise the budget (--memory) or choose another method");
        }
        return new NtkPlan(resolved, mode, n1, n2, symmetric, block, inMemory,
                algorithm.workingBytes(shape, mode, Math.min(block, n1), Math.min(block, n2), symmetric && block >= n1),
                algorithm.flops(shape, mode, n1, n2, symmetric));
    }

    /** Largest block b ≤ max(N1, N2) whose working set, b rows of output and one b x b block fit the budget; 0 if none. */
    static int largestBlock(NtkAlgorithm algorithm, NetworkShape shape, NtkMode mode, int n1, int n2, boolean symmetric,
                            long budget) {
        int lo = 0;
        int hi = Math.max(n1, n2);
        if (blockFits(algorithm, shape, mode, n1, n2, symmetric, hi, budget)) {
            return hi; // checked first: a symmetric single block needs less than two smaller ones
        }
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (blockFits(algorithm, shape, mode, n1, n2, symmetric, mid, budget)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private static boolean blockFits(NtkAlgorithm algorithm, NetworkShape shape, NtkMode mode, int n1, int n2,
                                     boolean symmetric, int b, long budget) {
        int b1 = Math.min(b, n1);
        int b2 = Math.min(b, n2);
        long v = mode.valuesPerPair(shape.outputs());
        long rows = (long) b1 * n2 * v * Double.BYTES;
        long block = (long) b1 * b2 * v * Double.BYTES;
        return algorithm.workingBytes(shape, mode, b1, b2, symmetric && b1 >= n1) + rows + block <= budget;
    }

    /** Θ(x1, x1), in memory. */
    public KernelBlock compute(Matrix x1) {
        return compute(x1, null);
    }

    /** Θ(x1, x2) in memory (x2 null: symmetric Θ(x1, x1)). */
    public KernelBlock compute(Matrix x1, Matrix x2) {
        int n1 = x1.cols();
        int n2 = x2 == null ? n1 : x2.cols();
        int v = mode.valuesPerPair(shape.outputs());
        double[][] result = new double[1][];
        compute(x1, x2, (rowStart, rowCount, values) -> {
            if (rowStart == 0 && rowCount == n1) {
                result[0] = values; // the whole kernel in one block: no copy
            } else {
                if (result[0] == null) {
                    result[0] = new double[Math.multiplyExact(n1 * n2, v)];
                }
                System.arraycopy(values, 0, result[0], rowStart * n2 * v, values.length);
            }
        }, done -> { });
        return new KernelBlock(n1, n2, v, result[0]);
    }

    /**
     * Θ(x1, x2) delivered to {@code sink} a block of rows at a time, in row order;
     * {@code progress} receives the number of input pairs done so far.
     */
    public NtkPlan compute(Matrix x1, Matrix x2, RowBlockSink sink, LongConsumer progress) {
        boolean symmetric = x2 == null;
        int n1 = x1.cols();
        int n2 = symmetric ? n1 : x2.cols();
        if (!symmetric && x2.rows() != x1.rows()) {
            throw new IllegalArgumentException("x1 and x2 must have the same feature count, got " + x1.rows() + " and "
                    + x2.rows());
        }
        NtkPlan plan = plan(n1, n2, symmetric);
        new BlockedEvaluation(network, mode, ALGORITHMS.get(plan.method()), plan, x1, symmetric ? x1 : x2)
                .run(sink, progress);
        return plan;
    }
}
