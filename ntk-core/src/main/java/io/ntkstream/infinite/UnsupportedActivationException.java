package io.ntkstream.infinite;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Thrown when an activation has no closed-form infinite-width kernel in this package. */
public final class UnsupportedActivationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Comma-separated list of supported activation names, e.g. {@code "relu, erf, identity"}. */
    public static final String SUPPORTED = Arrays.stream(Nonlinearity.values())
            .map(Nonlinearity::displayName)
            .collect(Collectors.joining(", "));

    private final String activation;

    private UnsupportedActivationException(String activation) {
        super("infinite-width kernel: activation '" + activation
                + "' has no closed form here; supported: " + SUPPORTED);
        this.activation = activation;
    }

    /**
     * Builds the exception for an activation found in a caller's architecture, e.g.
     * {@code forName("tanh")} gives "infinite-width kernel: activation 'tanh' has no closed form
     * here; supported: relu, erf, identity".
     */
    public static UnsupportedActivationException forName(String found) {
        return new UnsupportedActivationException(found);
    }

    /** The offending activation name as given to {@link #forName(String)}. */
    public String activation() {
        return activation;
    }
}
