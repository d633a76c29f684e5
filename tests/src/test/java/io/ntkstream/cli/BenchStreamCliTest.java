package io.ntkstream.cli;

import static io.ntkstream.cli.KernelCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.cli.KernelCliTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of {@code ntkstream bench stream --quick}: a real in-process broker and MiniCluster run
 * every phase, and the JSON document has the expected fields with positive figures. No timing is
 * asserted (this is a shared 2-core machine).
 */
class BenchStreamCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void quickRunReportsEveryPhaseWithPositiveFigures() throws Exception {
        Path out = tmp.resolve("bench.json");
        Result r = run("bench", "stream", "--quick", "--no-progress", "--work-dir", tmp.toString(),
                "--out", out.toString());
        assertThat(out).as("JSON document; stderr: %s", r.err()).exists();
        JsonNode doc = JSON.readTree(Files.readString(out));
        assertThat(doc.get("errors")).as("phases that failed").isEmpty();
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();

        assertThat(doc.get("bench").asText()).isEqualTo("stream");
        assertThat(doc.get("network").asText()).isEqualTo("784-512-512-10");
        assertThat(doc.get("kernel").asText()).isEqualTo("pseudo");
        assertThat(doc.get("sink").asText()).isEqualTo("EXACTLY_ONCE");

        List<String> kinds = new ArrayList<>();
        for (JsonNode p : doc.get("phases")) {
            String name = p.get("name").asText();
            kinds.add(p.get("kind").asText());
            for (String f : List.of("records", "seconds", "records_per_s", "processing_seconds",
                    "processing_records_per_s")) {
                assertThat(p.get(f).asDouble()).as(name + "." + f).isPositive();
            }
            for (String l : List.of("latency_ms", "processing_latency_ms")) {
                for (String q : List.of("p50", "p95", "p99")) {
                    assertThat(p.get(l).get(q).asDouble()).as(name + "." + l + "." + q).isPositive();
                }
            }
            if (p.get("kind").asText().equals("learn")) {
                assertThat(p.get("checkpoint_bytes").asLong()).as(name + ".checkpoint_bytes").isPositive();
                assertThat(p.get("state_bytes_per_sample").asDouble()).as(name + ".state_bytes_per_sample")
                        .isPositive();
            }
        }
        assertThat(kinds).contains("learn", "queries", "latency");

        JsonNode buckets = doc.get("phases").findValue("buckets");
        assertThat(buckets).isNotNull();
        assertThat(buckets.size()).isPositive();
        for (JsonNode b : buckets) {
            assertThat(b.get("samples_per_s").asDouble()).isPositive();
        }

        JsonNode latency = doc.get("targets").get("p99_latency_ms").get("by_checkpoint_interval");
        assertThat(latency.size()).as("latency at the main and at a shorter checkpoint interval").isEqualTo(2);
        for (String t : List.of("learn_samples_per_s_per_slot", "queries_per_s")) {
            assertThat(doc.get("targets").get(t).get("worst").asDouble()).as(t).isPositive();
            assertThat(doc.get("targets").get(t).get("met").isBoolean()).as(t + ".met").isTrue();
        }
        assertThat(doc.get("tasks_scaling").size()).isPositive();
        for (JsonNode s : doc.get("tasks_scaling")) {
            assertThat(s.get("records_per_s").asDouble()).isPositive();
        }

        JsonNode profile = doc.get("profile");
        assertThat(profile.get("state_row_bytes_mean").asDouble()).isPositive();
        for (JsonNode b : profile.get("buckets")) {
            for (String f : List.of("decode_json_us", "learn_one_us", "kernel_row_us", "cholesky_row_us",
                    "row_serialize_us", "rocksdb_put_us", "predict_one_us", "samples_per_s")) {
                assertThat(b.get(f).asDouble()).as("profile." + f).isPositive();
            }
        }
        assertThat(doc.get("machine").get("cores").asInt()).isPositive();
        assertThat(r.out()).contains("\"bench\" : \"stream\"");
    }
}
