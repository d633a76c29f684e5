package io.ntkstream.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.job.JobConfig;
import io.ntkstream.job.NtkStreamJob;
import io.ntkstream.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;

/**
 * The demo's infrastructure in this JVM: a real Kafka broker (KRaft, 127.0.0.1, data in a temporary
 * directory) with the job's topics, and the streaming job on a Flink MiniCluster (RocksDB,
 * incremental checkpoints every few hundred ms, exactly-once sink) whose web UI and REST API listen
 * on 127.0.0.1, on a port the system chose. {@link #close()} cancels the job, stops the broker and deletes the temporary
 * directory (Kafka logs, Flink checkpoints); it is idempotent, so a shutdown hook may call it too.
 */
public final class DemoCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Created with the class, so a shutdown hook never needs to load a class (the jar may have been rebuilt). */
    private static final SimpleFileVisitor<Path> DELETE = new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
            Files.deleteIfExists(d);
            return FileVisitResult.CONTINUE;
        }
    };

    private final Path work;
    private final EmbeddedKafkaBroker broker;
    private final JobConfig config;
    private final JobClient job;
    private final int restPort;
    private final boolean restUp;
    private final double brokerSeconds;
    private double jobSeconds;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DemoCluster(Path work, EmbeddedKafkaBroker broker, JobConfig config, JobClient job, int restPort,
                        boolean restUp, double brokerSeconds) {
        this.work = work;
        this.broker = broker;
        this.config = config;
        this.job = job;
        this.restPort = restPort;
        this.restUp = restUp;
        this.brokerSeconds = brokerSeconds;
    }

    /**
     * Starts the broker, creates the topics (one partition each) and starts the job; returns once the
     * job runs. {@code configure} may change the job's configuration (ridge, meta-learning, ...)
     * before it starts; the Kafka and Flink sections are set here.
     */
    public static DemoCluster start(long checkpointIntervalMs, int parallelism, java.util.function.Consumer<JobConfig>
            configure) {
        Path work;
        try {
            work = Files.createTempDirectory("ntkstream-demo-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the demo", e);
        }
        EmbeddedKafkaBroker broker = null;
        long t0 = System.nanoTime();
        try {
            broker = EmbeddedKafkaBroker.start(work.resolve("kafka"));
            long t1 = System.nanoTime();
            JobConfig c = JobConfig.defaults();
            configure.accept(c);
            c.kafka.bootstrapServers = broker.bootstrapServers();
            c.kafka.groupId = "ntkstream-demo";
            c.kafka.transactionalIdPrefix = "ntkstream-demo";
            c.flink.parallelism = parallelism;
            c.flink.checkpointIntervalMs = checkpointIntervalMs;
            c.flink.checkpointDir = work.resolve("checkpoints").toUri().toString();
            // the REST endpoint (and web UI) on 127.0.0.1, a port the system chooses (startLocalCluster's defaults);
            // the web UI's unpacked files go with the rest of the demo's temporary data
            c.flink.configuration.put("web.tmpdir", work.resolve("flink-web").toString());
            c.validate();
            broker.createTopics(c.topics.toTopics().all(), 1);
            NtkStreamJob.LocalJob local = NtkStreamJob.startLocalCluster(c, null, null);
            JobClient job = local.client();
            if (local.restAddress() == null) {
                throw new IllegalStateException("the local Flink cluster did not report its REST address");
            }
            int port = local.restAddress().getPort();
            awaitRunning(job, Duration.ofSeconds(60));
            boolean rest = awaitRest(port, Duration.ofSeconds(10));
            DemoCluster cluster = new DemoCluster(work, broker, c, job, port, rest, (t1 - t0) / 1e9);
            cluster.awaitFirstCheckpoint(Duration.ofSeconds(60));
            cluster.jobSeconds = (System.nanoTime() - t1) / 1e9;
            return cluster;
        } catch (Exception e) {
            if (broker != null) {
                broker.close();
            }
            deleteRecursively(work);
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("cannot start the demo's job: " + e.getMessage(), e);
        }
    }

    /** Waits until the job completed its first checkpoint (its tasks all run); no-op without the REST API. */
    private void awaitFirstCheckpoint(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (restUp && completedCheckpoints() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** Seconds the broker took to start. */
    public double brokerSeconds() {
        return brokerSeconds;
    }

    /** Seconds from the broker up to the job running (topics, MiniCluster, job deployment). */
    public double jobSeconds() {
        return jobSeconds;
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public JobConfig config() {
        return config;
    }

    public JobClient job() {
        return job;
    }

    /** The Flink web UI's and REST API's base URL (http://127.0.0.1:port), or null if it did not answer. */
    public String restUrl() {
        return restUp ? "http://127.0.0.1:" + restPort : null;
    }

    /** Completed checkpoints so far (the REST API's count), or -1 if unknown. */
    public long completedCheckpoints() {
        JsonNode n = rest("/jobs/" + job.getJobID() + "/checkpoints");
        return n == null ? -1 : n.path("counts").path("completed").asLong(-1);
    }

    /** Failed checkpoints so far, or -1 if unknown. */
    public long failedCheckpoints() {
        JsonNode n = rest("/jobs/" + job.getJobID() + "/checkpoints");
        return n == null ? -1 : n.path("counts").path("failed").asLong(-1);
    }

    /** The latest failed checkpoint's failure message, or null. */
    public String lastCheckpointFailure() {
        JsonNode n = rest("/jobs/" + job.getJobID() + "/checkpoints");
        if (n == null) {
            return null;
        }
        JsonNode f = n.path("latest").path("failed");
        return f.isMissingNode() || f.isNull() ? null : f.path("failure_message").asText(null);
    }

    /** The job's status, or null if it cannot be told. */
    public JobStatus status() {
        try {
            return job.getJobStatus().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null;
        }
    }

    private JsonNode rest(String path) {
        if (!restUp) {
            return null;
        }
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Cancels the job (waiting for it), stops the broker, deletes the temporary directory. Waits until
     * the REST port is released, as a sign the MiniCluster is gone. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            JobStatus s = status();
            if (s != null && !s.isGloballyTerminalState()) {
                job.cancel().get(60, TimeUnit.SECONDS);
            }
            awaitTerminal(job, Duration.ofSeconds(30));
        } catch (Exception e) {
            // keep shutting down
        } finally {
            try {
                broker.close();
            } finally {
                awaitPortClosed(restPort, Duration.ofSeconds(20));
                deleteRecursively(work);
            }
        }
    }

    private static void awaitRunning(JobClient job, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JobStatus s = job.getJobStatus().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (s == JobStatus.RUNNING) {
                return;
            }
            if (s.isGloballyTerminalState()) {
                job.getJobExecutionResult().get(); // throws the cause
                throw new IllegalStateException("the job ended at once (" + s + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the job is not running after " + timeout.toSeconds() + " s (" + s + ")");
            }
            Thread.sleep(50);
        }
    }

    private static void awaitTerminal(JobClient job, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JobStatus s;
            try {
                s = job.getJobStatus().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                return; // the cluster is gone
            }
            if (s.isGloballyTerminalState()) {
                return;
            }
            Thread.sleep(50);
        }
    }

    private static boolean awaitRest(int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/overview")).timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static void awaitPortClosed(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            } catch (IOException e) {
                return; // nobody listens any more
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static void deleteRecursively(Path dir) {
        org.apache.flink.util.FileUtils.deleteDirectoryQuietly(dir.toFile()); // quietly: a temp dir
    }
}
