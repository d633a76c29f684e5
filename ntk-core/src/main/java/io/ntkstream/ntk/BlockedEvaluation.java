package io.ntkstream.ntk;

import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Matrix;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import io.ntkstream.network.Network;
import java.util.function.LongConsumer;

/**
 * Runs one kernel evaluation block by block. Symmetric kernels are exactly symmetric: a block
 * below the diagonal is the transpose of the block above it, and diagonal blocks are averaged
 * with their own transpose.
 */
final class BlockedEvaluation {
    /** Below this many samples per part, splitting across threads costs more than it saves. */
    private static final int MIN_SAMPLES_PER_TASK = 64;
    /** -Dntkstream.parallelParts=false falls back to multi-threaded BLAS on whole blocks (for comparison). */
    private static final boolean PARALLEL_PARTS = !"false".equals(System.getProperty("ntkstream.parallelParts"));

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
        int threads = LinalgRuntime.threads();
        int parts = Math.min(threads, plan.n1() / MIN_SAMPLES_PER_TASK);
        if (PARALLEL_PARTS && parts > 1 && plan.inMemory() && plan.blockSize() >= Math.max(plan.n1(), plan.n2())) {
            runInParallelParts(parts, threads, sink, progress);
        } else if (plan.symmetric() && plan.inMemory()) {
            runSymmetricInMemory(sink, progress);
        } else {
            runByRows(sink, progress);
        }
    }

    /**
     * The whole kernel fits in memory: split the samples into one part per thread and evaluate the
     * parts and their pairs concurrently, each on single-threaded BLAS. On a few cores this beats
     * multi-threaded BLAS on the whole block, whose GEMMs of a few hundred columns scale poorly.
     */
    private void runInParallelParts(int parts, int threads, RowBlockSink sink, LongConsumer progress) {
        boolean symmetric = plan.symmetric();
        int n1 = plan.n1();
        int n2 = plan.n2();
        double[] all = new double[Math.multiplyExact(n1 * n2, valuesPerPair)];
        int[] rowBounds = split(n1, parts);
        int[] colBounds = symmetric ? rowBounds : split(n2, Math.min(parts, Math.max(1, n2 / MIN_SAMPLES_PER_TASK)));
        ExecutorService pool = Executors.newFixedThreadPool(parts, r -> {
            Thread t = new Thread(r, "ntk-part");
            t.setDaemon(true);
            return t;
        });
        List<NtkAlgorithm.Prepared> rows = new ArrayList<>();
        List<NtkAlgorithm.Prepared> cols = new ArrayList<>();
        LinalgRuntime.setThreads(1);
        try {
            rows.addAll(invokeAll(pool, rowBounds.length - 1,
                    p -> algorithm.prepare(network, mode, x1.columns(rowBounds[p], rowBounds[p + 1]))));
            cols.addAll(symmetric ? rows : invokeAll(pool, colBounds.length - 1,
                    p -> algorithm.prepare(network, mode, x2.columns(colBounds[p], colBounds[p + 1]))));
            List<int[]> pairs = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                for (int j = symmetric ? i : 0; j < cols.size(); j++) {
                    pairs.add(new int[] {i, j});
                }
            }
            invokeAll(pool, pairs.size(), k -> {
                int i = pairs.get(k)[0];
                int j = pairs.get(k)[1];
                KernelBlock block = evaluate(rows.get(i), cols.get(j));
                if (symmetric && i == j) {
                    symmetrize(block);
                }
                place(block, all, rowBounds[i], colBounds[j], n2, false);
                if (symmetric && i != j) {
                    place(block, all, colBounds[j], rowBounds[i], n2, true);
                }
                synchronized (this) {
                    report(progress, (long) block.rows() * block.cols() * (symmetric && i != j ? 2 : 1));
                }
                return null;
            });
        } finally {
            LinalgRuntime.setThreads(threads);
            pool.shutdownNow();
            rows.forEach(NtkAlgorithm.Prepared::close);
            if (!symmetric) {
                cols.forEach(NtkAlgorithm.Prepared::close);
            }
        }
        sink.accept(0, n1, all);
    }

    private static int[] split(int n, int parts) {
        int[] bounds = new int[parts + 1];
        for (int p = 0; p <= parts; p++) {
            bounds[p] = (int) ((long) n * p / parts);
        }
        return bounds;
    }

    private static <T> List<T> invokeAll(ExecutorService pool, int count, IntFunction<T> task) {
        List<Future<T>> futures = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int index = k;
            futures.add(pool.submit(() -> task.apply(index)));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            try {
                results.add(f.get());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return results;
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
        for (int i = 0; i < nb; i++) {
            NtkAlgorithm.Prepared pi = algorithm.prepare(network, mode, slice(x1, i));
            for (int j = i; j < nb; j++) {
                NtkAlgorithm.Prepared pj = j == i ? pi : algorithm.prepare(network, mode, slice(x1, j));
                KernelBlock block = evaluate(pi, pj);
                if (i == j) {
                    symmetrize(block);
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
