package io.ntkstream.network.checkpoint;

import io.ntkstream.data.DType;
import io.ntkstream.data.NdArray;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named checkpoint tensor: values in C (row-major) order as doubles, with the dtype it was stored
 * as. Arrays are not copied; equality compares all components by content.
 */
public record NamedTensor(String name, int[] shape, double[] values, DType storedAs) {

    /** Validates that {@code values.length} equals the product of {@code shape}. */
    public NamedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(storedAs, "storedAs");
        long n = NdArray.elementCount(shape);
        if (n != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds "
                    + n + " values but " + values.length + " were given");
        }
    }

    /** The same data as an {@link NdArray}. */
    public NdArray toNdArray() {
        return new NdArray(shape, values, storedAs);
    }

    /** Copies a 2-D tensor (e.g. a weight, out × in) into {@code double[rows][cols]}. */
    public double[][] toMatrix() {
        if (shape.length != 2) {
            throw new IllegalStateException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + ", expected 2-D");
        }
        return toNdArray().toMatrix();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedTensor t && name.equals(t.name) && storedAs == t.storedAs
                && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, storedAs, Arrays.hashCode(shape), Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return "NamedTensor['" + name + "', shape=" + Arrays.toString(shape) + ", storedAs=" + storedAs + "]";
    }
}
