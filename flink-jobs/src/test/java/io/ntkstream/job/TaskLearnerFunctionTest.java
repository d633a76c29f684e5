package io.ntkstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.kafka.BroadcastEvent;
import io.ntkstream.kafka.EventKind;
import io.ntkstream.kafka.ModelEvent;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.OutputRecord;
import io.ntkstream.kafka.TaskEvent;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.Prediction;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.data.DType;
import io.ntkstream.ntk.NtkMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task operator in Flink's keyed-broadcast test harness on the RocksDB backend: buffering until
 * the first model, snapshot → restore → identical outputs, a new model version ≡ a batch recompute,
 * and dead letters for what only the task can check. References are computed directly with ntk-core.
 */
@SuppressWarnings("try") // the harness's close() may throw InterruptedException
class TaskLearnerFunctionTest {
    static final int D = 3;
    static final int O = 2;
    static final Architecture ARCH = Architecture.mlp(D, 64, 2, O, Activation.RELU, Parametrization.NTK, 1.4, 0.1);

    @TempDir
    Path dir;

    ModelEvent model(long version, long seed) {
        Path file = dir.resolve("v" + version + ".safetensors");
        CheckpointFiles.write(file, Networks.randomTensors(ARCH, seed), DType.FLOAT64);
        return new ModelEvent(version, ARCH.toJson(), file.toUri().toString());
    }

    static JobConfig config() {
        return config(0);
    }

    static JobConfig config(int metaEvery) {
        JobConfig c = JobConfig.defaults();
        c.learning.ridge = 1e-2;
        c.meta.every = metaEvery; // 0: fixed hyper-parameters, outputs compared with a reference at λ = 1e-2
        c.batch.maxRecords = 1; // one record at a time (microBatches... turns batching on)
        return c;
    }

    static KeyedBroadcastOperatorTestHarness<String, TaskEvent, BroadcastEvent, OutputRecord> harness(
            OperatorSubtaskState restoreFrom) throws Exception {
        return harness(restoreFrom, config());
    }

    static KeyedBroadcastOperatorTestHarness<String, TaskEvent, BroadcastEvent, OutputRecord> harness(
            OperatorSubtaskState restoreFrom, JobConfig config) throws Exception {
        var op = new CoBroadcastWithKeyedOperator<>(new TaskLearnerFunction(config, null),
                List.of(TaskLearnerFunction.MODELS, TaskLearnerFunction.HYPER));
        var h = new KeyedBroadcastOperatorTestHarness<String, TaskEvent, BroadcastEvent, OutputRecord>(op, e -> e.task,
                Types.STRING, 1, 1, 0);
        h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
        h.setup();
        h.initializeState(restoreFrom);
        h.open();
        return h;
    }

    static TaskEvent event(EventKind kind, String task, String id, double[] x) {
        TaskEvent e = new TaskEvent();
        e.kind = kind;
        e.task = task;
        e.id = id;
        e.x = x;
        e.sourceTopic = "test";
        e.raw = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return e;
    }

    static TaskEvent sample(String task, String id, double[] x, double[] y) {
        TaskEvent e = event(EventKind.SAMPLE, task, id, x);
        e.y = y;
        return e;
    }

    static double[] x(SplittableRandom r) {
        return new double[] {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
    }

    static double[] y(double[] x) {
        return new double[] {Math.sin(x[0]) + x[1], x[2] * x[0]};
    }

    static List<String> values(KeyedBroadcastOperatorTestHarness<?, ?, ?, OutputRecord> h, String topic) {
        List<String> out = new ArrayList<>();
        for (OutputRecord r : h.extractOutputValues()) {
            if (r.topic.equals(topic)) {
                out.add(r.value);
            }
        }
        return out;
    }

    /** μ and σ² of a learner fitted directly with ntk-core on {@code xs, ys} under the model's checkpoint. */
    Prediction reference(ModelEvent m, List<double[]> xs, List<double[]> ys, double[] query) {
        return reference(m, xs, ys, query, RegressorSettings.defaults().withRidge(1e-2));
    }

    Prediction reference(ModelEvent m, List<double[]> xs, List<double[]> ys, double[] query, RegressorSettings s) {
        try (NtkRegressor r = referenceLearner(m, xs, ys, s)) {
            return r.predictOne(query);
        }
    }

    NtkRegressor referenceLearner(ModelEvent m, List<double[]> xs, List<double[]> ys, RegressorSettings s) {
        Network net = Networks.fromTensors(ARCH, CheckpointFiles.read(Path.of(java.net.URI.create(m.paramsUri))),
                Precision.FLOAT64);
        NtkRegressor r = new NtkRegressor(new EmpiricalNtkKernel(net, NtkMode.PSEUDO), s);
        for (int i = 0; i < xs.size(); i++) {
            r.learnOne("s" + i, xs.get(i), ys.get(i));
        }
        return r;
    }

    static void assertMatches(String json, Prediction ref, int nTrain, long version) {
        io.ntkstream.kafka.PredictionJson p = OutputFormats.readPrediction(json);
        assertThat(p.nTrain()).isEqualTo(nTrain);
        assertThat(p.modelVersion()).isEqualTo(version);
        for (int o = 0; o < O; o++) {
            assertThat(p.mean()[o]).isCloseTo(ref.mean()[o], org.assertj.core.data.Offset.offset(1e-9));
        }
        assertThat(p.variance()).isCloseTo(ref.variance(), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void recordsBeforeTheFirstModelAreBufferedInStateAndReplayedWhenItArrives() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        List<double[]> xs = new ArrayList<>();
        List<double[]> ys = new ArrayList<>();
        double[] q = x(r);
        ModelEvent v1 = model(1, 11);
        try (var h = harness(null)) {
            for (int i = 0; i < 6; i++) {
                xs.add(x(r));
                ys.add(y(xs.get(i)));
                h.processElement(sample("t", "s" + i, xs.get(i), ys.get(i)), 0);
            }
            h.processElement(event(EventKind.QUERY, "t", "q1", q), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            // survives a snapshot while still waiting for a model
            OperatorSubtaskState waiting = h.snapshot(1, 1);
            try (var restored = harness(waiting)) {
                restored.processBroadcastElement(BroadcastEvent.of(v1), 0);
                List<String> preds = values(restored, "ntk.predictions");
                assertThat(preds).hasSize(1);
                assertMatches(preds.get(0), reference(v1, xs, ys, q), 6, 1);
            }
        }
    }

    @Test
    void snapshotThenRestoreGivesIdenticalOutputs() throws Exception {
        SplittableRandom r = new SplittableRandom(2);
        ModelEvent v1 = model(1, 21);
        List<TaskEvent> before = new ArrayList<>();
        List<TaskEvent> after = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            double[] xi = x(r);
            String task = "t" + (i % 3);
            (i < 15 ? before : after).add(sample(task, "s" + i, xi, y(xi)));
            if (i % 4 == 0) {
                (i < 15 ? before : after).add(event(EventKind.QUERY, task, "q" + i, x(r)));
            }
            if (i % 5 == 0) {
                (i < 15 ? before : after).add(event(EventKind.POOL_ADD, task, "u" + i, x(r)));
            }
        }
        TaskEvent pick = event(EventKind.PICK, "t0", "p1", null);
        pick.pick = 2;
        pick.strategy = "variance";
        after.add(pick);
        List<String> continued;
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            h.processBroadcastElement(BroadcastEvent.of(v1), 0);
            for (TaskEvent e : before) {
                h.processElement(e, 0);
            }
            snapshot = h.snapshot(1, 1);
            int skip = h.extractOutputValues().size();
            for (TaskEvent e : after) {
                h.processElement(e, 0);
            }
            List<OutputRecord> all = h.extractOutputValues();
            continued = all.subList(skip, all.size()).stream().map(o -> o.value).toList();
        }
        assertThat(continued).anyMatch(s -> s.contains("\"request_id\":\"p1\""));
        try (var restored = harness(snapshot)) {
            for (TaskEvent e : after) {
                restored.processElement(e, 0);
            }
            assertThat(restored.extractOutputValues().stream().map(o -> o.value).toList()).isEqualTo(continued);
        }
    }

    @Test
    void aNewModelVersionRebuildsTheTaskFromItsRawSamples() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        ModelEvent v1 = model(1, 31);
        ModelEvent v2 = model(2, 32);
        List<double[]> xs = new ArrayList<>();
        List<double[]> ys = new ArrayList<>();
        double[] q = x(r);
        try (var h = harness(null)) {
            h.processBroadcastElement(BroadcastEvent.of(v1), 0);
            for (int i = 0; i < 10; i++) {
                xs.add(x(r));
                ys.add(y(xs.get(i)));
                h.processElement(sample("t", "s" + i, xs.get(i), ys.get(i)), 0);
            }
            h.processElement(event(EventKind.QUERY, "t", "q1", q), 0);
            h.processBroadcastElement(BroadcastEvent.of(v2), 0);
            h.processElement(event(EventKind.QUERY, "t", "q2", q), 0);
            List<String> preds = values(h, "ntk.predictions");
            assertMatches(preds.get(0), reference(v1, xs, ys, q), 10, 1);
            assertMatches(preds.get(1), reference(v2, xs, ys, q), 10, 2);
            // an older version is refused with a reason
            h.processBroadcastElement(BroadcastEvent.of(model(1, 33)), 0);
            assertThat(values(h, "ntk.dead-letter")).anyMatch(s -> s.contains("newer than the current 2"));
        }
    }

    @Test
    void tasksPublishTheirLeaveOneOutScoresAndNewTasksStartFromTheMetaLearnedChoice() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        ModelEvent v1 = model(1, 51);
        List<double[]> xs = new ArrayList<>();
        List<double[]> ys = new ArrayList<>();
        double[] q = x(r);
        JobConfig config = config(5);
        config.meta.reptile.enabled = true;
        config.meta.reptile.minLabels = 10;
        try (var h = harness(null, config)) {
            h.processBroadcastElement(BroadcastEvent.of(v1), 0);
            for (int i = 0; i < 10; i++) {
                xs.add(x(r));
                ys.add(y(xs.get(i)));
                h.processElement(sample("old", "s" + i, xs.get(i), ys.get(i)), 0);
            }
            // Reptile: from 10 labels on, the task's Δθ = J(X)ᵀα ≡ a direct computation
            var displacements = h.getSideOutput(TaskLearnerFunction.DISPLACEMENTS);
            assertThat(displacements).hasSize(1);
            try (NtkRegressor ref = referenceLearner(v1, xs, ys, RegressorSettings.defaults().withRidge(1e-2))) {
                double[] expected = io.ntkstream.meta.Displacement.of(ref.state(),
                        io.ntkstream.meta.HyperParameters.ridge(1e-2));
                double[] got = displacements.peek().getValue().delta;
                assertThat(got).hasSameSizeAs(expected);
                for (int p = 0; p < expected.length; p++) {
                    assertThat(got[p]).isCloseTo(expected[p], org.assertj.core.data.Offset.offset(1e-9));
                }
            }
            // a record every 5 labels, its scores ≡ the closed-form LOO of a learner fitted directly
            List<String> meta = values(h, "ntk.meta");
            assertThat(meta).hasSize(2);
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(meta.get(1));
            assertThat(node.get("n_train").asInt()).isEqualTo(10);
            try (NtkRegressor ref = referenceLearner(v1, xs, ys, RegressorSettings.defaults().withRidge(1e-2))) {
                double[] expected = new io.ntkstream.meta.MetaLearner().evaluate(ref.state()).scores();
                for (int g = 0; g < expected.length; g++) {
                    assertThat(node.get("scores").get(g).asDouble())
                            .isCloseTo(expected[g], org.assertj.core.data.Offset.offset(1e-9 * (1 + expected[g])));
                }
            }
            // the aggregator's choice comes back: a new task starts from it, the old task keeps its λ
            h.processBroadcastElement(BroadcastEvent.of(new io.ntkstream.kafka.HyperEvent(1, 0.3, Double.POSITIVE_INFINITY,
                    1)), 0);
            for (int i = 0; i < 10; i++) {
                h.processElement(sample("new", "s" + i, xs.get(i), ys.get(i)), 0);
            }
            h.processElement(event(EventKind.QUERY, "old", "q-old", q), 0);
            h.processElement(event(EventKind.QUERY, "new", "q-new", q), 0);
            List<String> preds = values(h, "ntk.predictions");
            assertMatches(preds.get(0), reference(v1, xs, ys, q), 10, 1);
            assertMatches(preds.get(1), reference(v1, xs, ys, q, RegressorSettings.defaults().withRidge(0.3)), 10, 1);
        }
    }

    @Test
    void whatOnlyTheTaskCanCheckGoesToTheDeadLetterTopicWithTheReason() throws Exception {
        SplittableRandom r = new SplittableRandom(4);
        try (var h = harness(null)) {
            h.processBroadcastElement(BroadcastEvent.of(new ModelEvent(1, ARCH.toJson(), dir.resolve("missing.safetensors").toUri()
                    .toString())), 0);
            h.processBroadcastElement(BroadcastEvent.of(model(2, 41)), 0);
            double[] x0 = x(r);
            h.processElement(sample("t", "s0", x0, y(x0)), 0);
            h.processElement(sample("t", "s0", x0, y(x0)), 0);                       // duplicate id
            h.processElement(sample("t", "s1", new double[] {1, 2}, y(x0)), 0);      // wrong input_dim
            h.processElement(sample("t", "s2", x0, new double[] {1, 2, 3}), 0);      // wrong O
            TaskEvent labeled = event(EventKind.SAMPLE, "t", "s3", x0);
            labeled.label = 1;
            h.processElement(labeled, 0);                                            // label on a regression task
            h.processElement(event(EventKind.POOL_REMOVE, "t", "nope", null), 0);    // not in pool
            TaskEvent margin = event(EventKind.PICK, "t", "p", null);
            margin.pick = 1;
            margin.strategy = "margin";
            h.processElement(margin, 0);                                              // needs classes
            List<String> dead = values(h, "ntk.dead-letter");
            assertThat(dead).hasSize(7);
            assertThat(dead.get(0)).contains("missing.safetensors");
            assertThat(dead.get(1)).contains("already labeled");
            assertThat(dead.get(2)).contains("input_dim = 3");
            assertThat(dead.get(3)).contains("O = 2");
            assertThat(dead.get(4)).contains("does regression");
            assertThat(dead.get(5)).contains("not in task");
            assertThat(dead.get(6)).contains("needs a classification task");
        }
    }

    @Test
    void microBatchesGiveTheOutputsOfOneRecordAtATimeAndSurviveASnapshotMidBatch() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        ModelEvent v1 = model(1, 71);
        List<TaskEvent> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            double[] xi = x(r);
            String task = "t" + (i % 2);
            events.add(sample(task, "s" + i, xi, y(xi)));
            if (i % 3 == 0) {
                events.add(event(EventKind.QUERY, task, "q" + i, x(r)));
            }
            if (i % 7 == 0) {
                events.add(event(EventKind.POOL_ADD, task, "u" + i, x(r)));
            }
            if (i == 30) {
                TaskEvent pick = event(EventKind.PICK, task, "p" + i, null);
                pick.pick = 2;
                pick.strategy = "variance";
                events.add(pick);
            }
        }
        List<OutputRecord> oneAtATime;
        try (var h = harness(null, config(5))) {
            h.processBroadcastElement(BroadcastEvent.of(v1), 0);
            for (TaskEvent e : events) {
                h.processElement(e, 0);
            }
            oneAtATime = new ArrayList<>(h.extractOutputValues());
        }
        JobConfig batched = config(5);
        batched.batch.maxRecords = 4;
        batched.batch.maxDelayMs = 5;
        List<OutputRecord> outputs = new ArrayList<>();
        int half = events.size() / 2 + 1; // leaves a part-filled batch (and its timer) in the snapshot
        OperatorSubtaskState snapshot;
        try (var h = harness(null, batched)) {
            h.processBroadcastElement(BroadcastEvent.of(v1), 0);
            for (TaskEvent e : events.subList(0, half)) {
                h.processElement(e, 0);
            }
            outputs.addAll(h.extractOutputValues());
            snapshot = h.snapshot(1, 1);
        }
        assertThat(outputs.size()).isLessThan((int) oneAtATime.stream().filter(o -> !o.topic.equals("ntk.meta")).count());
        try (var h = harness(snapshot, batched)) {
            h.setProcessingTime(1); // before the deadline: nothing happens yet
            for (TaskEvent e : events.subList(half, events.size())) {
                h.processElement(e, 1);
            }
            h.setProcessingTime(100); // every deadline passed: the part-filled batches are processed
            outputs.addAll(h.extractOutputValues());
        }
        assertThat(outputs).hasSameSizeAs(oneAtATime);
        for (String topic : List.of("ntk.predictions", "ntk.picks", "ntk.meta")) {
            List<String> expected = oneAtATime.stream().filter(o -> o.topic.equals(topic)).map(o -> o.value).toList();
            List<String> actual = outputs.stream().filter(o -> o.topic.equals(topic)).map(o -> o.value).toList();
            assertThat(actual).as(topic).hasSameSizeAs(expected).isNotEmpty();
            for (int i = 0; i < expected.size(); i++) {
                assertSameNumbers(actual.get(i), expected.get(i));
            }
        }
    }

    @Test
    void inputsTheNetworkRejectsAreDeadLettersAndTheRestOfTheirBatchIsLearned() throws Exception {
        // token ids in [0, 5): 7 and 2.5 are valid numbers the embedding layer rejects
        Architecture tokens = Architecture.parse("""
                {"input_shape":[3],"parametrization":"ntk","layers":[
                 {"type":"embedding","num_embeddings":5,"embedding_dim":4},{"type":"flatten"},
                 {"type":"dense","out":2}]}""");
        Path file = dir.resolve("tokens.safetensors");
        CheckpointFiles.write(file, Networks.randomTensors(tokens, 3), DType.FLOAT64);
        ModelEvent v1 = new ModelEvent(1, tokens.toJson(), file.toUri().toString());
        JobConfig c = config();
        c.batch.maxRecords = 8;
        List<double[]> goodX = List.of(new double[] {0, 1, 2}, new double[] {4, 4, 0}, new double[] {3, 1, 1});
        List<double[]> goodY = List.of(new double[] {1, 0}, new double[] {0, 1}, new double[] {0.5, 0.5});
        try (var h = harness(null, c)) {
            h.processBroadcastElement(BroadcastEvent.of(v1), 0);
            h.processElement(sample("t", "g0", goodX.get(0), goodY.get(0)), 0);
            h.processElement(sample("t", "bad-range", new double[] {0, 7, 1}, new double[] {1, 1}), 0);
            h.processElement(sample("t", "g1", goodX.get(1), goodY.get(1)), 0);
            h.processElement(sample("t", "bad-fraction", new double[] {2.5, 0, 1}, new double[] {1, 1}), 0);
            h.processElement(sample("t", "g2", goodX.get(2), goodY.get(2)), 0);
            h.processElement(event(EventKind.QUERY, "t", "q-bad", new double[] {9, 0, 0}), 0);
            h.processElement(event(EventKind.QUERY, "t", "q-good", new double[] {1, 2, 3}), 0);
            h.processElement(event(EventKind.POOL_ADD, "t", "u-bad", new double[] {0, 0, -1}), 0);
            h.processElement(event(EventKind.POOL_ADD, "t", "u-good", new double[] {0, 0, 1}), 0);
            TaskEvent pick = event(EventKind.PICK, "t", "p1", null);
            pick.pick = 1;
            pick.strategy = "variance";
            h.processElement(pick, 0);
            h.setProcessingTime(100);
            List<String> letters = values(h, "ntk.dead-letter");
            assertThat(letters).hasSize(4);
            assertThat(letters.get(3)).contains("not a valid input for model version 1").contains("token id -1");
            assertThat(values(h, "ntk.picks")).singleElement().asString().contains("u-good");
            assertThat(letters.get(0)).contains("not a valid input for model version 1").contains("token id 7");
            assertThat(letters.get(1)).contains("not a valid input for model version 1").contains("2.5");
            assertThat(letters.get(2)).contains("not a valid input for model version 1").contains("token id 9");
            List<String> preds = values(h, "ntk.predictions");
            assertThat(preds).hasSize(1);
            Network net = Networks.fromTensors(tokens, CheckpointFiles.read(file), Precision.FLOAT64);
            try (NtkRegressor r = new NtkRegressor(new EmpiricalNtkKernel(net, NtkMode.PSEUDO),
                    RegressorSettings.defaults().withRidge(1e-2))) {
                for (int i = 0; i < goodX.size(); i++) {
                    r.learnOne("s" + i, goodX.get(i), goodY.get(i));
                }
                assertMatches(preds.get(0), r.predictOne(new double[] {1, 2, 3}), 3, 1);
            }
        }
    }

    @Test
    void aConvolutionalCheckpointIsLearnedInMicroBatchesLikeADirectRefit() throws Exception {
        Architecture cnn = Architecture.parse("""
                {"input_shape":[2,4,4],"parametrization":"ntk","layers":[
                 {"type":"conv2d","out":4,"kernel":3,"padding":1},{"type":"relu"},
                 {"type":"residual","layers":[{"type":"conv2d","out":4,"kernel":3,"padding":1},{"type":"relu"}]},
                 {"type":"avg_pool","kernel":2},{"type":"flatten"},{"type":"dense","out":2}]}""");
        Path file = dir.resolve("cnn.safetensors");
        CheckpointFiles.write(file, Networks.randomTensors(cnn, 8), DType.FLOAT32);
        ModelEvent v1 = new ModelEvent(1, cnn.toJson(), file.toUri().toString());
        JobConfig c = config();
        c.batch.maxRecords = 4;
        SplittableRandom r = new SplittableRandom(12);
        List<double[]> xs = new ArrayList<>();
        List<double[]> ys = new ArrayList<>();
        double[] q = r.doubles(32, -1, 1).toArray();
        try (var h = harness(null, c)) {
            h.processBroadcastElement(BroadcastEvent.of(v1), 0);
            for (int i = 0; i < 11; i++) {
                xs.add(r.doubles(32, -1, 1).toArray());
                ys.add(new double[] {Math.sin(i), Math.cos(i)});
                h.processElement(sample("t", "s" + i, xs.get(i), ys.get(i)), 0);
            }
            h.processElement(event(EventKind.QUERY, "t", "q", q), 0);
            h.setProcessingTime(100);
            List<String> preds = values(h, "ntk.predictions");
            assertThat(preds).hasSize(1);
            assertThat(values(h, "ntk.dead-letter")).isEmpty();
            Network net = Networks.fromTensors(cnn, CheckpointFiles.read(file), Precision.FLOAT64);
            try (NtkRegressor ref = new NtkRegressor(new EmpiricalNtkKernel(net, NtkMode.PSEUDO),
                    RegressorSettings.defaults().withRidge(1e-2))) {
                for (int i = 0; i < xs.size(); i++) {
                    ref.learnOne("s" + i, xs.get(i), ys.get(i));
                }
                assertMatches(preds.get(0), ref.predictOne(q), 11, 1);
            }
        }
    }

    /** Same JSON up to 1e-9 in every number (a batch sums in another order than one sample at a time). */
    static void assertSameNumbers(String actual, String expected) throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertSameNumbers(json.readTree(actual), json.readTree(expected), expected);
    }

    private static void assertSameNumbers(com.fasterxml.jackson.databind.JsonNode a,
                                          com.fasterxml.jackson.databind.JsonNode e, String where) {
        if (e.isNumber() && !e.isIntegralNumber()) {
            assertThat(a.isNumber()).as(where).isTrue();
            assertThat(a.asDouble()).as(where).isCloseTo(e.asDouble(),
                    org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(e.asDouble()))));
        } else if (e.isContainerNode()) {
            assertThat(a.size()).as(where).isEqualTo(e.size());
            var names = e.fieldNames();
            if (e.isArray()) {
                for (int i = 0; i < e.size(); i++) {
                    assertSameNumbers(a.get(i), e.get(i), where);
                }
            } else {
                while (names.hasNext()) {
                    String n = names.next();
                    assertSameNumbers(a.get(n), e.get(n), where + " ." + n);
                }
            }
        } else {
            assertThat(a).as(where).isEqualTo(e);
        }
    }
}
