package io.ntkstream.cli;

import static io.ntkstream.cli.KernelCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.cli.KernelCliTest.Result;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ntkstream demo --quick} end to end, in this JVM: a real broker and a Flink MiniCluster,
 * both scenarios, the summary. Asserts the outcome's structure (not timings, and not which strategy
 * wins): every query answered, no dead letter, the tables and PNG learning curves written, the
 * look-ahead task's final accuracy reported, the stream's meta-learning MSEs reproduced by ntk-core,
 * and a clean shutdown (the broker's and Flink's ports closed, no non-daemon thread left behind).
 */
class DemoCliTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    @Test
    void quickDemoRunsBothScenariosEndToEndAndShutsDownCleanly() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Result r = run("demo", "--quick", "--out", out.toString(), "--no-progress-bars");
        assertThat(r.code()).as("exit code; stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isZero();

        String o = r.out();
        assertThat(o).contains("Kafka broker  127.0.0.1:", "Flink REST    http://127.0.0.1:", "Scenario 1", "Scenario 2",
                "Summary", "dead letters  0", "checkpoints   ");
        assertThat(o).containsPattern("Final: lookahead [01]\\.\\d{3}, random [01]\\.\\d{3} at 26 labels");
        assertThat(o).contains("Test accuracy against labels used:").contains("labels  lookahead  random");

        for (String png : new String[] {"active-learning.png", "meta-learning.png"}) {
            byte[] b = Files.readAllBytes(out.resolve(png));
            assertThat(b.length).as(png).isGreaterThan(1000);
            assertThat(Arrays.copyOf(b, 4)).as(png + " is a PNG").containsExactly(0x89, 'P', 'N', 'G');
        }
        assertThat(Files.readAllLines(out.resolve("active-learning.csv")).get(0)).isEqualTo("strategy,labels,accuracy,seconds");
        for (String f : new String[] {"data/pool_x.npy", "data/test_y.npy", "models/classifier.arch.json",
                "models/classifier-v1.safetensors", "models/sinusoid-v2.safetensors"}) {
            assertThat(out.resolve(f)).exists();
        }

        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertThat(s.get("dead_letters").asInt()).isZero();
        assertThat(s.get("queries_sent").asLong()).isPositive().isEqualTo(s.get("queries_answered").asLong());
        assertThat(s.get("checkpoints_completed").asLong()).isPositive();
        JsonNode la = s.get("active_learning").get("lookahead");
        assertThat(la.get("labels").asInt()).isEqualTo(26);
        assertThat(la.get("final_accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(la.get("curve")).hasSize(5); // 6 initial labels, then 4 rounds of 5
        assertThat(s.get("active_learning").get("random").get("curve")).hasSize(5);
        JsonNode meta = s.get("meta_learning");
        assertThat(meta.get("waves")).hasSize(3);
        assertThat(meta.get("waves").get(0).get("startedFrom").get(0).asText()).isEqualTo("ridge λ=0.1");
        assertThat(meta.get("max_relative_diff_stream_vs_local").asDouble()).isLessThan(1e-9);
        JsonNode records = s.get("records");
        assertThat(records.get("ntk.queries").asLong()).isEqualTo(records.get("ntk.predictions").asLong());
        assertThat(records.get("ntk.models").asLong()).isEqualTo(2);
        assertThat(records.get("ntk.dead-letter").asLong()).isZero();

        // clean shutdown: nobody listens on the broker's or Flink's port any more
        int kafkaPort = Integer.parseInt(s.get("bootstrap_servers").asText().split(":")[1]);
        int restPort = URI.create(s.get("flink_rest").asText()).getPort();
        assertThat(listening(kafkaPort)).as("broker port still open").isFalse();
        assertThat(listening(restPort)).as("Flink REST port still open").isFalse();
        // threads that end on their own shortly after shutdown (e.g. Netty's global executor stops after
        // 1 s idle) get up to 10 s; anything alive after that is a leak
        Set<String> leaked = Set.of();
        for (int i = 0; i < 100; i++) {
            leaked = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && !t.isDaemon() && !before.contains(t))
                    .map(Thread::getName).collect(Collectors.toSet());
            if (leaked.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(leaked).as("non-daemon threads left behind").isEmpty();
    }

    @Test
    void archWithoutParamsIsRejected() {
        Result r = run("demo", "--quick", "--arch", "x.json");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--arch").contains("--params");
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
