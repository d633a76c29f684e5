package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;
import java.util.List;

/**
 * A forward pass kept for differentiation: the input of every layer, and the output.
 * {@link #close()} frees what the pass allocated (not the caller's input x).
 */
public record ForwardTrace(List<Matrix> layerInputs, Matrix output, boolean ownsInput) implements AutoCloseable {

    public ForwardTrace(List<Matrix> layerInputs, Matrix output) {
        this(layerInputs, output, false);
    }

    /** Frees every layer input but x (unless the pass converted x) and the output. */
    @Override
    public void close() {
        for (int l = ownsInput ? 0 : 1; l < layerInputs.size(); l++) {
            layerInputs.get(l).close();
        }
        output.close();
    }

    /** Frees the layer inputs and output not in {@code keep} (compared by identity). */
    public void closeExcept(java.util.Collection<Matrix> keep) {
        for (int l = ownsInput ? 0 : 1; l < layerInputs.size(); l++) {
            Matrix m = layerInputs.get(l);
            if (keep.stream().noneMatch(k -> k == m)) {
                m.close();
            }
        }
        if (keep.stream().noneMatch(k -> k == output)) {
            output.close();
        }
    }

    public Matrix inputOf(int layer) {
        return layerInputs.get(layer);
    }

    public int samples() {
        return output.cols();
    }
}
