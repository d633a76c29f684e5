package io.ntkstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.data.DType;
import io.ntkstream.kafka.OutputRecord;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming Reptile step: after tasks-per-update distinct tasks, the written checkpoint ≡
 * θ0 + ε·mean(each task's latest Δθ), computed here directly on the flattened parameters.
 */
@SuppressWarnings("try")
class ReptileFunctionTest {
    static final Architecture ARCH = Architecture.mlp(3, 16, 1, 2, Activation.TANH, Parametrization.NTK, 1.2, 0.1);

    @TempDir
    Path dir;

    @Test
    void theNewVersionIsTheBasePlusStepTimesTheMeanOfTheTasksLatestDisplacements() throws Exception {
        Path base = dir.resolve("v4.safetensors");
        CheckpointFiles.write(base, Networks.randomTensors(ARCH, 3), DType.FLOAT64);
        double[] theta = Networks.flatten(Networks.fromTensors(ARCH, CheckpointFiles.read(base), Precision.FLOAT64));
        JobConfig.Reptile settings = new JobConfig.Reptile();
        settings.enabled = true;
        settings.stepSize = 0.3;
        settings.tasksPerUpdate = 3;
        settings.checkpointDir = dir.resolve("models").toUri().toString();
        var h = new KeyedOneInputStreamOperatorTestHarness<Long, TaskDisplacement, OutputRecord>(
                new KeyedProcessOperator<>(new ReptileFunction(settings, "ntk.models", "ntk.meta")),
                d -> d.modelVersion, Types.LONG);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.open();
        SplittableRandom r = new SplittableRandom(1);
        double[][] latest = new double[3][];
        String[] order = {"a", "b", "a", "c"}; // task a reports twice: its latest Δθ counts
        for (String task : order) {
            TaskDisplacement d = new TaskDisplacement();
            d.task = task;
            d.modelVersion = 4;
            d.arch = ARCH.toJson();
            d.paramsUri = base.toUri().toString();
            d.delta = new double[theta.length];
            for (int p = 0; p < theta.length; p++) {
                d.delta[p] = r.nextGaussian();
            }
            latest[task.charAt(0) - 'a'] = d.delta;
            h.processElement(d, 0);
            if (!task.equals("c")) {
                assertThat(h.extractOutputValues()).isEmpty();
            }
        }
        List<OutputRecord> out = h.extractOutputValues();
        assertThat(out).hasSize(2);
        JsonNode model = new ObjectMapper().readTree(out.get(0).value);
        assertThat(out.get(0).topic).isEqualTo("ntk.models");
        assertThat(model.get("version").asLong()).isEqualTo(5);
        assertThat(Architecture.parse(model.get("arch").toString())).isEqualTo(ARCH);
        double[] written = Networks.flatten(Networks.fromTensors(ARCH,
                CheckpointFiles.read(Path.of(URI.create(model.get("params_uri").asText()))), Precision.FLOAT64));
        for (int p = 0; p < theta.length; p++) {
            double expected = theta[p] + 0.3 * (latest[0][p] + latest[1][p] + latest[2][p]) / 3;
            assertThat(written[p]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
        }
        assertThat(new ObjectMapper().readTree(out.get(1).value).get("kind").asText()).isEqualTo("checkpoint");
        // one update per version
        TaskDisplacement late = new TaskDisplacement();
        late.task = "d";
        late.modelVersion = 4;
        late.delta = new double[theta.length];
        h.processElement(late, 0);
        assertThat(h.extractOutputValues()).hasSize(2);
        h.close();
    }
}
