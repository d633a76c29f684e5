package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.Network;
import java.util.function.LongConsumer;

/**
 * Runs one kernel evaluation block by block. Symmetric kernels are exactly symmetric: a block
 * below the diagonal is the transpose of the block above it, and diagonal blocks are averaged
 * with their own transpose.
 */
final class BlockedEvaluation {
    private final Network network;
    private final NtkMode mode;
    private final NtkAlgorithm algorithm;
    private final NtkPlan plan;
    private final Matrix x1;
    private final Matrix x2;
    private final int outputs;
    private final int valuesPerPair;
    private long pairsDone;

    BlockedEvaluation(Network network, NtkMode mode, NtkAlgorithm algorithm, NtkPlan plan, Matrix x1, Matrix x2) {
        this.network = network;
        this.mode = mode;
        this.algorithm = algorithm;
        this.plan = plan;
        this.x1 = x1;
        this.x2 = x2;
        this.outputs = network.outputDim();
        this.valuesPerPair = mode.valuesPerPair(outputs);
    }

    void run(RowBlockSink sink, LongConsumer progress) {
        if (plan.symmetric() && plan.inMemory()) {
            runSymmetricInMemory(sink, progress);
        } else {
            runByRows(sink, progress);
        }
    }

    private int blocks(int n) {
        return (n + plan.blockSize() - 1) / plan.blockSize();
    }

    private Matrix slice(Matrix x, int block) {
        int from = block * plan.blockSize();
        return x.columns(from, Math.min(x.cols(), from + plan.blockSize()));
    }

    private KernelBlock evaluate(NtkAlgorithm.Prepared a, NtkAlgorithm.Prepared b) {
        KernelBlock block = KernelBlock.zeros(a.samples(), b.samples(), valuesPerPair);
        algorithm.accumulate(a, b, block);
        return block;
    }

    private void runSymmetricInMemory(RowBlockSink sink, LongConsumer progress) {
        int n = plan.n1();
        if (blocks(n) == 1) {
            try (NtkAlgorithm.Prepared p = algorithm.prepare(network, mode, x1)) {
                KernelBlock block = evaluate(p, p);
                symmetrize(block);
                report(progress, (long) n * n);
                sink.accept(0, n, block.values());
                return;
            }
        }
        double[] all = new double[Math.multiplyExact(n * n, valuesPerPair)];
        int nb = blocks(n);
        // row i visits its blocks j = i, nb−1, nb−2, ..., i+1: the last one prepared is row i+1's
        // diagonal block, kept for that row instead of being prepared again
        NtkAlgorithm.Prepared next = null;
        for (int i = 0; i < nb; i++) {
            NtkAlgorithm.Prepared pi = next != null ? next : algorithm.prepare(network, mode, slice(x1, i));
            next = null;
            for (int step = 0; step < nb - i; step++) {
                int j = step == 0 ? i : nb - step;
                NtkAlgorithm.Prepared pj = j == i ? pi : algorithm.prepare(network, mode, slice(x1, j));
                KernelBlock block = evaluate(pi, pj);
                if (i == j) {
                    symmetrize(block);
                } else if (j == i + 1) {
                    next = pj;
                } else {
                    pj.close();
                }
                place(block, all, i * plan.blockSize(), j * plan.blockSize(), n, false);
                if (i != j) {
                    place(block, all, j * plan.blockSize(), i * plan.blockSize(), n, true);
                }
                report(progress, (long) block.rows() * block.cols() * (i == j ? 1 : 2));
            }
            pi.close();
        }
        deliverRows(all, n, sink);
    }

    private void runByRows(RowBlockSink sink, LongConsumer progress) {
        int n2 = plan.n2();
        int nb1 = blocks(plan.n1());
        int nb2 = blocks(n2);
        boolean symmetric = plan.symmetric();
        for (int i = 0; i < nb1; i++) {
            Matrix rowsX = slice(x1, i);
            NtkAlgorithm.Prepared pi = algorithm.prepare(network, mode, rowsX);
            double[] rows = new double[Math.multiplyExact(rowsX.cols() * n2, valuesPerPair)];
            for (int j = 0; j < nb2; j++) {
                KernelBlock block;
                boolean transposed = false;
                if (symmetric && j == i) {
                    block = evaluate(pi, pi);
                    symmetrize(block);
                } else if (symmetric && j < i) {
                    // the same numbers as block (j, i) delivered earlier, transposed
                    try (NtkAlgorithm.Prepared pj = algorithm.prepare(network, mode, slice(x2, j))) {
                        block = evaluate(pj, pi);
                    }
                    transposed = true;
                } else {
                    try (NtkAlgorithm.Prepared pj = algorithm.prepare(network, mode, slice(x2, j))) {
                        block = evaluate(pi, pj);
                    }
                }
                place(block, rows, 0, j * plan.blockSize(), n2, transposed);
                report(progress, (long) block.rows() * block.cols());
            }
            pi.close();
            sink.accept(i * plan.blockSize(), rowsX.cols(), rows);
        }
    }

    private void report(LongConsumer progress, long pairs) {
        pairsDone += pairs;
        progress.accept(pairsDone);
    }

    /** Index of value k transposed: Θ[j,i][k] where k = o·O + o' becomes o'·O + o in FULL mode. */
    private int transposedValue(int k) {
        return mode == NtkMode.FULL ? (k % outputs) * outputs + k / outputs : k;
    }

    /** Writes block (or its transpose) at (row0, col0) of a row-major (·, width, V) array. */
    private void place(KernelBlock block, double[] target, int row0, int col0, int width, boolean transpose) {
        int rows = transpose ? block.cols() : block.rows();
        int cols = transpose ? block.rows() : block.cols();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int dst = ((row0 + r) * width + col0 + c) * valuesPerPair;
                for (int k = 0; k < valuesPerPair; k++) {
                    target[dst + k] = transpose ? block.get(c, r, transposedValue(k)) : block.get(r, c, k);
                }
            }
        }
    }

    /** Averages Θ[a,b][k] with Θ[b,a][kᵀ] so the diagonal block is exactly symmetric. */
    private void symmetrize(KernelBlock block) {
        double[] v = block.values();
        for (int a = 0; a < block.rows(); a++) {
            for (int b = a; b < block.cols(); b++) {
                for (int k = 0; k < valuesPerPair; k++) {
                    int p = block.index(a, b, k);
                    int q = block.index(b, a, transposedValue(k));
                    if (p <= q || a != b) {
                        double mean = 0.5 * (v[p] + v[q]);
                        v[p] = mean;
                        v[q] = mean;
                    }
                }
            }
        }
    }

    private void deliverRows(double[] all, int n, RowBlockSink sink) {
        int rowsPerBlock = plan.blockSize();
        if (rowsPerBlock >= n) {
            sink.accept(0, n, all);
            return;
        }
        for (int r0 = 0; r0 < n; r0 += rowsPerBlock) {
            int count = Math.min(rowsPerBlock, n - r0);
            double[] rows = new double[count * n * valuesPerPair];
            System.arraycopy(all, r0 * n * valuesPerPair, rows, 0, rows.length);
            sink.accept(r0, count, rows);
        }
    }
}
