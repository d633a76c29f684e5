package io.ntkstream.network;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.commons.math3.special.Erf;

/** Elementwise nonlinearities: value φ(x) and derivative φ'(x), in float64. */
public enum Activation {
    RELU {
        @Override public double value(double x) { return x > 0 ? x : 0.0; }
        // PyTorch convention: relu'(0) = 0.
        @Override public double derivative(double x) { return x > 0 ? 1.0 : 0.0; }
    },
    ERF {
        @Override public double value(double x) { return Erf.erf(x); }
        @Override public double derivative(double x) { return TWO_OVER_SQRT_PI * Math.exp(-x * x); }
    },
    TANH {
        @Override public double value(double x) { return Math.tanh(x); }
        @Override public double derivative(double x) {
            double t = Math.tanh(x);
            return 1.0 - t * t;
        }
    },
    /** Exact GELU, x·Φ(x) with Φ the standard normal CDF (PyTorch's default, not the tanh form). */
    GELU {
        @Override public double value(double x) { return x * normalCdf(x); }
        // d/dx x·Φ(x) = Φ(x) + x·φ(x)
        @Override public double derivative(double x) { return normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x); }
    },
    SIGMOID {
        @Override public double value(double x) { return 1.0 / (1.0 + Math.exp(-x)); }
        @Override public double derivative(double x) {
            double s = value(x);
            return s * (1.0 - s);
        }
    },
    IDENTITY {
        @Override public double value(double x) { return x; }
        @Override public double derivative(double x) { return 1.0; }
    };

    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);

    public abstract double value(double x);

    public abstract double derivative(double x);

    static double normalCdf(double x) {
        // Φ(x) = erfc(−x/√2)/2, accurate in both tails.
        return 0.5 * Erf.erfc(-x * INV_SQRT_2);
    }

    /** The name used in architecture JSON, e.g. {@code relu}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static boolean isActivation(String name) {
        return Arrays.stream(values()).anyMatch(a -> a.jsonName().equals(name));
    }

    public static Activation fromJsonName(String name) {
        for (Activation a : values()) {
            if (a.jsonName().equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + name + "'; expected one of " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(Activation::jsonName).collect(Collectors.joining(", "));
    }
}
