package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;
import java.util.List;

/** A forward pass kept for differentiation: the input of every layer, and the output. */
public record ForwardTrace(List<Matrix> layerInputs, Matrix output) {

    public Matrix inputOf(int layer) {
        return layerInputs.get(layer);
    }

    public int samples() {
        return output.cols();
    }
}
