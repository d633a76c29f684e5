package io.ntkstream.infinite;

import java.util.Locale;

/**
 * Activations for which the infinite-width kernels have a closed form.
 *
 * <ul>
 *   <li>{@link #RELU}: φ(x) = max(0, x), with φ'(0) = 0 (the autodiff convention).</li>
 *   <li>{@link #ERF}: φ(x) = erf(x), the mathematical error function (not a rescaled variant).</li>
 *   <li>{@link #IDENTITY}: φ(x) = x.</li>
 * </ul>
 */
public enum Nonlinearity {
    RELU,
    ERF,
    IDENTITY;

    /** Lower-case name as used in messages and architecture files, e.g. {@code "relu"}. */
    public String displayName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a name case-insensitively ({@code "relu"}, {@code "ERF"}, {@code "identity"}).
     *
     * @throws UnsupportedActivationException if the name is not one of the supported activations
     */
    public static Nonlinearity fromName(String name) {
        if (name != null) {
            String key = name.trim();
            for (Nonlinearity n : values()) {
                if (n.name().equalsIgnoreCase(key)) {
                    return n;
                }
            }
        }
        throw UnsupportedActivationException.forName(name);
    }
}
