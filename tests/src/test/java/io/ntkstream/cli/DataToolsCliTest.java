package io.ntkstream.cli;

import static io.ntkstream.cli.KernelCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.cli.KernelCliTest.Result;
import io.ntkstream.data.DType;
import io.ntkstream.data.Npy;
import io.ntkstream.kafka.EmbeddedKafkaBroker;
import io.ntkstream.kafka.KafkaClients;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ntkstream produce}, {@code consume} and {@code publish-model} against a real in-process
 * Kafka broker (no Flink): rows of .npy files go out as JSON records and come back exactly; the model
 * record names the checkpoint by URI; errors name the option and what was expected.
 */
class DataToolsCliTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
        broker.createTopics(List.of("ntk.samples", "ntk.pool", "ntk.queries", "ntk.models", "ntk.predictions",
                "ntk.picks", "ntk.dead-letter", "ntk.control", "pick-requests", "t2.samples", "t3.samples", "t4.samples", "odd-name"), 2);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    static Result ok(String... args) {
        Result r = run(args);
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        return r;
    }

    static Result fails(String... args) {
        Result r = run(args);
        assertThat(r.code()).as("exit code; stdout: %s", r.out()).isEqualTo(2);
        return r;
    }

    static double[][] gaussian(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = r.nextDouble(-3, 3) / 7;
            }
        }
        return x;
    }

    List<JsonNode> consumeJson(String topic, int expected, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("consume", "--topic", topic, "--bootstrap", broker.bootstrapServers(),
                "--from-beginning", "--json", "--max", Integer.toString(expected), "--timeout", "20"));
        args.addAll(List.of(extra));
        Result r = ok(args.toArray(String[]::new));
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        assertThat(r.err()).contains(out.size() + " record");
        return out;
    }

    static double[] values(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).doubleValue();
        }
        return v;
    }

    @Test
    void samplesWithLabelsFromFloat32RowsComeBackExactly() throws Exception {
        double[][] x = gaussian(37, 3, 1);
        Path xf = dir.resolve("x32.npy");
        Npy.writeMatrix(xf, x, DType.FLOAT32);
        double[][] stored = Npy.readMatrix(xf); // the float32 values, as doubles
        long[] labels = new long[37];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 4;
        }
        Path lf = dir.resolve("labels.npy");
        Npy.write(lf, new int[] {37}, Arrays.stream(labels).asDoubleStream().toArray(), DType.INT64);

        Result r = ok("produce", "--topic", "ntk.samples", "--task", "t1", "--x", xf.toString(), "--labels", lf.toString(),
                "--bootstrap", broker.bootstrapServers());
        JsonNode summary = JSON.readTree(r.out().trim());
        assertThat(summary.get("records").asInt()).isEqualTo(37);
        assertThat(summary.get("kind").asText()).isEqualTo("samples");
        assertThat(summary.get("first_id").asText()).isEqualTo("s-0");

        List<JsonNode> back = consumeJson("ntk.samples", 37);
        assertThat(back).hasSize(37);
        for (int i = 0; i < 37; i++) {
            JsonNode n = back.get(i);
            assertThat(n.get("task").asText()).isEqualTo("t1");
            assertThat(n.get("id").asText()).isEqualTo("s-" + i);
            assertThat(values(n.get("x"))).containsExactly(stored[i]);
            assertThat(n.get("label").asLong()).isEqualTo(labels[i]);
            assertThat(n.has("y")).isFalse();
        }
    }

    @Test
    void samplesWithRegressionTargetsAndChosenIdsComeBackExactly() throws Exception {
        double[][] x = gaussian(12, 2, 2);
        double[][] y = gaussian(12, 3, 3);
        Path xf = dir.resolve("rx.npy");
        Path yf = dir.resolve("ry.npy");
        Npy.writeMatrix(xf, x, DType.FLOAT64);
        Npy.writeMatrix(yf, y, DType.FLOAT64);
        ok("produce", "--topic", "t2.samples", "--task", "reg", "--x", xf.toString(), "--y", yf.toString(),
                "--ids-prefix", "r-", "--first-id", "100", "--bootstrap", broker.bootstrapServers());
        List<JsonNode> back = consumeJson("t2.samples", 12);
        assertThat(back).hasSize(12);
        for (int i = 0; i < 12; i++) {
            assertThat(back.get(i).get("id").asText()).isEqualTo("r-" + (100 + i));
            assertThat(values(back.get(i).get("x"))).containsExactly(x[i]);
            assertThat(values(back.get(i).get("y"))).containsExactly(y[i]);
        }

        // (N,) targets are O = 1
        double[] y1 = new double[12];
        for (int i = 0; i < 12; i++) {
            y1[i] = Math.sin(i) / 3;
        }
        Path y1f = dir.resolve("y1.npy");
        Npy.write(y1f, new int[] {12}, y1, DType.FLOAT64);
        ok("produce", "--topic", "t3.samples", "--task", "reg1", "--x", xf.toString(), "--y", y1f.toString(),
                "--bootstrap", broker.bootstrapServers());
        List<JsonNode> one = consumeJson("t3.samples", 12);
        for (int i = 0; i < 12; i++) {
            assertThat(values(one.get(i).get("y"))).containsExactly(y1[i]);
        }
    }

    @Test
    void poolAndQueriesCarryOnlyInputsAndTheRateLimitHolds() throws Exception {
        double[][] x = gaussian(20, 4, 4);
        Path xf = dir.resolve("px.npy");
        Npy.writeMatrix(xf, x, DType.FLOAT64);
        ok("produce", "--topic", "ntk.pool", "--task", "p", "--x", xf.toString(), "--bootstrap", broker.bootstrapServers());
        long start = System.nanoTime();
        Result q = ok("produce", "--topic", "ntk.queries", "--task", "p", "--x", xf.toString(), "--rate", "50",
                "--bootstrap", broker.bootstrapServers());
        assertThat((System.nanoTime() - start) / 1e9).as("20 records at 50/s take at least 19/50 s").isGreaterThan(0.38);
        assertThat(JSON.readTree(q.out().trim()).get("seconds").asDouble()).isGreaterThan(0.38);
        List<JsonNode> pool = consumeJson("ntk.pool", 20);
        List<JsonNode> queries = consumeJson("ntk.queries", 20);
        for (int i = 0; i < 20; i++) {
            assertThat(pool.get(i).get("id").asText()).isEqualTo("u-" + i);
            assertThat(queries.get(i).get("id").asText()).isEqualTo("q-" + i);
            assertThat(values(pool.get(i).get("x"))).containsExactly(x[i]);
            assertThat(values(queries.get(i).get("x"))).containsExactly(x[i]);
            for (JsonNode n : List.of(pool.get(i), queries.get(i))) {
                assertThat(n.has("y") || n.has("label")).isFalse();
            }
        }
        // a topic whose name does not tell the kind needs --kind
        ok("produce", "--topic", "odd-name", "--kind", "queries", "--task", "p", "--x", xf.toString(),
                "--bootstrap", broker.bootstrapServers());
        assertThat(consumeJson("odd-name", 20)).hasSize(20);
    }

    @Test
    void publishModelSendsTheArchitectureAndAFileUriOfTheCheckpoint() throws Exception {
        Architecture arch = Architecture.mlp(3, 8, 1, 2, Activation.RELU, Parametrization.NTK, 1.4, 0.1);
        Path archFile = dir.resolve("m.arch.json");
        Files.writeString(archFile, arch.toJson());
        Path params = dir.resolve("m.safetensors");
        CheckpointFiles.write(params, Networks.randomTensors(arch, 5), DType.FLOAT32);

        Result r = ok("publish-model", "--arch", archFile.toString(), "--params", params.toString(), "--version", "7",
                "--bootstrap", broker.bootstrapServers());
        JsonNode summary = JSON.readTree(r.out().trim());
        assertThat(summary.get("checked").asBoolean()).isTrue();
        assertThat(summary.get("network").asText()).isEqualTo("3-8-2");
        ok("publish-model", "--arch", archFile.toString(), "--params", "s3://bucket/models/m.safetensors", "--version",
                "8", "--bootstrap", broker.bootstrapServers());

        List<JsonNode> back = consumeJson("ntk.models", 2);
        assertThat(back.get(0).get("version").asLong()).isEqualTo(7);
        assertThat(back.get(0).get("params_uri").asText()).isEqualTo(params.toAbsolutePath().toUri().toString());
        assertThat(back.get(0).get("arch")).isEqualTo(JSON.readTree(arch.toJson()));
        assertThat(Architecture.parse(back.get(0).get("arch").toString())).isEqualTo(arch);
        assertThat(back.get(1).get("params_uri").asText()).isEqualTo("s3://bucket/models/m.safetensors");

        // readable form
        Result pretty = ok("consume", "--topic", "ntk.models", "--bootstrap", broker.bootstrapServers(),
                "--from-beginning", "--max", "1", "--timeout", "20");
        assertThat(pretty.out()).startsWith("model v7  3-8-2  file:");
    }

    @Test
    void consumeFiltersByTaskPrintsReadableLinesAndByDefaultOnlyNewRecords() throws Exception {
        try (KafkaProducer<String, String> p = KafkaClients.producer(broker.bootstrapServers())) {
            p.send(new ProducerRecord<>("ntk.predictions", "a", OutputFormats.prediction("a", "q-1",
                    new double[] {0.25, -0.25}, 0.5, new double[] {0.7, 0.3}, 0, 12, 3))).get();
            p.send(new ProducerRecord<>("ntk.predictions", "b", OutputFormats.prediction("b", "q-2",
                    new double[] {1.5}, 0.125, null, null, 4, 3))).get();
        }
        Result a = ok("consume", "--topic", "ntk.predictions", "--task", "a", "--bootstrap", broker.bootstrapServers(),
                "--from-beginning", "--timeout", "3");
        assertThat(a.out().trim()).isEqualTo("a  q-1  label=0 p=[0.7, 0.3] var=0.5  n_train=12 v3");
        Result b = ok("consume", "--topic", "ntk.predictions", "--task", "b", "--bootstrap", broker.bootstrapServers(),
                "--from-beginning", "--timeout", "3");
        assertThat(b.out().trim()).isEqualTo("b  q-2  mean=[1.5] var=0.125  n_train=4 v3");
        Result fresh = ok("consume", "--topic", "ntk.predictions", "--bootstrap", broker.bootstrapServers(),
                "--timeout", "1");
        assertThat(fresh.out()).isEmpty();
        assertThat(fresh.err()).contains("0 records");
    }

    @Test
    void picksAndDeadLettersReadably() throws Exception {
        try (KafkaProducer<String, String> p = KafkaClients.producer(broker.bootstrapServers())) {
            p.send(new ProducerRecord<>("ntk.picks", "a", OutputFormats.picks("a", "round-2", List.of("u-7", "u-3"),
                    new double[] {0.5, 0.25}, 20, 1, "lookahead", 180))).get();
            p.send(new ProducerRecord<>("ntk.dead-letter", null, OutputFormats.deadLetter(new io.ntkstream.kafka.DeadLetter(
                    "ntk.samples", 1, 42, "{\"task\":\"a\"}", "missing field \"id\"")))).get();
        }
        assertThat(ok("consume", "--topic", "ntk.picks", "--bootstrap", broker.bootstrapServers(), "--from-beginning",
                "--max", "1", "--timeout", "20").out().trim())
                .isEqualTo("a  pick round-2 (lookahead) → u-7 0.5, u-3 0.25  n_train=20 pool=180 v1");
        assertThat(ok("consume", "--topic", "ntk.dead-letter", "--bootstrap", broker.bootstrapServers(),
                "--from-beginning", "--max", "1", "--timeout", "20").out().trim())
                .isEqualTo("dead letter  ntk.samples[1]@42  missing field \"id\"  raw: {\"task\":\"a\"}");
    }

    @Test
    void everyToolHasHelp() {
        for (String tool : List.of("produce", "consume", "publish-model", "demo")) {
            Result r = ok(tool, "--help");
            assertThat(r.out()).as(tool).contains("Usage: ntkstream " + tool);
        }
        assertThat(ok("publish-model", "--help").out()).contains("--version").contains("--params");
        assertThat(ok("demo", "--help").out()).contains("--keep-running").contains("--quick");
    }

    @Test
    void pickRequestsGoToTheControlTopicAsDocumented() throws Exception {
        String bs = broker.bootstrapServers();
        Result r = ok("produce", "--topic", "ntk.control", "--task", "t1", "--pick", "5", "--strategy", "lookahead",
                "--id", "r-1", "--bootstrap", bs);
        JsonNode summary = JSON.readTree(r.out().trim());
        assertThat(summary.get("kind").asText()).isEqualTo("control");
        assertThat(summary.get("records").asInt()).isEqualTo(1);
        assertThat(summary.get("id").asText()).isEqualTo("r-1");
        // the job's default strategy (no "strategy" field) and a generated id
        Result r2 = ok("produce", "--topic", "ntk.control", "--task", "t2", "--pick", "3", "--bootstrap", bs);
        String generated = JSON.readTree(r2.out().trim()).get("id").asText();
        assertThat(generated).matches("r-\\d+");
        // --kind for a renamed topic; the strategy's name is normalized
        ok("produce", "--topic", "pick-requests", "--kind", "control", "--task", "t3", "--pick", "1", "--strategy", " Random ",
                "--id", "q", "--bootstrap", bs);

        List<JsonNode> back = consumeJson("ntk.control", 2); // (two partitions: in any order)
        // the first exactly docs/records.md's example
        assertThat(back).containsExactlyInAnyOrder(
                JSON.readTree("{\"task\":\"t1\",\"id\":\"r-1\",\"pick\":5,\"strategy\":\"lookahead\"}"),
                JSON.readTree("{\"task\":\"t2\",\"id\":\"" + generated + "\",\"pick\":3}"));
        List<JsonNode> odd = consumeJson("pick-requests", 1);
        assertThat(odd).hasSize(1);
        assertThat(odd.get(0).get("strategy").asText()).isEqualTo("random");
        assertThat(odd.get(0).get("pick").asInt()).isEqualTo(1);
        // keyed by the task, like every input record
        assertThat(KafkaClients.readAll(bs, "ntk.control", java.time.Duration.ofMillis(500),
                java.time.Duration.ofSeconds(20))).extracting(rec -> rec.key()).containsExactlyInAnyOrder("t1", "t2");
    }

    @Test
    void pickRequestErrorsNameTheOption() throws Exception {
        String bs = broker.bootstrapServers();
        Path xf = dir.resolve("cx.npy");
        Npy.writeMatrix(xf, gaussian(3, 2, 4), DType.FLOAT64);
        assertThat(fails("produce", "--topic", "ntk.control", "--task", "t", "--bootstrap", bs).err())
                .contains("--pick").contains("needs");
        assertThat(fails("produce", "--topic", "ntk.control", "--task", "t", "--pick", "0", "--bootstrap", bs).err())
                .contains("--pick").contains(">= 1").contains("got 0");
        assertThat(fails("produce", "--topic", "ntk.control", "--task", "t", "--pick", "2", "--strategy", "best",
                "--bootstrap", bs).err()).contains("--strategy").contains("'best'").contains("lookahead")
                .contains("random");
        assertThat(fails("produce", "--topic", "ntk.control", "--task", "t", "--pick", "2", "--x", xf.toString(),
                "--bootstrap", bs).err()).contains("--x").contains("no rows");
        assertThat(fails("produce", "--topic", "ntk.control", "--task", "t", "--pick", "2", "--id", " ",
                "--bootstrap", bs).err()).contains("--id");
        assertThat(fails("produce", "--topic", "ntk.samples", "--task", "t", "--x", xf.toString(), "--pick", "2",
                "--bootstrap", bs).err()).contains("--pick").contains("only pick requests");
        assertThat(fails("produce", "--topic", "ntk.queries", "--task", "t", "--bootstrap", bs).err())
                .contains("--x").contains("queries records need");
        assertThat(fails("produce", "--topic", "ntk.pool", "--kind", "picks", "--task", "t", "--x", xf.toString(),
                "--bootstrap", bs).err()).contains("--kind").contains("control");
    }

    @Test
    void errorsNameTheOptionAndWhatWasExpected() throws Exception {
        String bs = broker.bootstrapServers();
        double[][] x = gaussian(5, 2, 9);
        Path xf = dir.resolve("ex.npy");
        Npy.writeMatrix(xf, x, DType.FLOAT64);
        Path vec = dir.resolve("vec.npy");
        Npy.write(vec, new int[] {5}, new double[5], DType.FLOAT64);
        Path labels3 = dir.resolve("l3.npy");
        Npy.write(labels3, new int[] {3}, new double[3], DType.INT64);

        assertThat(fails("produce", "--topic", "ntk.samples", "--task", "t", "--x", xf.toString(), "--bootstrap", bs)
                .err()).contains("--y").contains("--labels").contains("neither");
        assertThat(fails("produce", "--topic", "ntk.samples", "--task", "t", "--x", vec.toString(), "--labels",
                labels3.toString(), "--bootstrap", bs).err()).contains("--x").contains("(N, input_dim)");
        assertThat(fails("produce", "--topic", "ntk.samples", "--task", "t", "--x", xf.toString(), "--labels",
                labels3.toString(), "--bootstrap", bs).err()).contains("--labels").contains("expected 5 labels");
        assertThat(fails("produce", "--topic", "ntk.samples", "--task", "t", "--x", xf.toString(), "--y",
                labels3.toString(), "--bootstrap", bs).err()).contains("--y").contains("float");
        assertThat(fails("produce", "--topic", "ntk.pool", "--task", "t", "--x", xf.toString(), "--labels",
                labels3.toString(), "--bootstrap", bs).err()).contains("--labels").contains("only samples");
        assertThat(fails("produce", "--topic", "whatever", "--task", "t", "--x", xf.toString(), "--bootstrap", bs)
                .err()).contains("--topic").contains("--kind");
        assertThat(fails("produce", "--topic", "ntk.queries", "--task", "t", "--x", xf.toString(), "--rate", "0",
                "--bootstrap", bs).err()).contains("--rate");
        assertThat(fails("produce", "--topic", "ntk.queries", "--task", "t", "--x", xf.toString(), "--bootstrap",
                "nohost").err()).contains("--bootstrap").contains("host:port");
        assertThat(fails("consume", "--topic", "no.such.topic", "--bootstrap", bs, "--timeout", "1").err())
                .contains("--topic no.such.topic");

        Architecture arch = Architecture.mlp(2, 4, 1, 1, Activation.RELU, Parametrization.NTK, 1.4, 0.1);
        Path archFile = dir.resolve("e.arch.json");
        Files.writeString(archFile, arch.toJson());
        assertThat(fails("publish-model", "--arch", archFile.toString(), "--params", dir.resolve("missing.safetensors")
                .toString(), "--version", "1", "--bootstrap", bs).err()).contains("--params").contains("no such file");
        Path other = dir.resolve("other.safetensors");
        CheckpointFiles.write(other, Networks.randomTensors(Architecture.mlp(3, 4, 1, 1, Activation.RELU,
                Parametrization.NTK, 1.4, 0.1), 1), DType.FLOAT32);
        assertThat(fails("publish-model", "--arch", archFile.toString(), "--params", other.toString(), "--version", "1",
                "--bootstrap", bs).err()).contains("--params").contains("does not fit --arch");
        assertThat(fails("publish-model", "--arch", archFile.toString(), "--params", other.toString(), "--version", "-1",
                "--bootstrap", bs).err()).contains("--version");
    }
}
