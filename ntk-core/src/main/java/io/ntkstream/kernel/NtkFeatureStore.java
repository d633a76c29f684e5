package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Layer;
import io.ntkstream.network.Network;
import io.ntkstream.ntk.LayerFeatures;
import io.ntkstream.ntk.NtkFeatures;
import io.ntkstream.ntk.NtkMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Stored structured NTK features of a task's samples: per parameterized layer one growing
 * inputs matrix (fan_in x capacity) and one cotangents matrix (fan_out x capacity·g), in the
 * network's precision; capacity doubles when full. Sample i occupies column i (inputs) and
 * columns i·g .. i·g+g−1 (cotangents), so the first n samples are views usable directly by
 * {@link io.ntkstream.ntk.StructuredNtk#kernel}.
 *
 * <p>Exported values ({@link #sampleValues}) leave out the first layer's inputs when that layer is
 * the network's first (its inputs are x converted to the network's precision, which
 * {@link #appendValues} redoes exactly from x).
 */
final class NtkFeatureStore implements FeatureStore {
    private static final int INITIAL_CAPACITY = 16;

    private final NtkMode mode;
    private final int outputs;
    private final int g;
    private final Precision precision;
    private final List<Layer> layers = new ArrayList<>();
    /** The first parameterized layer is the network's first: its inputs are x (in the network's precision). */
    private final boolean firstInputsAreX;
    private final int inputDim;
    private final Matrix[] inputs;
    private final Matrix[] cotangents;
    private int size;
    private int capacity;

    NtkFeatureStore(Network network, NtkMode mode) {
        this.mode = mode;
        this.outputs = network.outputDim();
        this.g = mode.cotangentsPerSample(outputs);
        this.precision = network.precision();
        for (Layer layer : network.layers()) {
            if (layer.paramCount() > 0) {
                layers.add(layer);
            }
        }
        this.firstInputsAreX = !network.layers().isEmpty() && network.layers().get(0).paramCount() > 0;
        this.inputDim = network.inputDim();
        this.inputs = new Matrix[layers.size()];
        this.cotangents = new Matrix[layers.size()];
    }

    @Override
    public int size() {
        return size;
    }

    /** The stored samples as NTK features: views of the first n columns. Never close the result. */
    NtkFeatures view() {
        List<LayerFeatures> lf = new ArrayList<>(layers.size());
        for (int l = 0; l < layers.size(); l++) {
            lf.add(new LayerFeatures(layers.get(l), inputs[l].columns(0, size), cotangents[l].columns(0, size * g),
                    false));
        }
        return new NtkFeatures(mode, outputs, size, lf);
    }

    @Override
    public void append(KernelFeatures features, int index) {
        NtkFeatures f = EmpiricalNtkKernel.unwrap(features);
        requireSameKernel(f);
        if (index < 0 || index >= f.samples()) {
            throw new IndexOutOfBoundsException("sample " + index + " of " + f.samples());
        }
        ensureCapacity(size + 1);
        for (int l = 0; l < layers.size(); l++) {
            LayerFeatures lf = f.layers().get(l);
            inputs[l].setColumns(size, lf.inputs().columns(index, index + 1));
            cotangents[l].setColumns(size * g, lf.cotangents().columns(index * g, (index + 1) * g));
        }
        size++;
    }

    /** All samples at once: two bulk copies per layer instead of two per sample and layer. */
    @Override
    public void appendAll(KernelFeatures features) {
        NtkFeatures f = EmpiricalNtkKernel.unwrap(features);
        requireSameKernel(f);
        int m = f.samples();
        if (m == 0) {
            return;
        }
        ensureCapacity(size + m);
        for (int l = 0; l < layers.size(); l++) {
            LayerFeatures lf = f.layers().get(l);
            inputs[l].setColumns(size, lf.inputs().columns(0, m));
            cotangents[l].setColumns(size * g, lf.cotangents().columns(0, m * g));
        }
        size += m;
    }

    private void requireSameKernel(NtkFeatures f) {
        if (f.mode() != mode || f.layers().size() != layers.size() || f.outputs() != outputs) {
            throw new IllegalArgumentException("features of another kernel: mode " + f.mode() + ", "
                    + f.layers().size() + " layers, " + f.outputs() + " outputs; the store holds " + mode + ", "
                    + layers.size() + ", " + outputs);
        }
    }

    @Override
    public void remove(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("sample " + index + " of " + size);
        }
        for (int l = 0; l < layers.size(); l++) {
            shiftLeft(inputs[l], index, size, 1);
            shiftLeft(cotangents[l], index * g, size * g, g);
        }
        size--;
    }

    /** Moves columns [from + width, end) to [from, end − width). */
    private static void shiftLeft(Matrix m, int from, int end, int width) {
        if (from + width < end) {
            double[] moved = m.columns(from + width, end).toColumnMajor();
            m.columns(from, end - width).setColumnMajor(moved);
        }
    }

    @Override
    public int valuesPerSample() {
        int v = 0;
        for (int l = 0; l < layers.size(); l++) {
            v += (l == 0 && firstInputsAreX ? 0 : layers.get(l).inDim()) + g * layers.get(l).outDim();
        }
        return v;
    }

    @Override
    public double[] sampleValues(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("sample " + index + " of " + size);
        }
        double[] out = new double[valuesPerSample()];
        int at = 0;
        for (int l = 0; l < layers.size(); l++) {
            if (l > 0 || !firstInputsAreX) {
                double[] in = new double[layers.get(l).inDim()];
                inputs[l].readColumn(index, in);
                System.arraycopy(in, 0, out, at, in.length);
                at += in.length;
            }
            double[] cot = new double[layers.get(l).outDim()];
            for (int k = 0; k < g; k++) {
                cotangents[l].readColumn(index * g + k, cot);
                System.arraycopy(cot, 0, out, at, cot.length);
                at += cot.length;
            }
        }
        return out;
    }

    @Override
    public void appendValues(double[] x, double[] values) {
        if (x.length != inputDim) {
            throw new IllegalArgumentException("x: expected " + inputDim + " values (input_dim), got " + x.length);
        }
        if (values.length != valuesPerSample()) {
            throw new IllegalArgumentException("features: expected " + valuesPerSample()
                    + " values per sample for this network and mode, got " + values.length);
        }
        ensureCapacity(size + 1);
        int at = 0;
        for (int l = 0; l < layers.size(); l++) {
            int in = layers.get(l).inDim();
            if (l == 0 && firstInputsAreX) {
                inputs[l].setColumnSegment(size, 0, x); // narrowed to the network's precision as the forward pass does
            } else {
                inputs[l].setColumnSegment(size, 0, java.util.Arrays.copyOfRange(values, at, at + in));
                at += in;
            }
            int out = layers.get(l).outDim();
            for (int k = 0; k < g; k++) {
                cotangents[l].setColumnSegment(size * g + k, 0, java.util.Arrays.copyOfRange(values, at, at + out));
                at += out;
            }
        }
        size++;
    }

    private void ensureCapacity(int needed) {
        if (needed <= capacity) {
            return;
        }
        int next = Math.max(INITIAL_CAPACITY, Math.max(needed, 2 * capacity));
        for (int l = 0; l < layers.size(); l++) {
            inputs[l] = grow(inputs[l], layers.get(l).inDim(), next, size);
            cotangents[l] = grow(cotangents[l], layers.get(l).outDim(), next * g, size * g);
        }
        capacity = next;
    }

    private Matrix grow(Matrix old, int rows, int cols, int used) {
        Matrix m = Matrix.zeros(precision, rows, cols);
        if (old != null) {
            if (used > 0) {
                m.setColumns(0, old.columns(0, used));
            }
            old.close();
        }
        return m;
    }

    @Override
    public void close() {
        for (int l = 0; l < layers.size(); l++) {
            if (inputs[l] != null) {
                inputs[l].close();
                cotangents[l].close();
                inputs[l] = null;
                cotangents[l] = null;
            }
        }
        size = 0;
        capacity = 0;
    }
}
