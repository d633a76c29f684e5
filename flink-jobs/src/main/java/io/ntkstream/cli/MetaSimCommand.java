package io.ntkstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.data.DType;
import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Precision;
import io.ntkstream.meta.FlowScore;
import io.ntkstream.meta.HyperParameters;
import io.ntkstream.meta.MetaLearner;
import io.ntkstream.meta.MetaSimulation;
import io.ntkstream.network.Network;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.ntk.NtkMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "meta-sim", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Meta-learning across tasks on the sinusoid few-shot benchmark:",
            "y = A·sin(x + φ), A ∈ [0.1, 5], φ ∈ [0, π], x ∈ [−5, 5]. Each held-out task",
            "is adapted in closed form from the checkpoint with --shots labels and",
            "scored by its mean squared error on --queries query points.",
            "",
            "Rows of --out (CSV):",
            "  default             θ0, default hyper-parameters (λ = 1e-3, t = ∞)",
            "  meta-hp-loo         θ0, hyper-parameters (ridge λ or flow time η·t from",
            "  meta-hp-gcv         a grid) learned across --meta-tasks tasks from their",
            "                      support labels: exact leave-one-out for ridge; for",
            "                      finite times exact leave-one-out (loo) or GCV (gcv)",
            "  meta-hp-own         (--min-own-labels <= --shots) each task's own choice",
            "  meta-checkpoint     Reptile θ0 ← θ0 + ε·mean(Δθ), Δθ = J(X)ᵀC the",
            "                      linearized fine-tune of each meta-task (at the",
            "                      meta-learned hyper-parameters, or --reptile-time /",
            "                      --reptile-ridge); default hyper-parameters",
            "  meta-checkpoint+hp  that checkpoint, hyper-parameters re-learned on it",
            "  candidate-meta-hp   (with --candidate-params) one row per stored checkpoint,",
            "                      --params first, at the hyper-parameters meta-learned",
            "                      for it (column checkpoint: which one)",
            "  meta-checkpoint-choice  the checkpoint and hyper-parameters of least mean",
            "                      leave-one-out error over the meta-tasks (CheckpointSelector)",
            "  oracle              per task the best grid point by its query labels",
            "  oracle-candidates   (with candidates) ... and the best checkpoint",
            "  oracle-meta-checkpoint   (a lower bound for any choice from the grid)",
            "",
            "The network needs input_dim 1 and one output. Example (1-40-40-1 relu,",
            "NTK parametrization), sin.arch.json:",
            "  {\"input_dim\":1,\"parametrization\":\"ntk\",\"sigma_w\":1.414,",
            "   \"sigma_b\":0.1,\"layers\":[{\"type\":\"dense\",\"out\":40},",
            "   {\"type\":\"relu\"},{\"type\":\"dense\",\"out\":40},{\"type\":\"relu\"},",
            "   {\"type\":\"dense\",\"out\":1}]}",
            "  ntkstream init --arch sin.arch.json --seed 0 --dtype float64 \\",
            "      --out sin.safetensors",
            "  ntkstream meta-sim --arch sin.arch.json --params sin.safetensors \\",
            "      --tasks sinusoid --shots 5 --meta-tasks 1000 --eval-tasks 200 \\",
            "      --seed 0 --out meta.csv",
            "",
            "Prints one JSON line on stdout."})
final class MetaSimCommand implements Callable<Integer> {

    @Option(names = "--arch", required = true, description = "Architecture JSON file (input_dim 1, one output).")
    Path arch;

    @Option(names = "--params", required = true, description = "Checkpoint θ0: .safetensors or .npz.")
    Path params;

    @Option(names = "--tasks", defaultValue = "sinusoid", description = "Task family: sinusoid (default).")
    String tasks;

    @Option(names = "--shots", required = true, description = "Labeled support samples per task (e.g. 5 or 10).")
    int shots;

    @Option(names = "--queries", defaultValue = "50", description = "Query points per task (default: ${DEFAULT-VALUE}).")
    int queries;

    @Option(names = "--meta-tasks", defaultValue = "1000",
            description = "Meta-training tasks (default: ${DEFAULT-VALUE}).")
    int metaTasks;

    @Option(names = "--eval-tasks", defaultValue = "200", description = "Held-out tasks (default: ${DEFAULT-VALUE}).")
    int evalTasks;

    @Option(names = "--seed", defaultValue = "0", description = "Task seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--mode", defaultValue = "trace",
            description = "Scalar kernel: trace | pseudo (the same for one output; default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--flow-score", defaultValue = "auto",
            description = "How tasks score finite training times for Reptile, meta-checkpoint+hp, meta-hp-own and "
                    + "the candidate checkpoints: loo | gcv | auto (exact leave-one-out up to 20 labels, GCV above; "
                    + "the library's default too) (default: ${DEFAULT-VALUE}). The meta-hp-loo and meta-hp-gcv rows "
                    + "show both criteria.")
    String flowScore;

    @Option(names = "--ridges", split = ",",
            description = "Ridge grid λ (comma-separated; default 1e-4,1e-3,...,1e2).")
    double[] ridges;

    @Option(names = "--times", split = ",",
            description = "Flow-time grid η·t (comma-separated; default 1e-3,3e-3,...,1e3).")
    double[] times;

    @Option(names = "--min-own-labels", defaultValue = "0",
            description = "A held-out task with at least this many labels also reports its own choice (0 = never).")
    int minOwnLabels;

    @Option(names = "--reptile-step", defaultValue = "0.1", description = "Reptile ε (default: ${DEFAULT-VALUE}).")
    double reptileStep;

    @Option(names = "--reptile-batch", defaultValue = "10",
            description = "Tasks per Reptile step (default: ${DEFAULT-VALUE}).")
    int reptileBatch;

    @Option(names = "--reptile-epochs", defaultValue = "1",
            description = "Passes of Reptile over the meta-training tasks; 0 skips the checkpoint rows "
                    + "(default: ${DEFAULT-VALUE}).")
    int reptileEpochs;

    @Option(names = "--reptile-time",
            description = "Reptile averages the Δθ of a gradient flow for this η·t (default: the meta-learned "
                    + "hyper-parameters).")
    Double reptileTime;

    @Option(names = "--reptile-ridge",
            description = "Reptile averages the Δθ of the t = ∞ ridge solution with this λ (default: the "
                    + "meta-learned hyper-parameters).")
    Double reptileRidge;

    @Option(names = "--candidate-params",
            description = "Another stored checkpoint the tasks may adapt from (repeatable): the command then "
                    + "meta-learns which of --params and these to use.")
    List<Path> candidateParams;

    @Option(names = "--candidate-arch",
            description = "Architecture of the candidates: once per --candidate-params, in the same order "
                    + "(default: --arch for every candidate).")
    List<Path> candidateArchs;

    @Option(names = "--dtype", defaultValue = "float64",
            description = "Precision of the network passes: float32 | float64 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--out", required = true, description = "Output CSV, one row per method.")
    Path out;

    @Option(names = "--checkpoint-out",
            description = "Also write the meta-learned checkpoint (.safetensors or .npz, float64).")
    Path checkpointOut;

    @Override
    public Integer call() {
        if (!tasks.equalsIgnoreCase("sinusoid")) {
            throw new IllegalArgumentException("--tasks: only 'sinusoid' is available, got '" + tasks + "'");
        }
        NtkMode ntkMode = switch (mode.toLowerCase(Locale.ROOT)) {
            case "trace" -> NtkMode.TRACE;
            case "pseudo" -> NtkMode.PSEUDO;
            default -> throw new IllegalArgumentException("--mode: expected trace or pseudo, got '" + mode + "'");
        };
        FlowScore score = switch (flowScore.toLowerCase(Locale.ROOT)) {
            case "loo" -> FlowScore.LOO;
            case "gcv" -> FlowScore.GCV;
            case "auto" -> FlowScore.AUTO;
            default -> throw new IllegalArgumentException("--flow-score: expected loo, gcv or auto, got '" + flowScore
                    + "'");
        };
        requirePositive(shots, "--shots");
        requirePositive(queries, "--queries");
        requirePositive(metaTasks, "--meta-tasks");
        requirePositive(evalTasks, "--eval-tasks");
        requirePositive(reptileBatch, "--reptile-batch");
        if (reptileEpochs < 0 || minOwnLabels < 0) {
            throw new IllegalArgumentException("--reptile-epochs and --min-own-labels must be >= 0");
        }
        if (!(reptileStep > 0) || !Double.isFinite(reptileStep)) {
            throw new IllegalArgumentException("--reptile-step: expected a finite ε > 0, got " + reptileStep);
        }
        if (reptileTime != null && reptileRidge != null) {
            throw new IllegalArgumentException("--reptile-time and --reptile-ridge: give at most one");
        }
        if (reptileTime != null && (!(reptileTime > 0) || !Double.isFinite(reptileTime))) {
            throw new IllegalArgumentException("--reptile-time: expected a finite η·t > 0, got " + reptileTime);
        }
        if (reptileRidge != null && (!(reptileRidge > 0) || !Double.isFinite(reptileRidge))) {
            throw new IllegalArgumentException("--reptile-ridge: expected a finite λ > 0, got " + reptileRidge);
        }
        double[] ridgeGrid = ridges != null ? ridges : MetaLearner.logSpace(-4, 2, 1);
        double[] timeGrid = times != null ? times : MetaLearner.logSpace(-3, 3, 2);
        for (double r : ridgeGrid) {
            if (!(r > 0) || !Double.isFinite(r)) {
                throw new IllegalArgumentException("--ridges: every λ must be finite and > 0, got " + r);
            }
        }
        for (double t : timeGrid) {
            if (!(t > 0) || !Double.isFinite(t)) {
                throw new IllegalArgumentException("--times: every η·t must be finite and > 0, got " + t);
            }
        }
        threads.apply();
        Network network = Inputs.network(arch, params, Precision.parse(dtype));
        if (network.inputDim() != 1 || network.outputDim() != 1) {
            throw new IllegalArgumentException("--arch: the sinusoid tasks need input_dim 1 and one output, got "
                    + network.architecture().shapeString());
        }
        List<MetaSimulation.Candidate> candidates = candidates(Precision.parse(dtype));
        HyperParameters defaults = HyperParameters.defaults();
        List<HyperParameters> grid = MetaLearner.grid(ridgeGrid, timeGrid, defaults.ridge());
        MetaSimulation.Settings settings = new MetaSimulation.Settings(shots, queries, metaTasks, evalTasks, seed,
                ntkMode, grid, defaults, score, minOwnLabels, reptileStep, reptileBatch, reptileEpochs,
                reptileTime != null ? HyperParameters.flow(reptileTime, defaults.ridge())
                        : reptileRidge != null ? HyperParameters.ridge(reptileRidge) : null);
        MetaSimulation.Result result = MetaSimulation.run(new MetaSimulation.Candidate(params.toString(), network),
                candidates, settings);

        StringBuilder csv = new StringBuilder(
                "method,checkpoint_version,hyper_parameters,query_mse,stderr,tasks,shots,checkpoint\n");
        for (MetaSimulation.Row r : result.rows()) {
            csv.append(r.method()).append(',').append(r.checkpointVersion()).append(',')
                    .append(csvField(r.hyperParameters())).append(',').append(r.queryMse()).append(',')
                    .append(r.stderr()).append(',').append(r.tasks()).append(',').append(shots).append(',')
                    .append(csvField(r.checkpoint())).append('\n');
        }
        try {
            if (out.toAbsolutePath().getParent() != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
            }
            Files.writeString(out, csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("--out " + out + ": " + e.getMessage(), e);
        }
        if (checkpointOut != null && result.checkpoint() != null) {
            CheckpointFiles.write(checkpointOut, result.checkpoint().tensors(), DType.FLOAT64);
        }

        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = mapper.createObjectNode();
        json.put("command", "meta-sim");
        json.put("tasks", "sinusoid");
        json.put("network", network.architecture().shapeString());
        json.put("mode", ntkMode.name().toLowerCase(Locale.ROOT));
        json.put("flow_score", score.name().toLowerCase(Locale.ROOT));
        json.put("shots", shots);
        json.put("queries", queries);
        json.put("meta_tasks", metaTasks);
        json.put("eval_tasks", evalTasks);
        json.put("seed", seed);
        json.put("grid", grid.size());
        json.put("meta_hyper_parameters", result.metaHyperParameters().toString());
        if (result.checkpoint() != null) {
            json.put("checkpoint_version", result.checkpoint().version());
            json.put("reptile_hyper_parameters", result.reptileHyperParameters().toString());
            json.put("checkpoint_hyper_parameters", result.checkpointHyperParameters().toString());
        }
        if (result.checkpointChoice() != null) {
            ObjectNode choice = json.putObject("checkpoint_choice");
            choice.put("checkpoint", result.checkpointChoice().name());
            choice.put("hyper_parameters", result.checkpointChoice().hyperParameters().toString());
            choice.put("mean_loo_score", result.checkpointChoice().meanScore());
        }
        ArrayNode rows = json.putArray("rows");
        for (MetaSimulation.Row r : result.rows()) {
            ObjectNode row = rows.addObject();
            row.put("method", r.method());
            row.put("checkpoint", r.checkpoint());
            row.put("checkpoint_version", r.checkpointVersion());
            row.put("hyper_parameters", r.hyperParameters());
            row.put("query_mse", r.queryMse());
            row.put("stderr", r.stderr());
        }
        json.put("seconds", result.seconds());
        json.put("out", out.toString());
        if (checkpointOut != null && result.checkpoint() != null) {
            json.put("checkpoint_out", checkpointOut.toString());
        }
        System.out.println(json);
        return 0;
    }

    /** The --candidate-params checkpoints (named by their paths), each with its architecture. */
    private List<MetaSimulation.Candidate> candidates(Precision precision) {
        if (candidateParams == null || candidateParams.isEmpty()) {
            if (candidateArchs != null && !candidateArchs.isEmpty()) {
                throw new IllegalArgumentException("--candidate-arch: only with --candidate-params");
            }
            return List.of();
        }
        if (candidateArchs != null && !candidateArchs.isEmpty() && candidateArchs.size() != candidateParams.size()) {
            throw new IllegalArgumentException("--candidate-arch: expected one per --candidate-params ("
                    + candidateParams.size() + "), got " + candidateArchs.size());
        }
        List<MetaSimulation.Candidate> list = new ArrayList<>();
        Set<String> names = new HashSet<>(List.of(params.toString()));
        for (int i = 0; i < candidateParams.size(); i++) {
            Path p = candidateParams.get(i);
            if (!names.add(p.toString())) {
                throw new IllegalArgumentException("--candidate-params: " + p + " is given twice (or is --params)");
            }
            Path a = candidateArchs == null || candidateArchs.isEmpty() ? arch : candidateArchs.get(i);
            Network n = Inputs.network(a, p, precision);
            if (n.inputDim() != 1 || n.outputDim() != 1) {
                throw new IllegalArgumentException("--candidate-params " + p + ": the sinusoid tasks need input_dim 1 "
                        + "and one output, got " + n.architecture().shapeString());
            }
            list.add(new MetaSimulation.Candidate(p.toString(), n));
        }
        return list;
    }

    private static void requirePositive(int v, String option) {
        if (v < 1) {
            throw new IllegalArgumentException(option + ": expected an integer >= 1, got " + v);
        }
    }

    static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
