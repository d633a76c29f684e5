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
 *
 * <p>The layers are a flat list in evaluation order; layer l reads value {@link #sourceOf(int)}
 * (value 0 = the input, value l + 1 = layer l's output; l itself for a plain sequence). A residual
 * block appears as its branch's layers, its shortcut's layers and a {@link ResidualAdd}, which also
 * adds its shortcut value; in reverse mode the cotangents of a value read twice add up.
 */
public final class Network {
    private final Architecture architecture;
    private final Precision precision;
    private final List<Layer> layers;
    private final int[] sources;
    /** The last layer reading each value (as input or shortcut), to free tangents early. */
    private final int[] lastUse;
    private final int paramCount;

    Network(Architecture architecture, Precision precision, List<Layer> layers, int[] sources) {
        this.architecture = architecture;
        this.precision = precision;
        this.layers = List.copyOf(layers);
        this.sources = sources.clone();
        this.lastUse = new int[layers.size() + 1];
        for (int l = 0; l < layers.size(); l++) {
            if (sources[l] < 0 || sources[l] > l) {
                throw new IllegalArgumentException("layer " + l + " reads value " + sources[l] + ", not computed before it");
            }
            lastUse[sources[l]] = l;
            if (layers.get(l) instanceof ResidualAdd r) {
                lastUse[r.shortcutSource()] = l;
            }
        }
        lastUse[layers.size()] = layers.size();
        this.paramCount = this.layers.stream().mapToInt(Layer::paramCount).sum();
    }

    /**
     * Checks inputs (input_dim x n) against what the layers reading them accept beyond their
     * dimension — token ids of an {@code embedding} must be integers in [0, num_embeddings) — without
     * running the network; throws IllegalArgumentException naming the layer, position and sample.
     */
    public void checkInput(Matrix x) {
        for (int l = 0; l < layers.size(); l++) {
            if (sources[l] == 0 && layers.get(l) instanceof EmbeddingLayer embedding) {
                embedding.tokenIds(x);
            }
        }
    }

    /** The value layer {@code layer} reads: 0 = the network input, l + 1 = the output of layer l. */
    public int sourceOf(int layer) {
        return sources[layer];
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
        List<Matrix> values = new ArrayList<>(layers.size() + 1);
        Matrix a = x.toPrecision(precision);
        boolean converted = a != x;
        values.add(a);
        for (int l = 0; l < layers.size(); l++) {
            Matrix out = layers.get(l).forward(values.get(sources[l]));
            if (layers.get(l) instanceof ResidualAdd r) {
                out.addScaled(values.get(r.shortcutSource()), 1.0);
            }
            values.add(out);
        }
        return new ForwardTrace(values, sources, converted);
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
        // delta[v]: the cotangent of value v, complete once every layer reading v (all after it) is done
        Matrix[] delta = new Matrix[layers.size() + 1];
        delta[layers.size()] = seed.toPrecision(precision);
        Matrix[] cotangents = new Matrix[layers.size()];
        for (int l = layers.size() - 1; l >= 0; l--) {
            Matrix d = delta[l + 1];
            if (d == null) { // a value nothing reads (cannot happen in a built network)
                d = Matrix.zeros(precision, layers.get(l).outDim(), seed.cols());
            }
            cotangents[l] = d;
            if (sources[l] > 0) {
                accumulate(delta, sources[l], layers.get(l).backward(d, trace.inputOf(l), group), true);
            }
            if (layers.get(l) instanceof ResidualAdd r && r.shortcutSource() > 0) {
                accumulate(delta, r.shortcutSource(), d, false);
            }
        }
        return List.of(cotangents);
    }

    /** delta[v] += m; {@code owned}: m is a fresh matrix that may become delta[v] (else it is copied). */
    private static void accumulate(Matrix[] delta, int v, Matrix m, boolean owned) {
        if (delta[v] == null) {
            delta[v] = owned ? m : m.copy();
        } else {
            delta[v].addScaled(m, 1.0);
            if (owned) {
                m.close();
            }
        }
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
        Matrix[] t = new Matrix[layers.size() + 1]; // the tangent of every value; the input's is 0 (null)
        for (int l = 0; l < layers.size(); l++) {
            Matrix next = layers.get(l).jvp(trace.inputOf(l), t[sources[l]], tangents, directions);
            if (layers.get(l) instanceof ResidualAdd r && t[r.shortcutSource()] != null) {
                // ResidualAdd's own JVP returns a fresh matrix (or null), safe to add into
                if (next == null) {
                    next = t[r.shortcutSource()].copy();
                } else {
                    next.addScaled(t[r.shortcutSource()], 1.0);
                }
            }
            t[l + 1] = next;
            // free tangents no later layer reads (a layer may return its input tangent itself)
            for (int v = 0; v <= l; v++) {
                if (t[v] != null && lastUse[v] == l && !aliased(t, v, l + 1)) {
                    t[v].close();
                }
                if (lastUse[v] == l) {
                    t[v] = null;
                }
            }
        }
        if (tangents != paramTangents) {
            tangents.close();
        }
        return t[layers.size()];
    }

    /** Whether t[v] is the same matrix as a live tangent t[w], w ≠ v, w ≤ upTo. */
    private boolean aliased(Matrix[] t, int v, int upTo) {
        for (int w = 0; w <= upTo; w++) {
            if (w != v && t[w] == t[v] && (w == upTo || lastUse[w] >= upTo)) {
                return true;
            }
        }
        return false;
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
