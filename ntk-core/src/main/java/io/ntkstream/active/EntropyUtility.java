package io.ntkstream.active;

/** Entropy sampling: H(softmax(μ(c))) = −Σ_y p_y log p_y (nats), largest for a uniform guess. Classification only. */
public final class EntropyUtility extends ClassProbabilityUtility {

    @Override
    public AcquisitionKind kind() {
        return AcquisitionKind.ENTROPY;
    }

    @Override
    double score(double[] probabilities) {
        double h = 0;
        for (double v : probabilities) {
            if (v > 0) {
                h -= v * Math.log(v);
            }
        }
        return h;
    }

    @Override
    public String toString() {
        return "entropy";
    }
}
