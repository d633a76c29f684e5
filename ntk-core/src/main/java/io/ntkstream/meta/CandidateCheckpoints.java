package io.ntkstream.meta;

import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.network.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * The candidate-checkpoint part of the sinusoid benchmark ({@link MetaSimulation}): a
 * {@link CheckpointSelector} fed the meta-training tasks under every stored checkpoint, then on
 * the held-out tasks one row per candidate (its own meta-learned hyper-parameters), the row of
 * the selector's choice, and an oracle over every (candidate, hyper-parameters) pair.
 */
final class CandidateCheckpoints {
    private final List<MetaSimulation.Candidate> candidates;
    private final List<FeatureKernel> kernels;
    private final CheckpointSelector selector;

    CandidateCheckpoints(List<MetaSimulation.Candidate> candidates, MetaSimulation.Settings s) {
        this.candidates = List.copyOf(candidates);
        this.kernels = new ArrayList<>(candidates.size());
        List<String> names = new ArrayList<>(candidates.size());
        for (MetaSimulation.Candidate c : candidates) {
            Network n = c.network();
            if (n.inputDim() != 1 || n.outputDim() != 1) {
                throw new IllegalArgumentException("candidate checkpoint '" + c.name() + "': the sinusoid tasks need "
                        + "input_dim 1 and O = 1, got " + n.architecture().shapeString());
            }
            kernels.add(new EmpiricalNtkKernel(n, s.mode()));
            names.add(c.name());
        }
        this.selector = new CheckpointSelector(names, s.grid(), s.defaults(), s.minOwnLabels(), s.flowScore());
    }

    CheckpointSelector selector() {
        return selector;
    }

    /** Scores a meta-training task under every candidate (candidate 0's spectrum already computed). */
    void observe(Sinusoids.Task task, TaskSpectrum first) {
        List<TaskSpectrum> spectra = new ArrayList<>(kernels.size());
        spectra.add(first);
        for (int c = 1; c < kernels.size(); c++) {
            spectra.add(MetaSimulation.TaskFit.of(kernels.get(c), task, false).spectrum);
        }
        selector.observeTask(spectra);
    }

    /**
     * On the held-out tasks: {@code candidate-meta-hp} per candidate, {@code meta-checkpoint-choice},
     * and last {@code oracle-candidates} (per task the least query error over candidates and
     * hyper-parameters). {@code options} are the hyper-parameters a row may use (grid and defaults).
     */
    List<MetaSimulation.Row> rows(List<Sinusoids.Task> eval, List<HyperParameters> options) {
        int count = kernels.size();
        CheckpointSelector.Choice choice = selector.current();
        int[] own = new int[count];
        for (int c = 0; c < count; c++) {
            own[c] = options.indexOf(selector.learner(c).current());
        }
        int chosen = options.indexOf(choice.hyperParameters());
        MeanAndError[] perCandidate = new MeanAndError[count];
        for (int c = 0; c < count; c++) {
            perCandidate[c] = new MeanAndError();
        }
        MeanAndError choiceError = new MeanAndError();
        MeanAndError oracle = new MeanAndError();
        for (Sinusoids.Task task : eval) {
            double best = Double.POSITIVE_INFINITY;
            for (int c = 0; c < count; c++) {
                MetaSimulation.TaskFit fit = MetaSimulation.TaskFit.of(kernels.get(c), task, true);
                perCandidate[c].add(fit.queryMse(options.get(own[c])));
                if (c == choice.candidate()) {
                    choiceError.add(fit.queryMse(options.get(chosen)));
                }
                best = Math.min(best, fit.queryMse(options.get(fit.oracleIndex(options))));
            }
            oracle.add(best);
        }
        List<MetaSimulation.Row> rows = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            rows.add(perCandidate[c].row("candidate-meta-hp", selector.learner(c).current().toString(),
                    candidates.get(c).name()));
        }
        rows.add(choiceError.row("meta-checkpoint-choice", choice.hyperParameters().toString(), choice.name()));
        rows.add(oracle.row("oracle-candidates", "per task (query labels)", "per task"));
        return rows;
    }

    /** Running sum and sum of squares of per-task errors: the mean and its standard error. */
    private static final class MeanAndError {
        private double sum;
        private double sumSq;
        private int n;

        void add(double v) {
            sum += v;
            sumSq += v * v;
            n++;
        }

        MetaSimulation.Row row(String method, String hyperParameters, String checkpoint) {
            double mean = sum / n;
            double var = n > 1 ? Math.max(0, (sumSq - n * mean * mean) / (n - 1)) : 0;
            return new MetaSimulation.Row(method, 0, hyperParameters, mean, Math.sqrt(var / n), n, checkpoint);
        }
    }
}
