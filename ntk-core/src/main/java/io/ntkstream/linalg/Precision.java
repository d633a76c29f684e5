package io.ntkstream.linalg;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Floating-point precision the network runs in. Kernel sums and every output are float64
 * regardless; float32 halves memory and doubles GEMM throughput for the network passes.
 */
public enum Precision {
    FLOAT32(DataType.FLOAT, 4),
    FLOAT64(DataType.DOUBLE, 8);

    final DataType nd4j;
    private final int bytes;

    Precision(DataType nd4j, int bytes) {
        this.nd4j = nd4j;
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** Parses {@code float32|float64} (also {@code f32|f64}), naming the accepted values on error. */
    public static Precision parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "float32", "f32", "fp32" -> FLOAT32;
            case "float64", "f64", "fp64", "double" -> FLOAT64;
            default -> throw new IllegalArgumentException("dtype: expected float32 or float64, got '" + s + "'");
        };
    }
}
