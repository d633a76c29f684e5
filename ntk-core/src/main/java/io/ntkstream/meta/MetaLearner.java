package io.ntkstream.meta;

import io.ntkstream.kernel.KernelState;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.kernel.TrainingTime;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Learns the adaptation hyper-parameters (ridge λ, training time η·t) across a stream of tasks
 * that share one checkpoint.
 *
 * <p>Each observed task scores every point of a fixed grid from its own labels, in closed form
 * ({@link TaskSpectrum#score}: exact leave-one-out for ridge candidates; for finite-time
 * candidates GCV, one eigendecomposition per task, or — {@link FlowScore#LOO}, better for
 * few-shot tasks — exact leave-one-out by n closed-form refits; {@link FlowScore#AUTO}, the
 * default, takes LOO up to {@link FlowScore#AUTO_LOO_MAX_SAMPLES} samples and GCV above, so the
 * library and {@code meta-sim} agree). The learner keeps, per grid point, the running
 * mean of the scores over the tasks seen — an estimate of the mean squared error a new task would
 * get with that grid point — and {@link #current()} is its arg-min, so a new task starts from
 * what earlier tasks taught. A task with at least {@code minOwnLabels} labels may use its own
 * arg-min instead ({@link #choose}).
 *
 * <p>The scores are per-value squared errors in the targets' units, so tasks with larger targets
 * weigh more, exactly as they do in a mean query error. The grid is in the kernel's units (λ is
 * added to K's diagonal; η·t multiplies K/n): it belongs to a checkpoint, and a new checkpoint
 * version starts a new learner. Not thread-safe.
 */
public final class MetaLearner {
    private static final int MAGIC = 0x4e544b4d; // "NTKM"
    private static final int FORMAT = 1;

    private final List<HyperParameters> grid;
    private final HyperParameters initial;
    private final int minOwnLabels;
    private final FlowScore flowScore;
    private final double[] meanScores;
    private long tasks;

    /** One task's scores over the grid and the index of its own best grid point (−1 for an empty task). */
    public record TaskEvaluation(List<HyperParameters> grid, double[] scores, int bestIndex) {
        public HyperParameters best() {
            return bestIndex < 0 ? null : grid.get(bestIndex);
        }
    }

    /**
     * @param grid         the candidates (at least one)
     * @param initial      the choice before any task was observed (need not be on the grid)
     * @param minOwnLabels a task with at least this many labels uses its own choice; 0 = never
     * @param flowScore    how tasks score finite training times (ridge: exact leave-one-out)
     */
    public MetaLearner(List<HyperParameters> grid, HyperParameters initial, int minOwnLabels, FlowScore flowScore) {
        if (grid == null || grid.isEmpty()) {
            throw new IllegalArgumentException("grid: expected at least one hyper-parameter candidate");
        }
        if (initial == null) {
            throw new IllegalArgumentException("initial must not be null (e.g. HyperParameters.defaults())");
        }
        if (minOwnLabels < 0) {
            throw new IllegalArgumentException("minOwnLabels must be >= 0 (0 = never use a task's own choice), got "
                    + minOwnLabels);
        }
        this.grid = List.copyOf(grid);
        this.initial = initial;
        if (flowScore == null) {
            throw new IllegalArgumentException("flowScore must not be null (GCV, LOO or AUTO)");
        }
        this.minOwnLabels = minOwnLabels;
        this.flowScore = flowScore;
        this.meanScores = new double[grid.size()];
    }

    /**
     * The default grid, initial defaults, never a task's own choice, finite times scored by
     * {@link FlowScore#AUTO} (exact leave-one-out for few-shot tasks, GCV for large ones).
     */
    public MetaLearner() {
        this(defaultGrid(), HyperParameters.defaults(), 0, FlowScore.AUTO);
    }

    /**
     * The default grid: ridge λ ∈ {1e-4, 1e-3, …, 1e2} at t = ∞, and flows with η·t ∈
     * {1e-3, 3e-3, …, 1e3} (half decades; their λ is the regressor default, used for σ² only).
     */
    public static List<HyperParameters> defaultGrid() {
        return grid(logSpace(-4, 2, 1), logSpace(-3, 3, 2), RegressorSettings.DEFAULT_RIDGE);
    }

    /** Ridge candidates for every λ of {@code ridges}, then flow candidates for every η·t of {@code flowTimes}. */
    public static List<HyperParameters> grid(double[] ridges, double[] flowTimes, double flowRidge) {
        List<HyperParameters> g = new ArrayList<>();
        for (double r : ridges) {
            g.add(HyperParameters.ridge(r));
        }
        for (double t : flowTimes) {
            g.add(HyperParameters.flow(t, flowRidge));
        }
        return g;
    }

    /** 10^from … 10^to with {@code perDecade} points per decade. */
    public static double[] logSpace(int from, int to, int perDecade) {
        int count = (to - from) * perDecade + 1;
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = Math.pow(10, from + (double) i / perDecade);
        }
        return v;
    }

    public List<HyperParameters> grid() {
        return grid;
    }

    public int minOwnLabels() {
        return minOwnLabels;
    }

    public FlowScore flowScore() {
        return flowScore;
    }

    /** Tasks observed so far (tasks without labels are not counted). */
    public long tasksObserved() {
        return tasks;
    }

    /** Per grid point, the mean score over the observed tasks (zeros before the first). */
    public double[] meanScores() {
        return meanScores.clone();
    }

    /** Scores every grid point on the task's labels, without learning from it. */
    public TaskEvaluation evaluate(KernelState task) {
        return evaluate(TaskSpectrum.of(task));
    }

    /** Scores every grid point on a task's spectrum, without learning from it. */
    public TaskEvaluation evaluate(TaskSpectrum task) {
        double[] scores = new double[grid.size()];
        if (task.size() == 0) {
            return new TaskEvaluation(grid, scores, -1);
        }
        for (int g = 0; g < scores.length; g++) {
            scores[g] = task.score(grid.get(g), flowScore);
        }
        return new TaskEvaluation(grid, scores, argMin(scores));
    }

    /** Scores the task and adds its scores to the running means; returns the task's evaluation. */
    public TaskEvaluation observeTask(KernelState task) {
        return observeTask(TaskSpectrum.of(task));
    }

    /** {@link #observeTask(KernelState)} for a spectrum already computed. */
    public TaskEvaluation observeTask(TaskSpectrum task) {
        TaskEvaluation e = evaluate(task);
        if (e.bestIndex() >= 0) {
            tasks++;
            for (int g = 0; g < meanScores.length; g++) {
                meanScores[g] += (e.scores()[g] - meanScores[g]) / tasks;
            }
        }
        return e;
    }

    /** The aggregate choice: the grid point of least mean score, or the initial choice before any task. */
    public HyperParameters current() {
        return tasks == 0 ? initial : grid.get(argMin(meanScores));
    }

    /**
     * The hyper-parameters for a task: its own best grid point if it has at least
     * {@code minOwnLabels} labels (and minOwnLabels > 0), else {@link #current()}.
     */
    public HyperParameters choose(KernelState task) {
        if (minOwnLabels > 0 && task.size() >= minOwnLabels) {
            return evaluate(task).best();
        }
        return current();
    }

    /** Index of the smallest value (NaN counts as +∞; ties: the first). */
    /** Index of the smallest score (the first of equals; NaN loses to any number). */
    public static int argMin(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] < v[best] || Double.isNaN(v[best]) && !Double.isNaN(v[i])) {
                best = i;
            }
        }
        return best;
    }

    // ------------------------------------------------------------------ serialization

    /** Grid, settings and running means as bytes (the meta-state a streaming job checkpoints). */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeInt(minOwnLabels);
            out.writeInt(flowScore.ordinal());
            write(out, initial);
            out.writeInt(grid.size());
            for (HyperParameters hp : grid) {
                write(out, hp);
            }
            out.writeLong(tasks);
            for (double s : meanScores) {
                out.writeDouble(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A learner from {@link #toBytes()}. */
    public static MetaLearner fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a serialized MetaLearner (bad magic)");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("MetaLearner format " + format + " is not supported (expected "
                        + FORMAT + ")");
            }
            int minOwn = in.readInt();
            int score = in.readInt();
            if (score < 0 || score >= FlowScore.values().length) {
                throw new IllegalArgumentException("corrupt MetaLearner bytes: flow score " + score);
            }
            HyperParameters initial = read(in);
            int size = in.readInt();
            if (size <= 0 || size > 1_000_000) {
                throw new IllegalArgumentException("corrupt MetaLearner bytes: grid size " + size);
            }
            List<HyperParameters> grid = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                grid.add(read(in));
            }
            MetaLearner m = new MetaLearner(grid, initial, minOwn, FlowScore.values()[score]);
            m.tasks = in.readLong();
            for (int i = 0; i < size; i++) {
                m.meanScores[i] = in.readDouble();
            }
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt MetaLearner bytes: " + e, e);
        }
    }

    private static void write(DataOutputStream out, HyperParameters hp) throws IOException {
        out.writeDouble(hp.ridge());
        out.writeDouble(hp.time().time());
        out.writeDouble(hp.time().learningRate());
    }

    private static HyperParameters read(DataInputStream in) throws IOException {
        return new HyperParameters(in.readDouble(), new TrainingTime(in.readDouble(), in.readDouble()));
    }
}
