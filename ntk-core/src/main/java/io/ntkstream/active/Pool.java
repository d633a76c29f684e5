package io.ntkstream.active;

import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.KernelFeatures;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool U of unlabeled candidates: ids and raw inputs, their kernel features, f0(U) and the
 * prior Gram matrix k(U,U), each computed once, when the pool is made. Candidates that get labeled
 * are {@link #remove removed}; the pool then answers for the remaining ones only (the cached
 * features and k(U,U) of the original pool are kept and indexed, not recomputed).
 *
 * <p>Holds native memory (the inputs and features): {@link #close()} it. Not thread-safe.
 */
public final class Pool implements AutoCloseable {
    private final FeatureKernel kernel;
    private final List<String> allIds;
    private final Map<String, Integer> index = new HashMap<>();
    private final Matrix x;
    private final double[] xValues;
    private final KernelFeatures features;
    /** f0, m_all x O. */
    private final double[][] f0;
    private final boolean[] removed;
    private int remaining;
    /** k(U,U) of the original pool, row-major m_all x m_all, exactly symmetric. */
    private final double[] prior;

    private Pool(FeatureKernel kernel, List<String> ids, Matrix x) {
        this.kernel = kernel;
        this.allIds = List.copyOf(ids);
        for (int i = 0; i < allIds.size(); i++) {
            if (index.put(allIds.get(i), i) != null) {
                throw new IllegalArgumentException("pool ids: '" + allIds.get(i) + "' appears twice");
            }
        }
        this.x = x;
        this.xValues = x.toColumnMajor();
        for (int i = 0; i < xValues.length; i++) {
            if (!Double.isFinite(xValues[i])) {
                throw new IllegalArgumentException("pool x: sample " + i / x.rows() + " ('" + allIds.get(i / x.rows())
                        + "') has a NaN or infinite value");
            }
        }
        this.features = kernel.featurize(x);
        try {
            int o = kernel.outputs();
            this.f0 = new double[allIds.size()][o];
            double[] v = kernel.f0(features, x);
            for (int i = 0; i < f0.length; i++) {
                System.arraycopy(v, i * o, f0[i], 0, o);
            }
            this.removed = new boolean[allIds.size()];
            this.remaining = allIds.size();
            int m = allIds.size();
            this.prior = kernel.cross(features, features);
            for (int i = 0; i < m; i++) { // exactly symmetric
                for (int j = 0; j < i; j++) {
                    double s = 0.5 * (prior[i * m + j] + prior[j * m + i]);
                    prior[i * m + j] = s;
                    prior[j * m + i] = s;
                }
            }
        } catch (RuntimeException e) {
            features.close();
            throw e;
        }
    }

    /**
     * A pool of m candidates: {@code x} is input_dim x m, one column per id (copied; the caller
     * keeps ownership of {@code x}). One network pass computes the features and f0, then k(U,U):
     * O(m²) memory (32 MB for m = 2,000).
     */
    public static Pool of(FeatureKernel kernel, List<String> ids, Matrix x) {
        if (x.rows() != kernel.inputDim() || x.cols() != ids.size()) {
            throw new IllegalArgumentException("pool x: expected input_dim x m = " + kernel.inputDim() + " x "
                    + ids.size() + " (one column per id), got " + x.rows() + "x" + x.cols());
        }
        Matrix copy = x.toPrecision(Precision.FLOAT64);
        copy = copy == x ? x.copy() : copy;
        try {
            return new Pool(kernel, ids, copy);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /** A pool from rows: {@code x[i]} is candidate i's input (input_dim values). */
    public static Pool of(FeatureKernel kernel, List<String> ids, double[][] x) {
        if (x.length != ids.size()) {
            throw new IllegalArgumentException("pool x: expected " + ids.size() + " rows (one per id), got " + x.length);
        }
        if (x.length == 0) {
            throw new IllegalArgumentException("pool: needs at least one candidate");
        }
        int d = kernel.inputDim();
        double[] v = new double[x.length * d];
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException("pool x: row " + i + " ('" + ids.get(i) + "') has " + x[i].length
                        + " values, expected input_dim = " + d);
            }
            System.arraycopy(x[i], 0, v, i * d, d);
        }
        Matrix m = Matrix.fromColumnMajor(Precision.FLOAT64, d, x.length, v);
        try {
            return new Pool(kernel, ids, m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public FeatureKernel kernel() {
        return kernel;
    }

    /** Candidates still in the pool. */
    public int size() {
        return remaining;
    }

    public boolean isEmpty() {
        return remaining == 0;
    }

    /** Ids of the remaining candidates, in their original order. */
    public List<String> ids() {
        List<String> out = new ArrayList<>(remaining);
        for (int i = 0; i < allIds.size(); i++) {
            if (!removed[i]) {
                out.add(allIds.get(i));
            }
        }
        return out;
    }

    public boolean contains(String id) {
        Integer i = index.get(id);
        return i != null && !removed[i];
    }

    /** The raw input of a candidate (removed or not; a copy). */
    public double[] x(String id) {
        int i = require(id);
        int d = kernel.inputDim();
        return Arrays.copyOfRange(xValues, i * d, (i + 1) * d);
    }

    /** Takes a candidate out of the pool (e.g. once labeled); false if it was not in it. */
    public boolean remove(String id) {
        Integer i = index.get(id);
        if (i == null || removed[i]) {
            return false;
        }
        removed[i] = true;
        remaining--;
        return true;
    }

    /** Removes every id of {@code ids} that is in the pool. */
    public void removeAll(Collection<String> ids) {
        for (String id : ids) {
            remove(id);
        }
    }

    private int require(String id) {
        Integer i = index.get(id);
        if (i == null) {
            throw new IllegalArgumentException("pool: no candidate '" + id + "'");
        }
        return i;
    }

    // ---------------------------------------------------------------- for PoolPosterior

    /** Positions (in the original pool) of the remaining candidates, ascending. */
    int[] positions() {
        int[] p = new int[remaining];
        int k = 0;
        for (int i = 0; i < removed.length; i++) {
            if (!removed[i]) {
                p[k++] = i;
            }
        }
        return p;
    }

    int originalSize() {
        return allIds.size();
    }

    String originalId(int position) {
        return allIds.get(position);
    }

    KernelFeatures features() {
        return features;
    }

    double[] f0(int position) {
        return f0[position];
    }

    /** k(U,U) of the original pool, row-major. Do not modify. */
    double[] prior() {
        return prior;
    }

    @Override
    public void close() {
        features.close();
        x.close();
    }
}
