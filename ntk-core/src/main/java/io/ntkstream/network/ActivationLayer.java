package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;

/** An elementwise nonlinearity; no parameters, so it enters the NTK only through cotangents. */
public record ActivationLayer(Activation activation, int dim) implements Layer {

    @Override public int inDim() { return dim; }

    @Override public int outDim() { return dim; }

    @Override public int paramCount() { return 0; }

    @Override
    public Matrix forward(Matrix input) {
        return input.map(activation::value);
    }

    /** ∂L/∂z = ∂L/∂a ⊙ φ'(z), each sample's φ'(z) shared by its group of cotangent columns. */
    @Override
    public Matrix backward(Matrix outputCotangent, Matrix input, int group) {
        return outputCotangent.timesMapped(input, activation::derivative, group, false);
    }

    @Override
    public Matrix jvp(Matrix input, Matrix inputTangent, Matrix paramTangents, int directions) {
        if (inputTangent == null) {
            return null;
        }
        return inputTangent.timesMapped(input, activation::derivative, 1, true);
    }
}
