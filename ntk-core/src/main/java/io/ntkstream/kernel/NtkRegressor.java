package io.ntkstream.kernel;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Online NTK regression / classification, River style: {@link #learnOne} a labeled sample,
 * {@link #forget} one, {@link #predictOne} — each prediction is what the network f0 would predict
 * after being fine-tuned on the samples learned so far (linearized; see {@link KernelState} for
 * the formulas and conventions). Per sample O(n²) work plus one kernel row.
 *
 * <p>Classification ({@code classes = C}): class c is learned as the target e_c − 1/C (see
 * {@link ClassTargets}); predictions carry softmax(μ) and its arg-max.
 *
 * <p>With a window, learning sample n+1 first evicts the oldest. Not thread-safe.
 */
public final class NtkRegressor implements AutoCloseable {
    private static final int MAGIC = 0x4e544b52; // "NTKR"
    private static final int FORMAT = 1;

    private final FeatureKernel kernel;
    private final RegressorSettings settings;
    private final KernelState state;

    public NtkRegressor(FeatureKernel kernel) {
        this(kernel, RegressorSettings.defaults());
    }

    public NtkRegressor(FeatureKernel kernel, RegressorSettings settings) {
        this(kernel, settings, new KernelState(kernel, settings.ridge(), settings.jitterTolerance()));
    }

    private NtkRegressor(FeatureKernel kernel, RegressorSettings settings, KernelState state) {
        if (settings.isClassification() && settings.classes() != kernel.outputs()) {
            throw new IllegalArgumentException("classes: the kernel has O = " + kernel.outputs()
                    + " outputs, so classification needs classes = " + kernel.outputs() + ", got "
                    + settings.classes());
        }
        this.kernel = kernel;
        this.settings = settings;
        this.state = state;
    }

    /**
     * What learning one sample did: the new Cholesky pivot, jitter added (0 if none), the ids the
     * window evicted to make room (in a batch larger than the window, a sample evicted within the
     * batch reports pivot 0 and itself).
     */
    public record LearnResult(double pivot, double jitterAdded, List<String> evicted) {
        public boolean jittered() {
            return jitterAdded > 0;
        }
    }

    public FeatureKernel kernel() {
        return kernel;
    }

    public RegressorSettings settings() {
        return settings;
    }

    /** The learned state (for leave-one-out residuals, serialization of rows, ...). */
    public KernelState state() {
        return state;
    }

    public int size() {
        return state.size();
    }

    /** A fresh, untrained learner with the same kernel and settings (River's clone). */
    public NtkRegressor untrainedCopy() {
        return new NtkRegressor(kernel, settings);
    }

    // ------------------------------------------------------------------ learning

    /** Learns a regression target y (O values) for input x (input_dim values). */
    public LearnResult learnOne(String id, double[] x, double[] y) {
        if (settings.isClassification()) {
            throw new IllegalArgumentException("y: this learner classifies (classes = " + settings.classes()
                    + "); learn a class index instead of a target vector");
        }
        return learn(id, x, y);
    }

    /** Learns class {@code label} in [0, classes) for input x. */
    public LearnResult learnOne(String id, double[] x, int label) {
        if (!settings.isClassification()) {
            throw new IllegalArgumentException("label: this learner does regression (classes = 0); "
                    + "learn a target vector, or set classes");
        }
        return learn(id, x, ClassTargets.encode(label, settings.classes()));
    }

    private LearnResult learn(String id, double[] x, double[] y) {
        if (state.contains(id)) {
            throw new IllegalArgumentException("id '" + id + "' is already learned; forget it first");
        }
        KernelState.requireValues(x, kernel.inputDim(), "x (input_dim)");
        KernelState.requireValues(y, kernel.outputs(), "y (O outputs)");
        List<String> evicted = makeRoom(1);
        IncrementalCholesky.AddResult r = state.add(id, x, y);
        return new LearnResult(r.pivot(), r.jitterAdded(), evicted);
    }

    /**
     * Learns m samples at once (x: input_dim x m; regression targets m x O) with one network
     * pass: the same state as m calls of {@link #learnOne} in order (window included).
     */
    public List<LearnResult> learnMany(List<String> ids, Matrix x, double[][] y) {
        if (settings.isClassification()) {
            throw new IllegalArgumentException("y: this learner classifies; use learnManyLabels");
        }
        return learnBatch(ids, x, y);
    }

    /** Classification version of {@link #learnMany}: one class index per sample. */
    public List<LearnResult> learnManyLabels(List<String> ids, Matrix x, long[] labels) {
        if (!settings.isClassification()) {
            throw new IllegalArgumentException("labels: this learner does regression (classes = 0)");
        }
        if (labels.length != ids.size()) {
            throw new IllegalArgumentException("labels: expected " + ids.size() + " (one per id), got " + labels.length);
        }
        double[][] y = new double[labels.length][];
        for (int i = 0; i < labels.length; i++) {
            y[i] = ClassTargets.encode(labels[i], settings.classes());
        }
        return learnBatch(ids, x, y);
    }

    private List<LearnResult> learnBatch(List<String> ids, Matrix x, double[][] y) {
        int m = ids.size();
        if (x.cols() != m || x.rows() != kernel.inputDim()) {
            throw new IllegalArgumentException("x: expected input_dim x m = " + kernel.inputDim() + " x " + m
                    + " (one column per id), got " + x.rows() + "x" + x.cols());
        }
        int skip = settings.window() > 0 ? Math.max(0, m - settings.window()) : 0;
        if (y.length != m) {
            throw new IllegalArgumentException("y: expected " + m + " rows (one per id), got " + y.length);
        }
        for (int i = 0; i < m; i++) {
            KernelState.requireValues(y[i], kernel.outputs(), "y of '" + ids.get(i) + "' (O outputs)");
        }
        if (new java.util.HashSet<>(ids).size() != m) {
            throw new IllegalArgumentException("ids: the batch repeats an id");
        }
        for (String id : ids) {
            if (state.contains(id)) {
                throw new IllegalArgumentException("id '" + id + "' is already learned; forget it first");
            }
        }
        List<LearnResult> results = new ArrayList<>(m);
        for (int i = 0; i < skip; i++) { // learned and evicted again within the batch: a sequential learner ends the same
            results.add(new LearnResult(0.0, 0.0, List.of(ids.get(i))));
        }
        List<String> evicted = makeRoom(m - skip);
        List<String> kept = ids.subList(skip, m);
        List<IncrementalCholesky.AddResult> added;
        if (skip == 0) {
            added = state.addAll(kept, x, y);
        } else {
            double[] values = x.toColumnMajor();
            int d = x.rows();
            try (Matrix tail = Matrix.fromColumnMajor(Precision.FLOAT64, d, m - skip,
                    Arrays.copyOfRange(values, skip * d, m * d))) {
                added = state.addAll(kept, tail, Arrays.copyOfRange(y, skip, m));
            }
        }
        for (int i = 0; i < added.size(); i++) {
            IncrementalCholesky.AddResult r = added.get(i);
            results.add(new LearnResult(r.pivot(), r.jitterAdded(), i == 0 ? evicted : List.of()));
        }
        return results;
    }

    /** Evicts the oldest samples so that {@code incoming} more fit in the window. */
    private List<String> makeRoom(int incoming) {
        if (settings.window() == 0) {
            return List.of();
        }
        List<String> evicted = new ArrayList<>();
        while (state.size() > 0 && state.size() + incoming > settings.window()) {
            evicted.add(state.ids().get(0));
            state.removeAt(0);
        }
        return evicted;
    }

    /** Forgets a sample (Cholesky downdate-free removal, O(n²)); false if it was not learned. */
    public boolean forget(String id) {
        return state.remove(id);
    }

    // ------------------------------------------------------------------ predicting

    /** The prediction for one input (input_dim values) at the settings' training time. */
    public Prediction predictOne(double[] x) {
        if (x == null || x.length != kernel.inputDim()) {
            throw new IllegalArgumentException("x: expected " + kernel.inputDim() + " values (input_dim), got "
                    + (x == null ? "null" : x.length));
        }
        try (Matrix m = Matrix.fromColumnMajor(Precision.FLOAT64, x.length, 1, x)) {
            return predict(m).get(0);
        }
    }

    /** Predictions for x (input_dim x m, one column per sample) at the settings' training time. */
    public List<Prediction> predict(Matrix x) {
        return predict(x, settings.time());
    }

    /** Predictions at training time {@code time} (the variance is the GP posterior's, for any t). */
    public List<Prediction> predict(Matrix x, TrainingTime time) {
        Gaussian g = state.predict(x, time, true);
        List<Prediction> out = new ArrayList<>(g.size());
        for (int i = 0; i < g.size(); i++) {
            out.add(settings.isClassification() ? Prediction.classification(g.mean()[i], g.variance()[i])
                    : Prediction.regression(g.mean()[i], g.variance()[i]));
        }
        return out;
    }

    // ------------------------------------------------------------------ serialization

    /** Settings and state as bytes (the state row-wise, see {@link KernelState#toBytes()}). */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeDouble(settings.ridge());
            out.writeDouble(settings.jitterTolerance());
            out.writeInt(settings.window());
            out.writeInt(settings.classes());
            out.writeDouble(settings.time().time());
            out.writeDouble(settings.time().learningRate());
            byte[] s = state.toBytes();
            out.writeInt(s.length);
            out.write(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * A learner from its rows (as {@code state().records()} gave them, e.g. read back from a
     * streaming state backend), with no kernel evaluation; {@code kernel} must be the one the rows
     * were computed with.
     */
    public static NtkRegressor restore(FeatureKernel kernel, RegressorSettings settings, List<SampleRecord> rows) {
        return new NtkRegressor(kernel, settings,
                KernelState.restore(kernel, settings.ridge(), settings.jitterTolerance(), rows));
    }

    /**
     * The same samples under another kernel (a new checkpoint version): features, f0, Gram and
     * Cholesky recomputed from the stored raw inputs and targets, in order. This learner is unchanged.
     */
    public NtkRegressor rebuild(FeatureKernel newKernel) {
        if (newKernel.inputDim() != kernel.inputDim() || newKernel.outputs() != kernel.outputs()) {
            throw new IllegalArgumentException("new kernel has input_dim " + newKernel.inputDim() + ", O "
                    + newKernel.outputs() + "; the stored samples have input_dim " + kernel.inputDim() + ", O "
                    + kernel.outputs());
        }
        return new NtkRegressor(newKernel, settings, state.rebuild(newKernel));
    }

    /** A learner from {@link #toBytes()}, on the kernel it was trained with. */
    public static NtkRegressor fromBytes(FeatureKernel kernel, byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a serialized NtkRegressor (bad magic)");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("NtkRegressor format " + format + " is not supported (expected "
                        + FORMAT + ")");
            }
            RegressorSettings settings = new RegressorSettings(in.readDouble(), in.readDouble(), in.readInt(),
                    in.readInt(), new TrainingTime(in.readDouble(), in.readDouble()));
            byte[] s = new byte[in.readInt()];
            in.readFully(s);
            return new NtkRegressor(kernel, settings, KernelState.fromBytes(kernel, s));
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt NtkRegressor bytes: " + e, e);
        }
    }

    @Override
    public void close() {
        state.close();
    }
}
