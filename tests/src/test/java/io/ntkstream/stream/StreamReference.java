package io.ntkstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.active.AcquisitionKind;
import io.ntkstream.active.Pool;
import io.ntkstream.active.Query;
import io.ntkstream.active.QueryStrategy;
import io.ntkstream.kafka.PicksJson;
import io.ntkstream.kafka.PredictionJson;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.Prediction;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Networks;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.ntk.NtkMode;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.assertj.core.data.Offset;

/**
 * The batch reference of a streaming run, computed directly with ntk-core: for every prediction
 * and pick the job committed, a learner fitted from scratch on the task's first n_train samples
 * (in their order), and for picks the pool as it was then (all candidates minus those labeled).
 */
final class StreamReference {
    private final StreamWorkload workload;
    private final FeatureKernel kernel;
    private final RegressorSettings settings;

    StreamReference(StreamWorkload workload, double ridge) {
        this.workload = workload;
        this.kernel = new EmpiricalNtkKernel(Networks.fromTensors(workload.arch,
                CheckpointFiles.read(Path.of(URI.create(workload.modelUri))), Precision.FLOAT64), NtkMode.PSEUDO);
        this.settings = RegressorSettings.defaults().withRidge(ridge);
    }

    /** Every prediction ≡ the reference (1e-9); exactly one per query; none missing. */
    void verifyPredictions(List<PredictionJson> predictions) {
        predictions = predictions.stream().filter(p -> !p.id().startsWith("barrier-")).toList();
        assertThat(predictions).hasSize(workload.queryCount());
        assertThat(predictions.stream().map(p -> p.task() + "/" + p.id()).distinct()).hasSize(predictions.size());
        for (StreamWorkload.Task task : workload.tasks) {
            List<PredictionJson> mine = new ArrayList<>(predictions.stream().filter(p -> p.task().equals(task.name))
                    .toList());
            assertThat(mine).hasSize(task.queries.size());
            mine.sort(Comparator.comparingInt(PredictionJson::nTrain));
            try (NtkRegressor learner = learner(task, 0)) {
                int learned = 0;
                for (PredictionJson p : mine) {
                    for (; learned < p.nTrain(); learned++) {
                        learn(learner, task, learned);
                    }
                    Prediction ref = learner.predictOne(task.queries.get(p.id()));
                    assertThat(p.modelVersion()).isEqualTo(1);
                    for (int o = 0; o < ref.mean().length; o++) {
                        assertThat(p.mean()[o]).as("%s/%s mean[%d] at n=%d", task.name, p.id(), o, p.nTrain())
                                .isCloseTo(ref.mean()[o], Offset.offset(1e-9));
                    }
                    assertThat(p.variance()).isCloseTo(ref.variance(), Offset.offset(1e-9));
                    if (task.classification && p.nTrain() > 0) { // before its first label a task's kind is unknown
                        assertThat(p.label()).isEqualTo(ref.label());
                    }
                }
            }
        }
    }

    /** Every pick ≡ the reference's picks (same ids, same order, scores to 1e-9); one per request. */
    void verifyPicks(List<PicksJson> picks) {
        picks = picks.stream().filter(p -> !p.requestId().startsWith("start-")).toList();
        assertThat(picks).hasSize(workload.pickCount());
        assertThat(picks.stream().map(p -> p.task() + "/" + p.requestId()).distinct()).hasSize(picks.size());
        for (PicksJson p : picks) {
            StreamWorkload.Task task = workload.task(p.task());
            try (NtkRegressor learner = learner(task, p.nTrain())) {
                Set<String> labeled = new HashSet<>(learner.state().ids());
                List<String> ids = new ArrayList<>();
                List<double[]> xs = new ArrayList<>();
                for (StreamWorkload.PoolItem u : task.pool) {
                    if (!labeled.contains(u.id())) {
                        ids.add(u.id());
                        xs.add(u.x());
                    }
                }
                if (p.requestId().equals("final")) {
                    assertThat(p.nTrain()).isEqualTo(task.samples.size());
                }
                assertThat(p.poolSize()).as("%s/%s pool size", p.task(), p.requestId()).isEqualTo(ids.size());
                if (ids.isEmpty()) {
                    assertThat(p.picks()).isEmpty();
                    continue;
                }
                long seed = (p.task() + "/" + p.requestId()).hashCode();
                try (Pool pool = Pool.of(kernel, ids, xs.toArray(new double[0][]))) {
                    Query q = QueryStrategy.of(AcquisitionKind.parse(p.strategy()), seed)
                            .query(learner, pool, Math.min(count(task, p), pool.size()));
                    assertThat(p.picks().stream().map(PicksJson.Pick::id).toList())
                            .as("%s/%s picks at n=%d", p.task(), p.requestId(), p.nTrain()).isEqualTo(q.ids());
                    for (int i = 0; i < q.size(); i++) {
                        assertThat(p.picks().get(i).score()).isCloseTo(q.scores()[i], Offset.offset(1e-9));
                    }
                }
            }
        }
    }

    /**
     * Meta records: per task, one "task" record at each of the schedule's due points whose grid scores ≡ the
     * closed-form LOO of a learner fitted directly on the first n_train samples; the last "global"
     * record ≡ the arg-min of the mean of every task's final scores.
     */
    void verifyMeta(List<String> records, io.ntkstream.meta.MetaSchedule schedule) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.Map<String, double[]> finalScores = new java.util.HashMap<>();
        com.fasterxml.jackson.databind.JsonNode lastGlobal = null;
        int taskRecords = 0;
        for (String r : records) {
            com.fasterxml.jackson.databind.JsonNode n = json.readTree(r);
            if (n.get("kind").asText().equals("global")) {
                lastGlobal = n;
                continue;
            }
            taskRecords++;
            StreamWorkload.Task task = workload.task(n.get("task").asText());
            int nTrain = n.get("n_train").asInt();
            assertThat(schedule.isDue(nTrain)).as("meta record at n_train %d", nTrain).isTrue();
            try (NtkRegressor learner = learner(task, nTrain)) {
                double[] expected = new io.ntkstream.meta.MetaLearner().evaluate(learner.state()).scores();
                for (int g = 0; g < expected.length; g++) {
                    assertThat(n.get("scores").get(g).asDouble()).as("%s n=%d grid %d", task.name, nTrain, g)
                            .isCloseTo(expected[g], Offset.offset(1e-9 * (1 + Math.abs(expected[g]))));
                }
                if (nTrain == task.samples.size()) {
                    finalScores.put(task.name, expected);
                }
            }
        }
        assertThat(taskRecords).isEqualTo(workload.tasks.stream()
                .mapToLong(t -> java.util.stream.IntStream.rangeClosed(1, t.samples.size()).filter(schedule::isDue).count())
                .sum());
        assertThat(finalScores).hasSize(workload.tasks.size());
        int g = io.ntkstream.meta.MetaLearner.defaultGrid().size();
        double[] mean = new double[g];
        finalScores.values().forEach(v -> { for (int i = 0; i < g; i++) { mean[i] += v[i]; } });
        int best = 0;
        for (int i = 1; i < g; i++) {
            if (mean[i] < mean[best]) {
                best = i;
            }
        }
        assertThat(lastGlobal).isNotNull();
        assertThat(lastGlobal.get("ridge").asDouble()).isEqualTo(io.ntkstream.meta.MetaLearner.defaultGrid().get(best).ridge());
        assertThat(lastGlobal.get("tasks").asInt()).isEqualTo(workload.tasks.size());
    }

    private static int count(StreamWorkload.Task task, PicksJson p) {
        return task.picks.stream().filter(r -> r.id().equals(p.requestId())).findFirst().orElseThrow().count();
    }

    private NtkRegressor learner(StreamWorkload.Task task, int n) {
        NtkRegressor learner = new NtkRegressor(kernel, settings.withClasses(task.classification
                ? StreamWorkload.O : 0));
        for (int i = 0; i < n; i++) {
            learn(learner, task, i);
        }
        return learner;
    }

    private static void learn(NtkRegressor learner, StreamWorkload.Task task, int i) {
        StreamWorkload.Sample s = task.samples.get(i);
        if (s.label() != null) {
            learner.learnOne(s.id(), s.x(), s.label());
        } else {
            learner.learnOne(s.id(), s.x(), s.y());
        }
    }
}
