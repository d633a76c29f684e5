package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;
import java.util.ArrayList;
import java.util.List;

/**
 * A forward pass kept for differentiation: every value of the network — value 0 is the input x,
 * value l + 1 the output of layer l — and which value each layer read ({@code sources}; l for a
 * plain sequence, another one at a residual block's branch and shortcut).
 * {@link #close()} frees what the pass allocated (not the caller's input x).
 */
public record ForwardTrace(List<Matrix> values, int[] sources, boolean ownsInput) implements AutoCloseable {

    /** Frees every value but x (unless the pass converted x). */
    @Override
    public void close() {
        for (int v = ownsInput ? 0 : 1; v < values.size(); v++) {
            values.get(v).close();
        }
    }

    /** Frees the values not in {@code keep} (compared by identity). */
    public void closeExcept(java.util.Collection<Matrix> keep) {
        for (int v = ownsInput ? 0 : 1; v < values.size(); v++) {
            Matrix m = values.get(v);
            if (keep.stream().noneMatch(k -> k == m)) {
                m.close();
            }
        }
    }

    /** The input of layer {@code layer}. */
    public Matrix inputOf(int layer) {
        return values.get(sources[layer]);
    }

    /** The network's output (the last layer's). */
    public Matrix output() {
        return values.get(values.size() - 1);
    }

    public int samples() {
        return output().cols();
    }

    /** Samples [from, to) as views (closes nothing; never close it). */
    public ForwardTrace slice(int from, int to) {
        List<Matrix> views = new ArrayList<>(values.size());
        for (Matrix m : values) {
            views.add(m.columns(from, to));
        }
        return new ForwardTrace(views, sources, false);
    }
}
