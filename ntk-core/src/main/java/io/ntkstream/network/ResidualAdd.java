package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;

/**
 * The end of a residual block, out = scale·branch + shortcut. As a layer it is the branch's part,
 * a ↦ scale·a (its input is the branch's output); the {@link Network} adds the shortcut value
 * ({@link #shortcutSource()}, see {@link Network#sourceOf}) in the forward pass and the JVP, and sends
 * the output cotangent unchanged back to the shortcut — so where the two paths meet again (the
 * block's input), their cotangents add.
 */
public record ResidualAdd(int dim, int shortcutSource, double scale) implements Layer {

    @Override public int inDim() { return dim; }

    @Override public int outDim() { return dim; }

    @Override public int paramCount() { return 0; }

    /** scale·branch (a new matrix); the network adds the shortcut. */
    @Override
    public Matrix forward(Matrix input) {
        return scale == 1.0 ? input.copy() : input.map(v -> scale * v);
    }

    /** The branch's cotangent, scale·∂L/∂out; the shortcut's is ∂L/∂out itself. */
    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        return forward(outputCotangent);
    }

    /** scale·(branch tangent), a new matrix (null when the branch has none); the network adds the shortcut's. */
    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        return inputTangent == null ? null : forward(inputTangent);
    }
}
