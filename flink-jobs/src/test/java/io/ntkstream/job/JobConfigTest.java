package io.ntkstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class JobConfigTest {
    /** The shipped, documented configuration (tests run in the module directory). */
    static final Path SHIPPED = Path.of("../config/ntkstream.yaml");

    @Test
    void shippedConfigHoldsExactlyTheDefaults() {
        JobConfig c = JobConfig.read(SHIPPED);
        JobConfig d = JobConfig.defaults();
        assertThat(c.kafka.bootstrapServers).isEqualTo(d.kafka.bootstrapServers).isEqualTo("127.0.0.1:9092");
        assertThat(c.kafka.transactionTimeoutMs).isEqualTo(d.kafka.transactionTimeoutMs);
        assertThat(c.kafka.properties).isEmpty();
        assertThat(c.topics.deadLetter).isEqualTo(d.topics.deadLetter).isEqualTo("ntk.dead-letter");
        assertThat(c.topics.toTopics()).isEqualTo(d.topics.toTopics());
        assertThat(c.learning.ridge).isEqualTo(d.learning.ridge);
        assertThat(c.picks.strategy).isEqualTo(d.picks.strategy);
        assertThat(c.limits.toDecoderLimits()).isEqualTo(d.limits.toDecoderLimits());
        assertThat(c.state.cacheTasks).isEqualTo(d.state.cacheTasks);
        assertThat(c.flink.checkpointIntervalMs).isEqualTo(d.flink.checkpointIntervalMs);
        assertThat(c.flink.checkpointDir).isEqualTo(d.flink.checkpointDir);
        // and every other field
        assertThat(c).usingRecursiveComparison().isEqualTo(d);
    }

    @Test
    void shippedConfigDocumentsEveryKey() throws Exception {
        JsonNode shipped = JobConfig.YAML.readTree(Files.readString(SHIPPED));
        JsonNode defaults = JobConfig.YAML.valueToTree(JobConfig.defaults());
        assertThat(keys(shipped, "", new TreeSet<>())).isEqualTo(keys(defaults, "", new TreeSet<>()));
    }

    private static TreeSet<String> keys(JsonNode node, String prefix, TreeSet<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            out.add(key);
            if (e.getValue().isObject() && !e.getKey().equals("properties") && !e.getKey().equals("configuration")) {
                keys(e.getValue(), key + ".", out);
            }
        }
        return out;
    }

    @Test
    void emptyFileIsTheDefaults() {
        assertThat(JobConfig.parse("", "empty")).usingRecursiveComparison().isEqualTo(JobConfig.defaults());
        assertThat(JobConfig.parse("# nothing\n", "comment")).usingRecursiveComparison().isEqualTo(JobConfig.defaults());
        // a copy of the shipped file with a section's keys commented out
        JobConfig c = JobConfig.parse("kafka:\n  # bootstrap-servers: x\nflink:\n  parallelism: 2\n  configuration:\n", "t");
        assertThat(c.kafka.bootstrapServers).isEqualTo(JobConfig.defaults().kafka.bootstrapServers);
        assertThat(c.flink.parallelism).isEqualTo(2);
        assertThat(c.flink.configuration).isEmpty();
    }

    @Test
    void notAMappingIsAnError() {
        assertThatThrownBy(() -> JobConfig.parse("just a string\n", "s.yaml")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s.yaml");
    }

    @Test
    void passThroughPropertiesAreKept() {
        JobConfig c = JobConfig.parse("""
                kafka:
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-512
                flink:
                  configuration:
                    state.backend.rocksdb.memory.managed: "true"
                """, "t");
        assertThat(c.kafka.properties).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(c.flink.configuration).containsEntry("state.backend.rocksdb.memory.managed", "true");
    }

    @Test
    void unknownKeyIsNamedWithItsPath() {
        assertThatThrownBy(() -> JobConfig.parse("kafka:\n  bootstrap-server: \"h:1\"\n", "my.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("my.yaml")
                .hasMessageContaining("kafka.bootstrap-server");
        assertThatThrownBy(() -> JobConfig.parse("flinkk:\n  parallelism: 2\n", "my.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("flinkk");
    }

    @Test
    void badValuesAreNamedWithTheirKey() {
        assertBad("flink:\n  parallelism: two\n", "flink.parallelism");
        assertBad("flink:\n  parallelism: 0\n", "flink.parallelism");
        assertBad("learning:\n  ridge: -1\n", "learning.ridge");
        assertBad("learning:\n  window: -3\n", "learning.window");
        assertBad("model:\n  kernel: full\n", "model.kernel");
        assertBad("model:\n  precision: float16\n", "model.precision");
        assertBad("picks:\n  strategy: best\n", "picks.strategy");
        assertBad("kafka:\n  transaction-timeout-ms: 3600000\n", "kafka.transaction-timeout-ms");
        assertBad("kafka:\n  bootstrap-servers: \"\"\n", "kafka.bootstrap-servers");
        assertBad("state:\n  cache-tasks: 0\n", "state.cache-tasks");
        assertBad("flink:\n  checkpoint-interval-ms: 1\n", "flink.checkpoint-interval-ms");
    }

    private static void assertBad(String yaml, String key) {
        assertThatThrownBy(() -> JobConfig.parse(yaml, "bad.yaml"))
                .as(yaml)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.yaml")
                .hasMessageContaining(key);
    }

    @Test
    void missingFileIsAnErrorNamingIt() {
        assertThatThrownBy(() -> JobConfig.read(Path.of("no/such/ntkstream.yaml")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no/such/ntkstream.yaml");
    }
}
