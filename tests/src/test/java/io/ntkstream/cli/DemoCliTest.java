package io.ntkstream.cli;

import static io.ntkstream.cli.KernelCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.cli.KernelCliTest.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ntkstream demo --quick} end to end, in this JVM: a real broker and a Flink MiniCluster,
 * both scenarios, the summary. Asserts the outcome (not timings): while it runs, the Flink web UI and
 * REST API answer on 127.0.0.1 and nothing of this JVM listens elsewhere; every query answered, no
 * dead letter, the tables and PNG learning curves written; look-ahead ends ahead of random at the end
 * of the budget, and the stream's picks and accuracies equal ntk-core's replay of the same rounds (so
 * the outcome is the seed's, not the timing's); the stream's meta-learning MSEs reproduced by ntk-core;
 * a clean shutdown (the broker's and Flink's ports closed, no non-daemon thread left behind).
 */
class DemoCliTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    @Test
    void quickDemoRunsBothScenariosEndToEndAndShutsDownCleanly() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Live live = new Live();
        Result r = runWhile(live, "demo", "--quick", "--out", out.toString(), "--no-progress-bars");
        assertThat(r.code()).as("exit code; stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isZero();
        assertThat(live.failure).as("checks while the demo ran; stdout:%n%s", r.out()).isNull();
        assertThat(live.checked).as("the web UI was checked while the demo ran").isTrue();

        String o = r.out();
        assertThat(o).contains("Kafka broker  127.0.0.1:", "Flink web UI  http://127.0.0.1:", "Scenario 1", "Scenario 2",
                "Summary", "dead letters  0", "checkpoints   ");
        assertThat(o).containsPattern("Final: lookahead [01]\\.\\d{3}, random [01]\\.\\d{3} at 26 labels");
        assertThat(o).contains("Test accuracy against labels used:").contains("labels  lookahead  random");
        assertThat(o).contains("Stream ≡ ntk-core: the same rounds replayed locally");

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
        JsonNode al = s.get("active_learning");
        JsonNode la = al.get("lookahead");
        JsonNode rnd = al.get("random");
        assertThat(la.get("labels").asInt()).isEqualTo(26);
        assertThat(rnd.get("labels").asInt()).isEqualTo(26);
        assertThat(la.get("curve")).hasSize(5); // 6 initial labels, then 4 rounds of 5
        assertThat(rnd.get("curve")).hasSize(5);
        assertThat(la.get("picks")).hasSize(4);
        // the outcome is deterministic for the seed: the job picked and predicted exactly what ntk-core computes
        // when it replays the same labels, picks and seeds (the barriers make Kafka's cross-topic timing irrelevant)
        assertThat(al.get("stream_equals_local").asBoolean()).as("stream ≡ local replay").isTrue();
        assertThat(la.get("final_accuracy").asDouble()).isEqualTo(la.get("local_final_accuracy").asDouble());
        assertThat(rnd.get("final_accuracy").asDouble()).isEqualTo(rnd.get("local_final_accuracy").asDouble());
        // the outcome: look-ahead beats random at the end of the budget, on the demo's data (default seed 4:
        // 0.950 vs 0.900 on 100 test points; over data seeds 0-19 of --quick look-ahead ends ahead on 16, see README)
        assertThat(al.get("seed").asLong()).isEqualTo(4);
        assertThat(la.get("final_accuracy").asDouble()).as("look-ahead's final test accuracy vs random's")
                .isGreaterThan(rnd.get("final_accuracy").asDouble());
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
        int restPort = URI.create(s.get("flink_web_ui").asText()).getPort();
        assertThat(restPort).isEqualTo(live.webPort);
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

    /** What the test checks while the demo runs (from another thread), and what it found. */
    static final class Live {
        volatile boolean checked;
        volatile int webPort = -1;
        volatile Throwable failure;
    }

    private static final Pattern WEB_UI = Pattern.compile("Flink web UI  (http://127\\.0\\.0\\.1:(\\d+))/");

    /**
     * Runs the command like {@link KernelCliTest#run} while this thread watches its output: once the demo
     * prints the web UI's address (the job runs then), checks the web UI and REST API over HTTP and that
     * every socket this JVM listens on is bound to the loopback address.
     */
    private static synchronized Result runWhile(Live live, String... args) throws Exception {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(); // synchronized: read while written
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AtomicInteger code = new AtomicInteger(-1);
        Thread cli;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            cli = new Thread(() -> code.set(NtkStreamCli.run(args)), "demo-under-test");
            cli.start();
            try {
                while (cli.isAlive() && !live.checked) {
                    Matcher m = WEB_UI.matcher(out.toString(StandardCharsets.UTF_8));
                    if (m.find()) {
                        live.webPort = Integer.parseInt(m.group(2));
                        checkWhileRunning(m.group(1), live.webPort);
                        live.checked = true;
                    }
                    Thread.sleep(50);
                }
            } catch (Throwable t) {
                live.failure = t;
            }
            cli.join(TimeUnit.MINUTES.toMillis(10));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code.get(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void checkWhileRunning(String base, int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (String path : new String[] {"/overview", "/config"}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type").orElse("")).as(path).contains("application/json");
            JsonNode json = JSON.readTree(r.body());
            assertThat(json.isObject()).as(path + " answers a JSON object: " + r.body()).isTrue();
            if (path.equals("/overview")) {
                assertThat(json.get("taskmanagers").asInt()).as("/overview taskmanagers").isPositive();
                assertThat(json.get("jobs-running").asInt()).as("/overview jobs-running").isEqualTo(1);
            } else {
                assertThat(json.get("flink-version").asText()).isEqualTo("2.2.1");
            }
        }
        // the HTML web UI itself (flink-runtime-web's static files)
        HttpResponse<String> index = http.send(HttpRequest.newBuilder(URI.create(base + "/"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(index.statusCode()).as("web UI /").isEqualTo(200);
        assertThat(index.body()).as("web UI index.html").containsIgnoringCase("<html").contains("Apache Flink");

        assertNotReachableFromOutside(port);
        List<String> listening = listeningSockets();
        assertThat(listening).as("sockets this JVM listens on (/proc/net/tcp*)").isNotEmpty()
                .allSatisfy(a -> assertThat(isLoopback(a)).as("listens on " + a).isTrue());
    }

    /** Connecting to the port through a non-loopback address of this machine must fail (if it has one). */
    private static void assertNotReachableFromOutside(int port) throws IOException {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(a, port), 2000);
                        throw new AssertionError("port " + port + " accepts connections on " + a);
                    } catch (IOException expected) {
                        // refused: not bound there
                    }
                }
            }
        }
    }

    /**
     * The local addresses ("hex-ip:hex-port" as in /proc/net/tcp*) of the TCP sockets in LISTEN state
     * that this process owns (matched by inode through /proc/self/fd); empty where /proc is not Linux's.
     */
    static List<String> listeningSockets() throws IOException {
        Set<String> inodes = new HashSet<>();
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return List.of();
        }
        try (var stream = Files.list(fds)) {
            for (Path fd : stream.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path t = Path.of(table);
            if (!Files.exists(t)) {
                continue;
            }
            for (String line : Files.readAllLines(t).subList(1, Files.readAllLines(t).size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
                    out.add(f[1]);
                }
            }
        }
        return out;
    }

    /** 127.x.x.x, ::1 or ::ffff:127.x.x.x, in /proc/net/tcp* notation (32-bit words in host order). */
    static boolean isLoopback(String local) {
        String ip = local.substring(0, local.indexOf(':'));
        if (ip.length() == 8) {
            return ip.endsWith("7F"); // little-endian: the last byte printed is the first octet
        }
        return ip.equals("00000000000000000000000001000000") // ::1
                || (ip.startsWith("0000000000000000FFFF0000") && ip.endsWith("7F"));
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
