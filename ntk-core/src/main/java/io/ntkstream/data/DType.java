package io.ntkstream.data;

/**
 * Element types of stored arrays and tensors. Values are always handled as {@code double} in
 * memory; the dtype records how they are (or will be) laid out on disk, little-endian.
 *
 * <p>{@link #FLOAT16} and {@link #BFLOAT16} occur in safetensors checkpoints and are read-only
 * (there is no NumPy dtype for bfloat16).
 */
public enum DType {
    /** IEEE binary32, npy {@code <f4}, safetensors {@code F32}. */
    FLOAT32("<f4", 4),
    /** IEEE binary64, npy {@code <f8}, safetensors {@code F64}. */
    FLOAT64("<f8", 8),
    /** Signed 64-bit integer, npy {@code <i8}, safetensors {@code I64}. */
    INT64("<i8", 8),
    /** Signed 32-bit integer, npy {@code <i4}, safetensors {@code I32}. */
    INT32("<i4", 4),
    /** IEEE binary16, npy {@code <f2}, safetensors {@code F16}; read-only. */
    FLOAT16("<f2", 2),
    /** bfloat16 (upper half of a binary32), safetensors {@code BF16}; read-only, no npy form. */
    BFLOAT16(null, 2);

    private final String npyDescr;
    private final int itemSize;

    DType(String npyDescr, int itemSize) {
        this.npyDescr = npyDescr;
        this.itemSize = itemSize;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** The little-endian NumPy descr string, e.g. {@code <f8}. */
    public String npyDescr() {
        if (npyDescr == null) {
            throw new UnsupportedOperationException(this + " has no NumPy dtype");
        }
        return npyDescr;
    }

    /** True for the floating-point types. */
    public boolean isFloatingPoint() {
        return this != INT64 && this != INT32;
    }

    /** True if values of this type can be written (the half-precision types are read-only). */
    public boolean isWritable() {
        return this != FLOAT16 && this != BFLOAT16;
    }

    /** Lower-case NumPy-style name, e.g. {@code float64}. */
    public String numpyName() {
        return switch (this) {
            case FLOAT32 -> "float32";
            case FLOAT64 -> "float64";
            case INT64 -> "int64";
            case INT32 -> "int32";
            case FLOAT16 -> "float16";
            case BFLOAT16 -> "bfloat16";
        };
    }
}
