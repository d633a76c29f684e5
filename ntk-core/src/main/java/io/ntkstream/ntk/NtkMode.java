package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.Locale;

/**
 * Which part of Θ(x1, x2) (an O x O block per pair of inputs) is returned.
 * Output shape: FULL (N1, N2, O, O); TRACE (N1, N2) = Σ_o Θ[o,o]; DIAGONAL (N1, N2, O) = Θ[o,o];
 * PSEUDO (N1, N2) = (1/O)·Σ_{o,o'} Θ[o,o'], the NTK of the summed logits scaled by 1/O.
 */
public enum NtkMode {
    FULL,
    TRACE,
    DIAGONAL,
    PSEUDO;

    /** Numbers per pair of inputs. */
    public int valuesPerPair(int outputs) {
        return switch (this) {
            case FULL -> outputs * outputs;
            case DIAGONAL -> outputs;
            case TRACE, PSEUDO -> 1;
        };
    }

    /** The output array's shape. */
    public long[] shape(long n1, long n2, int outputs) {
        return switch (this) {
            case FULL -> new long[] {n1, n2, outputs, outputs};
            case DIAGONAL -> new long[] {n1, n2, outputs};
            case TRACE, PSEUDO -> new long[] {n1, n2};
        };
    }

    /**
     * Cotangents backpropagated per sample: one per output, except PSEUDO, which needs only the
     * cotangent of (1/√O)·Σ_o f_o (so that the product of two such gives (1/O)·Σ_{o,o'}).
     */
    public int cotangentsPerSample(int outputs) {
        return this == PSEUDO ? 1 : outputs;
    }

    /** The output cotangents to backpropagate for n samples: O x (n·g), column s·g + k. */
    public Matrix seed(Precision precision, int outputs, int samples) {
        int g = cotangentsPerSample(outputs);
        Matrix seed = Matrix.zeros(precision, outputs, samples * g);
        double pseudo = 1.0 / Math.sqrt(outputs);
        for (int s = 0; s < samples; s++) {
            for (int k = 0; k < g; k++) {
                if (this == PSEUDO) {
                    for (int o = 0; o < outputs; o++) {
                        seed.set(o, s * g + k, pseudo);
                    }
                } else {
                    seed.set(k, s * g + k, 1.0);
                }
            }
        }
        return seed;
    }

    public static NtkMode parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mode: expected full, trace, diagonal or pseudo, got '" + s + "'");
        }
    }
}
