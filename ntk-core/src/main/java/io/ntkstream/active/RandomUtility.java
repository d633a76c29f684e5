package io.ntkstream.active;

import java.util.SplittableRandom;

/**
 * Random sampling, the baseline: independent uniform scores in [0, 1), from a seeded generator
 * (the same seed and sequence of calls give the same picks).
 */
public final class RandomUtility implements UtilityMeasure {
    private final long seed;
    private final SplittableRandom random;

    public RandomUtility(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    public long seed() {
        return seed;
    }

    @Override
    public AcquisitionKind kind() {
        return AcquisitionKind.RANDOM;
    }

    @Override
    public double[] scores(PoolPosterior p) {
        double[] s = new double[p.size()];
        for (int c = 0; c < s.length; c++) {
            s[c] = p.isActive(c) ? random.nextDouble() : Double.NaN;
        }
        return s;
    }

    @Override
    public String toString() {
        return "random(seed=" + seed + ")";
    }
}
