package io.ntkstream.cli;

import static io.ntkstream.cli.KernelCliTest.fixture;
import static io.ntkstream.cli.KernelCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.cli.KernelCliTest.Result;
import io.ntkstream.data.DType;
import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.meta.FineTuneCheck;
import io.ntkstream.meta.FlowScore;
import io.ntkstream.meta.HyperParameters;
import io.ntkstream.meta.MetaLearner;
import io.ntkstream.meta.MetaSimulation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.network.checkpoint.NamedTensor;
import io.ntkstream.ntk.NtkMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ntkstream meta-sim} and {@code ntkstream finetune-check} end to end on files, against the
 * library calls they wrap ({@link MetaSimulation#run}, {@link FineTuneCheck#run}) on the same
 * checkpoint and data: same table, same gap, same written predictions and checkpoint. Small
 * settings (a 1-16-16-1 network, 20 meta-tasks) — the science itself is tested in ntk-core.
 */
class MetaCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SIN_ARCH = "{\"input_dim\":1,\"parametrization\":\"ntk\",\"sigma_w\":1.414,\"sigma_b\":0.1,"
            + "\"layers\":[{\"type\":\"dense\",\"out\":16},{\"type\":\"relu\"},{\"type\":\"dense\",\"out\":16},"
            + "{\"type\":\"relu\"},{\"type\":\"dense\",\"out\":1}]}";

    @TempDir
    Path tmp;

    @Test
    void metaSimWritesTheLibrarysTable() throws IOException {
        Path arch = tmp.resolve("sin.arch.json");
        Files.writeString(arch, SIN_ARCH);
        Path params = tmp.resolve("sin.safetensors");
        Architecture a = Architecture.read(arch);
        CheckpointFiles.write(params, Networks.randomTensors(a, 3), DType.FLOAT64);
        Path csv = tmp.resolve("out/meta.csv");
        Path checkpoint = tmp.resolve("meta.safetensors");
        Result r = run("meta-sim", "--arch", arch.toString(), "--params", params.toString(), "--tasks", "sinusoid",
                "--shots", "5", "--meta-tasks", "20", "--eval-tasks", "10", "--queries", "20", "--seed", "4",
                "--reptile-batch", "5", "--out", csv.toString(), "--checkpoint-out", checkpoint.toString());
        assertThat(r.code()).as(r.err()).isZero();

        Network net = Networks.fromTensors(a, CheckpointFiles.read(params), Precision.FLOAT64);
        MetaSimulation.Settings settings = new MetaSimulation.Settings(5, 20, 20, 10, 4, NtkMode.TRACE,
                MetaLearner.defaultGrid(), HyperParameters.defaults(), FlowScore.AUTO, 0, 0.1, 5, 1);
        MetaSimulation.Result expected = MetaSimulation.run(net, settings);

        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo(
                "method,checkpoint_version,hyper_parameters,query_mse,stderr,tasks,shots,checkpoint");
        assertThat(lines).hasSize(expected.rows().size() + 1);
        for (int i = 0; i < expected.rows().size(); i++) {
            MetaSimulation.Row row = expected.rows().get(i);
            String[] f = lines.get(i + 1).split(",");
            assertThat(f[0]).isEqualTo(row.method());
            assertThat(Long.parseLong(f[1])).isEqualTo(row.checkpointVersion());
            assertThat(f[2]).isEqualTo(row.hyperParameters());
            assertThat(Double.parseDouble(f[3])).as(row.method()).isCloseTo(row.queryMse(),
                    Offset.offset(1e-12 * row.queryMse()));
            assertThat(Integer.parseInt(f[5])).isEqualTo(10);
            assertThat(f[6]).isEqualTo("5");
            assertThat(f[7]).isEqualTo(row.checkpoint().equals("θ0") ? params.toString() : row.checkpoint());
        }
        JsonNode json = JSON.readTree(r.out());
        assertThat(json.get("command").asText()).isEqualTo("meta-sim");
        assertThat(json.get("network").asText()).isEqualTo("1-16-16-1");
        assertThat(json.get("checkpoint_version").asLong()).isEqualTo(4);
        assertThat(json.get("meta_hyper_parameters").asText()).isEqualTo(expected.metaHyperParameters().toString());
        assertThat(json.get("rows")).hasSize(expected.rows().size());
        Map<String, NamedTensor> written = CheckpointFiles.read(checkpoint);
        assertThat(written.keySet()).isEqualTo(expected.checkpoint().tensors().keySet());
        for (var e : expected.checkpoint().tensors().entrySet()) {
            assertThat(written.get(e.getKey()).values()).isEqualTo(e.getValue().values());
        }
    }

    static final String ERF_ARCH = SIN_ARCH.replace("relu", "erf");

    @Test
    void metaSimWithCandidateCheckpointsReportsTheLibrarysChoice() throws IOException {
        Path arch = tmp.resolve("sin.arch.json");
        Path erfArch = tmp.resolve("sin-erf.arch.json");
        Files.writeString(arch, SIN_ARCH);
        Files.writeString(erfArch, ERF_ARCH);
        Path params = tmp.resolve("sin.safetensors");
        Path other = tmp.resolve("sin-seed5.safetensors");
        Path erf = tmp.resolve("sin-erf.safetensors");
        CheckpointFiles.write(params, Networks.randomTensors(Architecture.read(arch), 3), DType.FLOAT64);
        CheckpointFiles.write(other, Networks.randomTensors(Architecture.read(arch), 5), DType.FLOAT64);
        CheckpointFiles.write(erf, Networks.randomTensors(Architecture.read(erfArch), 3), DType.FLOAT64);
        Path csv = tmp.resolve("meta.csv");
        Result r = run("meta-sim", "--arch", arch.toString(), "--params", params.toString(), "--shots", "5",
                "--meta-tasks", "20", "--eval-tasks", "10", "--queries", "20", "--seed", "4", "--reptile-epochs", "0",
                "--candidate-params", other.toString(), "--candidate-arch", arch.toString(),
                "--candidate-params", erf.toString(), "--candidate-arch", erfArch.toString(), "--out", csv.toString());
        assertThat(r.code()).as(r.err()).isZero();

        MetaSimulation.Settings settings = new MetaSimulation.Settings(5, 20, 20, 10, 4, NtkMode.TRACE,
                MetaLearner.defaultGrid(), HyperParameters.defaults(), FlowScore.AUTO, 0, 0.1, 10, 0);
        MetaSimulation.Result expected = MetaSimulation.run(
                new MetaSimulation.Candidate(params.toString(), network(arch, params)),
                List.of(new MetaSimulation.Candidate(other.toString(), network(arch, other)),
                        new MetaSimulation.Candidate(erf.toString(), network(erfArch, erf))), settings);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(expected.rows().size() + 1);
        for (int i = 0; i < expected.rows().size(); i++) {
            MetaSimulation.Row row = expected.rows().get(i);
            String[] f = lines.get(i + 1).split(",");
            assertThat(f[0]).isEqualTo(row.method());
            assertThat(f[2]).isEqualTo(row.hyperParameters());
            assertThat(Double.parseDouble(f[3])).as(row.method()).isCloseTo(row.queryMse(),
                    Offset.offset(1e-12 * row.queryMse()));
            assertThat(f[7]).isEqualTo(row.checkpoint());
        }
        assertThat(lines.stream().filter(l -> l.startsWith("candidate-meta-hp,")).count()).isEqualTo(3);
        JsonNode choice = JSON.readTree(r.out()).get("checkpoint_choice");
        assertThat(choice.get("checkpoint").asText()).isEqualTo(expected.checkpointChoice().name());
        assertThat(choice.get("hyper_parameters").asText())
                .isEqualTo(expected.checkpointChoice().hyperParameters().toString());
        assertThat(expected.row("meta-checkpoint-choice").checkpoint()).isEqualTo(expected.checkpointChoice().name());

        Result mismatch = run("meta-sim", "--arch", arch.toString(), "--params", params.toString(), "--shots", "5",
                "--candidate-params", other.toString(), "--candidate-params", erf.toString(),
                "--candidate-arch", erfArch.toString(), "--out", csv.toString());
        assertThat(mismatch.code()).isEqualTo(2);
        assertThat(mismatch.err()).contains("--candidate-arch: expected one per --candidate-params (2), got 1");
        Result twice = run("meta-sim", "--arch", arch.toString(), "--params", params.toString(), "--shots", "5",
                "--candidate-params", params.toString(), "--out", csv.toString());
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).contains("--candidate-params").contains("given twice");
    }

    static Network network(Path arch, Path params) {
        return Networks.fromTensors(Architecture.read(arch), CheckpointFiles.read(params), Precision.FLOAT64);
    }

    @Test
    void finetuneCheckReportsTheLibrarysGap() throws IOException {
        Path arch = fixture("mlp_relu_ntk.arch.json"); // 3 -> 8 -> 6 -> 2
        Path params = fixture("mlp_relu_ntk.npz");
        SplittableRandom rnd = new SplittableRandom(8);
        double[][] xs = new double[5][3];
        double[][] ys = new double[5][2];
        double[][] ts = new double[4][3];
        for (int i = 0; i < 5; i++) {
            for (int d = 0; d < 3; d++) {
                xs[i][d] = 2 * rnd.nextDouble() - 1;
            }
            ys[i][0] = Math.sin(2 * xs[i][0]);
            ys[i][1] = xs[i][1] * xs[i][2];
        }
        for (double[] t : ts) {
            for (int d = 0; d < 3; d++) {
                t[d] = 2 * rnd.nextDouble() - 1;
            }
        }
        Path x = tmp.resolve("x.npy");
        Path y = tmp.resolve("y.npy");
        Path t = tmp.resolve("t.npy");
        Path gd = tmp.resolve("gd.npy");
        Path lin = tmp.resolve("lin.npy");
        Npy.writeMatrix(x, xs, DType.FLOAT64);
        Npy.writeMatrix(y, ys, DType.FLOAT64);
        Npy.writeMatrix(t, ts, DType.FLOAT64);
        Result r = run("finetune-check", "--arch", arch.toString(), "--params", params.toString(),
                "--train-x", x.toString(), "--train-y", y.toString(), "--test-x", t.toString(),
                "--lr", "0.05", "--steps", "20", "--out-gd", gd.toString(), "--out-linear", lin.toString());
        assertThat(r.code()).as(r.err()).isZero();

        Network net = Networks.fromTensors(Architecture.read(arch), CheckpointFiles.read(params), Precision.FLOAT64);
        FineTuneCheck.Result expected;
        try (Matrix mx = Matrix.fromRowMajor(Precision.FLOAT64, 3, 5, flatTransposed(xs));
             Matrix mt = Matrix.fromRowMajor(Precision.FLOAT64, 3, 4, flatTransposed(ts))) {
            expected = FineTuneCheck.run(net, mx, ys, mt, 0.05, 20);
        }
        JsonNode json = JSON.readTree(r.out());
        assertThat(json.get("command").asText()).isEqualTo("finetune-check");
        assertThat(json.get("outputs").asInt()).isEqualTo(2);
        assertThat(json.get("flow_time").asDouble()).isCloseTo(1.0, Offset.offset(1e-12));
        assertThat(json.get("gap").asDouble()).isCloseTo(expected.gap(), Offset.offset(1e-12 * expected.gap()));
        assertThat(json.get("discrete_gap").asDouble()).isCloseTo(expected.discreteGap(),
                Offset.offset(1e-12 * expected.discreteGap()));
        assertThat(json.get("loss_end").asDouble()).isLessThan(json.get("loss_start").asDouble());
        assertMatrix(Npy.read(gd), expected.finetuned());
        assertMatrix(Npy.read(lin), expected.linearized());
    }

    static double[] flatTransposed(double[][] rows) {
        int n = rows.length;
        int d = rows[0].length;
        double[] v = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                v[k * n + i] = rows[i][k];
            }
        }
        return v;
    }

    static void assertMatrix(NdArray a, double[][] expected) {
        assertThat(a.shape()).containsExactly(expected.length, expected[0].length);
        for (int i = 0; i < expected.length; i++) {
            for (int o = 0; o < expected[0].length; o++) {
                assertThat(a.values()[i * expected[0].length + o]).isCloseTo(expected[i][o], Offset.offset(1e-12));
            }
        }
    }

    @Test
    void badInputIsReportedNotThrown() throws IOException {
        Path arch = fixture("mlp_relu_ntk.arch.json");
        Path params = fixture("mlp_relu_ntk.npz");
        Path csv = tmp.resolve("m.csv");
        Result wrongNet = run("meta-sim", "--arch", arch.toString(), "--params", params.toString(), "--shots", "5",
                "--out", csv.toString());
        assertThat(wrongNet.code()).isEqualTo(2);
        assertThat(wrongNet.err()).contains("input_dim 1");
        Result wrongTasks = run("meta-sim", "--arch", arch.toString(), "--params", params.toString(), "--shots", "5",
                "--tasks", "omniglot", "--out", csv.toString());
        assertThat(wrongTasks.code()).isEqualTo(2);
        assertThat(wrongTasks.err()).contains("--tasks");

        Path x = tmp.resolve("x.npy");
        Path y = tmp.resolve("y.npy");
        Npy.writeMatrix(x, new double[][] {{0, 1, 2}, {1, 0, 1}}, DType.FLOAT64);
        Npy.writeMatrix(y, new double[][] {{1}, {2}}, DType.FLOAT64);
        Result badLr = run("finetune-check", "--arch", arch.toString(), "--params", params.toString(), "--train-x",
                x.toString(), "--train-y", y.toString(), "--test-x", x.toString(), "--lr", "0", "--steps", "3");
        assertThat(badLr.code()).isEqualTo(2);
        assertThat(badLr.err()).contains("--lr");
        Result badY = run("finetune-check", "--arch", arch.toString(), "--params", params.toString(), "--train-x",
                x.toString(), "--train-y", y.toString(), "--test-x", x.toString(), "--lr", "0.1", "--steps", "3");
        assertThat(badY.code()).isEqualTo(2);
        assertThat(badY.err()).contains("--train-y").contains("(2, 2)");

        Result help = run("--help");
        assertThat(help.out()).contains("meta-sim").contains("finetune-check");
    }
}
