package io.ntkstream.ntk;

import java.util.Map;

/**
 * AUTO's choice: the method with the lowest estimated time among those whose one-sample working
 * set fits the memory budget. Estimated time = FLOPs / efficiency, where FLOPs come from each
 * algorithm's count ({@link NtkAlgorithm#flops}) and efficiency models that GEMMs on narrow
 * blocks run far below peak: min(1, block/64), with the block the largest the budget allows.
 * Checked against the benchmark grid in docs/benchmarks.md.
 */
final class CostModel {
    private CostModel() {}

    static NtkMethod choose(Map<NtkMethod, NtkAlgorithm> algorithms, NetworkShape shape, NtkMode mode, int n1, int n2,
                            boolean symmetric, long budgetBytes) {
        NtkMethod best = null;
        double bestTime = Double.POSITIVE_INFINITY;
        for (NtkAlgorithm algorithm : algorithms.values()) {
            int block = EmpiricalNtk.largestBlock(algorithm, shape, mode, n1, n2, symmetric, budgetBytes);
            if (block == 0) {
                continue;
            }
            double efficiency = Math.min(1.0, block / 64.0);
            double time = algorithm.flops(shape, mode, n1, n2, symmetric) / efficiency;
            if (time < bestTime) {
                bestTime = time;
                best = algorithm.method();
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("memory budget of " + (budgetBytes >> 20)
                    + " MiB is too small for any method on this network; raise it (--memory)");
        }
        return best;
    }
}
