package io.ntkstream.network;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * A feed-forward network with its parameters, in one precision. Inputs are
 * {@code input_dim x N} matrices (one column per sample; a C x H x W sample flattened in C
 * order, see {@link TensorShape}); outputs {@code O x N}.
 * Forward, JVP and VJP are with respect to the parameters (the NTK's variables).
 */
public final class Network {
    private final Architecture architecture;
    private final Precision precision;
    private final List<Layer> layers;
    private final int paramCount;

    Network(Architecture architecture, Precision precision, List<Layer> layers) {
        this.architecture = architecture;
        this.precision = precision;
        this.layers = List.copyOf(layers);
        this.paramCount = this.layers.stream().mapToInt(Layer::paramCount).sum();
    }

    public Architecture architecture() {
        return architecture;
    }

    public Precision precision() {
        return precision;
    }

    public List<Layer> layers() {
        return layers;
    }

    /** The layers with trainable parameters, in order. */
    public List<ParameterLayer> parameterLayers() {
        return layers.stream().filter(ParameterLayer.class::isInstance).map(ParameterLayer.class::cast).toList();
    }

    public List<DenseLayer> denseLayers() {
        return layers.stream().filter(DenseLayer.class::isInstance).map(DenseLayer.class::cast).toList();
    }

    public int inputDim() {
        return architecture.inputDim();
    }

    public int outputDim() {
        return architecture.outputDim();
    }

    /** Total number of trainable parameters P (all weights and biases). */
    public int paramCount() {
        return paramCount;
    }

    public ForwardTrace forward(Matrix x) {
        requireInput(x);
        List<Matrix> inputs = new ArrayList<>(layers.size());
        Matrix a = x.toPrecision(precision);
        boolean converted = a != x;
        for (Layer layer : layers) {
            inputs.add(a);
            a = layer.forward(a);
        }
        return new ForwardTrace(inputs, a, converted);
    }

    /** f(x): O x N. */
    public Matrix apply(Matrix x) {
        return forward(x).output();
    }

    /**
     * Backpropagates {@code seed} (O x N·group cotangents, column c belonging to sample c/group)
     * and returns the cotangent at the output of every layer (index-aligned with {@link #layers()}).
     */
    public List<Matrix> backpropagate(ForwardTrace trace, Matrix seed, int group) {
        if (seed.rows() != outputDim() || seed.cols() != trace.samples() * group) {
            throw new IllegalArgumentException("cotangent seed must be " + outputDim() + "x" + trace.samples() * group
                    + ", got " + seed.rows() + "x" + seed.cols());
        }
        Matrix[] cotangents = new Matrix[layers.size()];
        Matrix d = seed.toPrecision(precision);
        for (int l = layers.size() - 1; l >= 0; l--) {
            cotangents[l] = d;
            if (l > 0) {
                d = layers.get(l).backward(d, trace.inputOf(l), group);
            }
        }
        return List.of(cotangents);
    }

    /** J(x)·v for T parameter tangents (P x T): returns O x (T·N), column t·N + n. */
    public Matrix jvp(Matrix x, Matrix paramTangents) {
        try (ForwardTrace trace = forward(x)) {
            return jvp(trace, paramTangents);
        }
    }

    public Matrix jvp(ForwardTrace trace, Matrix paramTangents) {
        if (paramTangents.rows() != paramCount) {
            throw new IllegalArgumentException("parameter tangents must have " + paramCount + " rows, got "
                    + paramTangents.rows());
        }
        Matrix tangents = paramTangents.toPrecision(precision);
        int directions = tangents.cols();
        Matrix t = null;
        for (int l = 0; l < layers.size(); l++) {
            Matrix next = layers.get(l).jvp(trace.inputOf(l), t, tangents, directions);
            if (t != null && next != t) {
                t.close();
            }
            t = next;
        }
        if (tangents != paramTangents) {
            tangents.close();
        }
        return t;
    }

    /** J(x)ᵀ·c summed over samples, for a cotangent c (O x N): a P x 1 vector. */
    public Matrix vjp(Matrix x, Matrix cotangent) {
        try (ForwardTrace trace = forward(x)) {
            List<Matrix> cot = backpropagate(trace, cotangent, 1);
            Matrix grad = Matrix.zeros(precision, paramCount, 1);
            for (int l = 0; l < layers.size(); l++) {
                if (layers.get(l) instanceof ParameterLayer layer) {
                    layer.parameterVjp(trace.inputOf(l), cot.get(l), grad);
                }
            }
            closeAll(cot, cotangent);
            return grad;
        }
    }

    /** Frees matrices of a list (e.g. backpropagated cotangents), except {@code keep}. */
    public static void closeAll(List<Matrix> matrices, Matrix keep) {
        for (Matrix m : matrices) {
            if (m != keep) {
                m.close();
            }
        }
    }

    /**
     * Per-column parameter gradients (Jacobian rows) of the backpropagated cotangents, written as
     * columns of {@code target} (P x C) starting at {@code targetColumn}.
     */
    public void parameterCotangents(ForwardTrace trace, List<Matrix> cotangents, int group, Matrix target,
                                    int targetColumn) {
        for (int l = 0; l < layers.size(); l++) {
            if (layers.get(l) instanceof ParameterLayer layer) {
                layer.parameterCotangents(trace.inputOf(l), cotangents.get(l), group, target, targetColumn);
            }
        }
    }

    private void requireInput(Matrix x) {
        if (x.rows() != inputDim()) {
            throw new IllegalArgumentException("input must have " + inputDim() + " features per sample (input_dim), got "
                    + x.rows());
        }
    }
}
