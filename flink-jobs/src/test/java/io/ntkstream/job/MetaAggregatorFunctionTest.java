package io.ntkstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.kafka.OutputRecord;
import io.ntkstream.meta.HyperParameters;
import io.ntkstream.meta.MetaLearner;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The meta aggregator on RocksDB: its choices ≡ the arg-min of the mean of every task's latest scores, recomputed directly. */
@SuppressWarnings("try")
class MetaAggregatorFunctionTest {
    static final List<HyperParameters> GRID = MetaLearner.defaultGrid();

    static TaskScores scores(String task, double[] s) {
        TaskScores t = new TaskScores();
        t.task = task;
        t.modelVersion = 1;
        t.scores = s;
        return t;
    }

    @Test
    void globalChoiceIsTheArgMinOfTheMeanOfEachTasksLatestScores() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<Long, TaskScores, OutputRecord>(
                new KeyedProcessOperator<>(new MetaAggregatorFunction("ntk.meta")), s -> s.modelVersion, Types.LONG);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.open();
        SplittableRandom r = new SplittableRandom(9);
        Map<String, double[]> latest = new HashMap<>();
        int expectedChoice = -1;
        int emitted = 0;
        ObjectMapper json = new ObjectMapper();
        for (int step = 0; step < 200; step++) {
            String task = "t" + r.nextInt(12);
            double[] s = new double[GRID.size()];
            for (int g = 0; g < s.length; g++) {
                s[g] = 1 + r.nextDouble() + (g == step / 40 ? -0.9 : 0); // the best point drifts
            }
            latest.put(task, s);
            h.processElement(scores(task, s), step);
            double[] mean = new double[GRID.size()];
            latest.values().forEach(v -> { for (int g = 0; g < v.length; g++) { mean[g] += v[g] / latest.size(); } });
            int best = io.ntkstream.meta.MetaLearner.argMin(mean);
            List<OutputRecord> out = h.extractOutputValues();
            if (best != expectedChoice) {
                expectedChoice = best;
                assertThat(out).hasSize(++emitted);
                JsonNode last = json.readTree(out.get(out.size() - 1).value);
                assertThat(last.get("kind").asText()).isEqualTo("global");
                assertThat(last.get("ridge").asDouble()).isEqualTo(GRID.get(best).ridge());
                assertThat(last.get("tasks").asInt()).isEqualTo(latest.size());
                assertThat(last.get("mean_score").asDouble()).isCloseTo(mean[best], org.assertj.core.data.Offset.offset(1e-9));
            } else {
                assertThat(out).hasSize(emitted);
            }
        }
        assertThat(emitted).isGreaterThan(2);
        h.close();
    }
}
