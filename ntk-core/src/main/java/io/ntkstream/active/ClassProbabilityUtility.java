package io.ntkstream.active;

/**
 * A classification utility that scores each active candidate from its predicted class
 * probabilities softmax(μ(c)) alone (inactive candidates score NaN).
 */
abstract class ClassProbabilityUtility implements UtilityMeasure {

    /** The score of one candidate from its class probabilities. */
    abstract double score(double[] probabilities);

    @Override
    public final double[] scores(PoolPosterior p) {
        LookaheadUtility.requireClassification(p, kind());
        double[] s = new double[p.size()];
        for (int c = 0; c < s.length; c++) {
            s[c] = p.isActive(c) ? score(p.probabilities(c)) : Double.NaN;
        }
        return s;
    }
}
