package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ids of a kernel state's samples, oldest first, with constant-time membership, and the checks
 * every batch of new samples passes before anything is stored (one place for both states).
 */
final class SampleIds {
    private final List<String> order = new ArrayList<>();
    private final Set<String> set = new HashSet<>();

    int size() {
        return order.size();
    }

    /** A copy, oldest first. */
    List<String> list() {
        return List.copyOf(order);
    }

    String get(int index) {
        return order.get(index);
    }

    boolean contains(String id) {
        return set.contains(id);
    }

    /** The index of {@code id} (0 = oldest), −1 if absent. */
    int indexOf(String id) {
        return set.contains(id) ? order.indexOf(id) : -1;
    }

    void add(String id) {
        order.add(id);
        set.add(id);
    }

    void removeAt(int index) {
        set.remove(order.remove(index));
    }

    /**
     * A batch of m new samples: x is input_dim x m with finite values, one target of O values per
     * id, ids neither null, nor stored, nor repeated. Throws naming the field and what was expected;
     * returns x's values, column-major (sample i at i·input_dim).
     */
    double[] requireNewBatch(List<String> newIds, Matrix x, int inputDim, double[][] newTargets, int outputs) {
        int m = newIds.size();
        if (x.rows() != inputDim || x.cols() != m) {
            throw new IllegalArgumentException("x: expected input_dim x m = " + inputDim + " x " + m
                    + " (one column per id), got " + x.rows() + "x" + x.cols());
        }
        if (newTargets.length != m) {
            throw new IllegalArgumentException("targets: expected " + m + " rows (one per id), got " + newTargets.length);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < m; i++) {
            String id = newIds.get(i);
            if (id == null) {
                throw new IllegalArgumentException("id of sample " + i + " is null");
            }
            if (set.contains(id) || !seen.add(id)) {
                throw new IllegalArgumentException("id '" + id + "' is already stored; remove it first");
            }
            KernelState.requireValues(newTargets[i], outputs, "target of '" + id + "' (O outputs)");
        }
        double[] values = x.toColumnMajor();
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("x: sample " + i / inputDim + " ('" + newIds.get(i / inputDim)
                        + "') has a NaN or infinite value");
            }
        }
        return values;
    }
}
