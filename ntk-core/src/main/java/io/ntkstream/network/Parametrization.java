package io.ntkstream.network;

import java.util.Locale;

/**
 * How a dense layer scales its parameters.
 * <ul>
 *   <li>{@code NTK}: z = (σ_w/√fan_in)·W·a + σ_b·b, with W, b ~ N(0, 1) at init.</li>
 *   <li>{@code STANDARD} (PyTorch {@code nn.Linear}): z = W·a + b, with W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²).</li>
 * </ul>
 */
public enum Parametrization {
    NTK,
    STANDARD;

    /** Multiplier of W·a in the forward pass. */
    public double weightScale(double sigmaW, int fanIn) {
        return this == NTK ? sigmaW / Math.sqrt(fanIn) : 1.0;
    }

    /** Multiplier of b in the forward pass. */
    public double biasScale(double sigmaB) {
        return this == NTK ? sigmaB : 1.0;
    }

    /** Standard deviation of W's entries at initialization. */
    public double weightInitStd(double sigmaW, int fanIn) {
        return this == NTK ? 1.0 : sigmaW / Math.sqrt(fanIn);
    }

    /** Standard deviation of b's entries at initialization. */
    public double biasInitStd(double sigmaB) {
        return this == NTK ? 1.0 : sigmaB;
    }

    public static Parametrization parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "ntk" -> NTK;
            case "standard" -> STANDARD;
            default -> throw new IllegalArgumentException(
                    "parametrization: expected \"ntk\" or \"standard\", got \"" + s + "\"");
        };
    }
}
