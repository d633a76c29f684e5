package io.ntkstream.ntk;

/**
 * How a kernel will be computed: the method (AUTO resolved), the block of samples processed at
 * once under the memory budget, and the cost model's estimate.
 */
public record NtkPlan(NtkMethod method, NtkMode mode, int n1, int n2, boolean symmetric, int blockSize,
                      boolean inMemory, long workingBytes, double estimatedFlops) {}
