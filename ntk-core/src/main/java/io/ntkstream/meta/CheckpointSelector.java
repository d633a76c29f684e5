package io.ntkstream.meta;

import io.ntkstream.kernel.KernelState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Meta-learns which of several stored checkpoints' kernels to adapt from, together with the
 * adaptation hyper-parameters (ridge λ or flow time η·t).
 *
 * <p>Every observed task is scored under every candidate checkpoint — its own Gram matrix and
 * residuals Y − f0(X) under that checkpoint, the same closed-form estimates as {@link MetaLearner}
 * (exact leave-one-out for ridge, {@link FlowScore} for finite times) — and each candidate keeps
 * the running mean of its grid scores over the tasks seen (one {@link MetaLearner} per candidate,
 * all fed the same tasks, so their means are comparable). {@link #current()} is the (candidate,
 * grid point) of least mean score: a new task starts from it. Before any task the choice is
 * candidate 0 with the initial hyper-parameters. A task with at least {@code minOwnLabels}
 * labels may use its own arg-min over candidates and grid ({@link #choose}).
 *
 * <p>The scores include each checkpoint's f0 (the residuals are Y − f0(X)), so a checkpoint whose
 * outputs already fit the task family wins even with the same kernel. Scores from tasks a
 * checkpoint was trained on are optimistic for it: observe tasks that arrive after the candidates
 * were stored. Not thread-safe.
 */
public final class CheckpointSelector {
    private static final int MAGIC = 0x4e544b43; // "NTKC"
    private static final int FORMAT = 1;

    private final List<String> names;
    private final List<MetaLearner> learners;

    /** A candidate checkpoint with hyper-parameters and the estimate behind the choice (NaN before any task). */
    public record Choice(int candidate, String name, HyperParameters hyperParameters, double meanScore) {
    }

    /** One task scored under every candidate, and its own best (candidate, grid point); null best for an empty task. */
    public record TaskEvaluation(List<MetaLearner.TaskEvaluation> perCandidate, Choice best) {
    }

    /**
     * @param names        the candidates, e.g. checkpoint files or versions (at least one, distinct)
     * @param grid         hyper-parameter candidates, shared by the checkpoints
     * @param initial      the hyper-parameters before any task (with candidate 0)
     * @param minOwnLabels a task with at least this many labels uses its own choice; 0 = never
     * @param flowScore    how tasks score finite training times
     */
    public CheckpointSelector(List<String> names, List<HyperParameters> grid, HyperParameters initial, int minOwnLabels,
                              FlowScore flowScore) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("names: expected at least one candidate checkpoint");
        }
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException("names: candidate checkpoints must have distinct names, got " + names);
        }
        this.names = List.copyOf(names);
        this.learners = new ArrayList<>(names.size());
        for (int c = 0; c < names.size(); c++) {
            learners.add(new MetaLearner(grid, initial, minOwnLabels, flowScore));
        }
    }

    public List<String> names() {
        return names;
    }

    /** The learner of candidate c: its mean grid scores and its own best grid point. */
    public MetaLearner learner(int candidate) {
        return learners.get(candidate);
    }

    public long tasksObserved() {
        return learners.get(0).tasksObserved();
    }

    /** Scores a task under every candidate (one spectrum per candidate, in order), without learning from it. */
    public TaskEvaluation evaluate(List<TaskSpectrum> perCandidate) {
        requireOnePerCandidate(perCandidate);
        List<MetaLearner.TaskEvaluation> e = new ArrayList<>(names.size());
        for (int c = 0; c < names.size(); c++) {
            e.add(learners.get(c).evaluate(perCandidate.get(c)));
        }
        return new TaskEvaluation(e, bestOf(e));
    }

    /** Scores the task under every candidate and adds the scores to each candidate's running means. */
    public TaskEvaluation observeTask(List<TaskSpectrum> perCandidate) {
        requireOnePerCandidate(perCandidate);
        int n = perCandidate.get(0).size() == 0 ? 0 : perCandidate.get(0).samples();
        for (TaskSpectrum s : perCandidate) {
            if ((s.size() == 0 ? 0 : s.samples()) != n) {
                throw new IllegalArgumentException("perCandidate: every spectrum must be the same task (the same "
                        + "samples), got " + n + " and " + s.samples() + " samples");
            }
        }
        List<MetaLearner.TaskEvaluation> e = new ArrayList<>(names.size());
        for (int c = 0; c < names.size(); c++) {
            e.add(learners.get(c).observeTask(perCandidate.get(c)));
        }
        return new TaskEvaluation(e, bestOf(e));
    }

    /** {@link #observeTask(List)} from one state per candidate (the same samples under each checkpoint). */
    public TaskEvaluation observeStates(List<KernelState> perCandidate) {
        List<TaskSpectrum> spectra = new ArrayList<>(perCandidate.size());
        for (KernelState s : perCandidate) {
            spectra.add(TaskSpectrum.of(s));
        }
        return observeTask(spectra);
    }

    /** The aggregate choice: the (candidate, grid point) of least mean score; candidate 0 and the initial choice before any task. */
    public Choice current() {
        if (tasksObserved() == 0) {
            return new Choice(0, names.get(0), learners.get(0).current(), Double.NaN);
        }
        int bestCandidate = 0;
        int bestIndex = 0;
        double bestScore = Double.NaN;
        for (int c = 0; c < names.size(); c++) {
            double[] means = learners.get(c).meanScores();
            int g = MetaLearner.argMin(means);
            if (Double.isNaN(bestScore) || means[g] < bestScore) {
                bestCandidate = c;
                bestIndex = g;
                bestScore = means[g];
            }
        }
        return new Choice(bestCandidate, names.get(bestCandidate), learners.get(bestCandidate).grid().get(bestIndex),
                bestScore);
    }

    /**
     * The choice for a task: its own best (candidate, grid point) if it has at least minOwnLabels
     * labels (and minOwnLabels > 0), else {@link #current()}.
     */
    public Choice choose(List<TaskSpectrum> perCandidate) {
        int minOwn = learners.get(0).minOwnLabels();
        requireOnePerCandidate(perCandidate);
        if (minOwn > 0 && perCandidate.get(0).samples() >= minOwn && perCandidate.get(0).size() > 0) {
            return evaluate(perCandidate).best();
        }
        return current();
    }

    private Choice bestOf(List<MetaLearner.TaskEvaluation> e) {
        Choice best = null;
        for (int c = 0; c < e.size(); c++) {
            MetaLearner.TaskEvaluation t = e.get(c);
            if (t.bestIndex() < 0) {
                continue;
            }
            double score = t.scores()[t.bestIndex()];
            if (best == null || score < best.meanScore()) {
                best = new Choice(c, names.get(c), t.best(), score);
            }
        }
        return best;
    }

    private void requireOnePerCandidate(List<TaskSpectrum> perCandidate) {
        if (perCandidate == null || perCandidate.size() != names.size()) {
            throw new IllegalArgumentException("perCandidate: expected one task spectrum per candidate checkpoint ("
                    + names.size() + "), got " + (perCandidate == null ? "null" : perCandidate.size()));
        }
    }

    // ------------------------------------------------------------------ serialization

    /** Names and every candidate's learner as bytes (the meta-state a streaming job checkpoints). */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeInt(names.size());
            for (int c = 0; c < names.size(); c++) {
                out.writeUTF(names.get(c));
                byte[] learner = learners.get(c).toBytes();
                out.writeInt(learner.length);
                out.write(learner);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A selector from {@link #toBytes()}. */
    public static CheckpointSelector fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a serialized CheckpointSelector (bad magic)");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("CheckpointSelector format " + format + " is not supported (expected "
                        + FORMAT + ")");
            }
            int count = in.readInt();
            if (count <= 0 || count > 100_000) {
                throw new IllegalArgumentException("corrupt CheckpointSelector bytes: " + count + " candidates");
            }
            List<String> names = new ArrayList<>(count);
            List<MetaLearner> learners = new ArrayList<>(count);
            for (int c = 0; c < count; c++) {
                names.add(in.readUTF());
                byte[] learner = new byte[in.readInt()];
                in.readFully(learner);
                learners.add(MetaLearner.fromBytes(learner));
            }
            MetaLearner first = learners.get(0); // the constructor's learners are replaced by the stored ones
            CheckpointSelector s = new CheckpointSelector(names, first.grid(), first.current(), first.minOwnLabels(),
                    first.flowScore());
            for (int c = 0; c < count; c++) {
                s.learners.set(c, learners.get(c));
            }
            return s;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt CheckpointSelector bytes: " + e, e);
        }
    }
}
