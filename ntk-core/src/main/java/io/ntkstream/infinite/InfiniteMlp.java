package io.ntkstream.infinite;

import java.util.ArrayList;
import java.util.List;

/**
 * A fully-connected network in NTK parametrization, described for its infinite-width limit.
 *
 * <p>The layers are dense, φ₁, dense, φ₂, …, φ_{L−1}, dense, i.e. {@code hiddenActivations.size() + 1}
 * dense layers with one activation between consecutive dense layers. A dense layer with fan-in n
 * computes z = (σ_w/√n)·W·a + σ_b·b with W, b having i.i.d. N(0,1) entries; the NTK is taken
 * over all W and b. Hidden widths do not appear: they are all taken to infinity.
 *
 * @param inputDim          dimension d of an input x ∈ R^d, ≥ 1
 * @param sigmaW            weight scale σ_w, finite and &gt; 0
 * @param sigmaB            bias scale σ_b, finite and ≥ 0 (0 = biases do not contribute)
 * @param hiddenActivations activations between dense layers, in order; may be empty (a single
 *                          dense layer); stored as an unmodifiable copy
 */
public record InfiniteMlp(int inputDim, double sigmaW, double sigmaB, List<Nonlinearity> hiddenActivations) {

    public InfiniteMlp {
        if (inputDim < 1) {
            throw new IllegalArgumentException("inputDim must be >= 1, got " + inputDim);
        }
        if (!(sigmaW > 0)) {
            throw new IllegalArgumentException("sigmaW must be > 0, got " + sigmaW);
        }
        if (Double.isInfinite(sigmaW)) {
            throw new IllegalArgumentException("sigmaW must be finite, got " + sigmaW);
        }
        if (!(sigmaB >= 0)) {
            throw new IllegalArgumentException("sigmaB must be >= 0, got " + sigmaB);
        }
        if (Double.isInfinite(sigmaB)) {
            throw new IllegalArgumentException("sigmaB must be finite, got " + sigmaB);
        }
        if (hiddenActivations == null) {
            throw new IllegalArgumentException(
                    "hiddenActivations must not be null (use an empty list for a single dense layer)");
        }
        List<Nonlinearity> copy = new ArrayList<>(hiddenActivations.size());
        for (int i = 0; i < hiddenActivations.size(); i++) {
            Nonlinearity a = hiddenActivations.get(i);
            if (a == null) {
                throw new IllegalArgumentException("hiddenActivations[" + i + "] must not be null");
            }
            copy.add(a);
        }
        hiddenActivations = List.copyOf(copy);
    }

    /** Convenience factory: {@code of(d, σ_w, σ_b, RELU, RELU)} is a net with two hidden layers. */
    public static InfiniteMlp of(int inputDim, double sigmaW, double sigmaB, Nonlinearity... hiddenActivations) {
        if (hiddenActivations == null) {
            throw new IllegalArgumentException("hiddenActivations must not be null");
        }
        return new InfiniteMlp(inputDim, sigmaW, sigmaB, java.util.Arrays.asList(hiddenActivations));
    }

    /** Number of dense layers L = hiddenActivations.size() + 1. */
    public int depth() {
        return hiddenActivations.size() + 1;
    }
}
