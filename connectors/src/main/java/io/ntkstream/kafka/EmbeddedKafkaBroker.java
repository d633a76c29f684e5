package io.ntkstream.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real single-node Kafka broker in this JVM: the production {@link KafkaRaftServer} in KRaft combined mode
 * ({@code process.roles=broker,controller}), listening on 127.0.0.1 only (a client port and a controller port,
 * both picked free at start).
 *
 * <p>The data directory holds both the metadata log and the topic logs. It is formatted on first use; starting
 * again on a formatted directory keeps its topics and records. Topics are not auto-created: use
 * {@link #createTopics}.
 *
 * <p>Caution: once started, like any Kafka broker, a fatal internal fault (e.g. a corrupt metadata log) makes
 * Kafka call {@code org.apache.kafka.common.utils.Exit.exit/halt}, which ends the JVM unless a procedure was set
 * there. During {@link #start} such calls are turned into exceptions (see {@link #guardExit}).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /** How long {@link #start} waits for the broker to accept clients. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private static final String LOOPBACK = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final int START_ATTEMPTS = 3;
    private static final int MIN_PORT = 15000;
    private static final Object EXIT_GUARD_LOCK = new Object();
    private static int exitGuards;

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final int port;
    private final int controllerPort;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path dataDir, boolean deleteDataDirOnClose,
                                int port, int controllerPort) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteDataDirOnClose = deleteDataDirOnClose;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /**
     * Starts a broker on a fresh temporary directory, deleted again by {@link #close()}.
     *
     * @throws IllegalStateException with the cause if the broker is not ready within {@link #START_TIMEOUT}
     */
    public static EmbeddedKafkaBroker start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("ntkstream-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the Kafka broker", e);
        }
        try {
            return start(dir, true);
        } catch (RuntimeException | Error e) {
            deleteRecursively(dir);
            throw e;
        }
    }

    /**
     * Starts a broker whose logs live in {@code dataDir} (created if missing, formatted if not yet formatted,
     * kept on close). Returns once the broker accepts clients.
     *
     * @throws IllegalStateException with the cause if the broker is not ready within {@link #START_TIMEOUT}
     */
    public static EmbeddedKafkaBroker start(Path dataDir) {
        return start(dataDir, false);
    }

    private static EmbeddedKafkaBroker start(Path dataDir, boolean deleteOnClose) {
        Path dir = dataDir.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Kafka data directory " + dir, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        RuntimeException last = null;
        // The ports are picked free, then released and handed to Kafka: another process may grab one in between.
        // Such a bind failure is retried with new ports; anything else fails at once.
        guardExit();
        try {
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                int[] ports = freeLoopbackPorts(2);
                try {
                    return startOnce(dir, deleteOnClose, ports[0], ports[1], deadline);
                } catch (RuntimeException e) {
                    last = e;
                    if (!causedByBindFailure(e) || System.nanoTime() >= deadline) {
                        break;
                    }
                }
            }
        } finally {
            unguardExit();
        }
        throw last;
    }

    private static EmbeddedKafkaBroker startOnce(Path dir, boolean deleteOnClose, int port, int controllerPort,
                                                 long deadlineNanos) {
        Map<String, String> props = brokerConfig(dir, port, controllerPort);
        KafkaConfig config = new KafkaConfig(props, false);
        formatIfNeeded(dir);

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "embedded-kafka-start");
            t.setDaemon(true);
            return t;
        });
        try {
            // startup() returns once the broker is registered, caught up with the metadata log and unfenced.
            Future<?> startup = starter.submit(server::startup);
            try {
                startup.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                startup.cancel(true);
                throw new IllegalStateException("Kafka broker in " + dir + " did not start within "
                        + START_TIMEOUT.toSeconds() + " s", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("Kafka broker in " + dir + " failed to start: " + e.getCause(),
                        e.getCause());
            }
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, dir, deleteOnClose, port, controllerPort);
            broker.awaitClients(deadlineNanos);
            return broker;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdownQuietly(server);
            throw new IllegalStateException("interrupted while starting the Kafka broker in " + dir, e);
        } catch (RuntimeException | Error e) {
            shutdownQuietly(server);
            // A fatal fault (e.g. the controller listener failing to bind) reaches us without its cause, through
            // Exit: recognise a port taken by someone else, which start() retries with other ports.
            if (!causedByBindFailure(e)) {
                for (int p : new int[] {port, controllerPort}) {
                    if (!bindable(p)) {
                        BindException bind = new BindException(LOOPBACK + ":" + p + " was taken meanwhile");
                        IllegalStateException wrapped = new IllegalStateException("Kafka broker in " + dir
                                + " failed to start: " + bind.getMessage(), bind);
                        wrapped.addSuppressed(e);
                        throw wrapped;
                    }
                }
            }
            throw e;
        } finally {
            starter.shutdownNow();
        }
    }

    private static Map<String, String> brokerConfig(Path dir, int port, int controllerPort) {
        String listeners = "PLAINTEXT://" + LOOPBACK + ":" + port + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort;
        Map<String, String> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listeners", listeners);
        p.put("advertised.listeners", listeners);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("metadata.log.dir", dir.toString());
        p.put("server.max.startup.time.ms", Long.toString(START_TIMEOUT.toMillis()));

        // one broker: every internal topic with one replica
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("group.initial.rebalance.delay.ms", "0");

        // small and quick: few threads, small buffers and index files
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("num.replica.fetchers", "1");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        p.put("log.index.size.max.bytes", Integer.toString(1024 * 1024));
        p.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        return p;
    }

    private static void formatIfNeeded(Path dir) {
        if (Files.exists(dir.resolve("meta.properties"))) {
            return; // formatted before: reuse its cluster id and logs
        }
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .addDirectory(dir.toString())
                    .setMetadataLogDirectory(dir.toString())
                    .setControllerListenerName("CONTROLLER")
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the Kafka data directory " + dir + ": " + e, e);
        }
    }

    /** Double check from the outside: a client can connect and sees this broker. */
    private void awaitClients(long deadlineNanos) throws InterruptedException {
        Exception last = null;
        while (true) {
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (remainingMs <= 0) {
                throw new IllegalStateException("Kafka broker at " + bootstrapServers()
                        + " did not accept clients within " + START_TIMEOUT.toSeconds() + " s", last);
            }
            try (Admin admin = admin(Duration.ofMillis(Math.min(remainingMs, 10_000)))) {
                int brokers = admin.describeCluster().nodes().get(remainingMs, TimeUnit.MILLISECONDS).size();
                if (brokers == 1) {
                    return;
                }
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                last = e;
            }
            Thread.sleep(50);
        }
    }

    /** {@code 127.0.0.1:<port>}: the client listener. */
    public String bootstrapServers() {
        return LOOPBACK + ":" + port;
    }

    /** The client listener's port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The KRaft controller listener's port on 127.0.0.1. */
    public int controllerPort() {
        return controllerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Creates the topics that do not exist yet (each with {@code partitions} partitions and one replica) and
     * waits until every partition of the named topics has a leader. Existing topics are left as they are.
     */
    public void createTopics(Collection<String> names, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        Set<String> wanted = new LinkedHashSet<>(names);
        if (wanted.isEmpty()) {
            return;
        }
        Duration timeout = Duration.ofSeconds(30);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin(timeout)) {
            List<NewTopic> newTopics = new ArrayList<>();
            for (String name : wanted) {
                newTopics.add(new NewTopic(name, partitions, (short) 1));
            }
            CreateTopicsResult result = admin.createTopics(newTopics);
            for (Map.Entry<String, KafkaFuture<Void>> e : result.values().entrySet()) {
                try {
                    e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(),
                                ex.getCause());
                    }
                }
            }
            // wait until the broker's metadata has a leader for every partition
            while (true) {
                try {
                    Map<String, TopicDescription> described = admin.describeTopics(wanted).allTopicNames()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    boolean ready = true;
                    for (TopicDescription d : described.values()) {
                        for (TopicPartitionInfo p : d.partitions()) {
                            ready &= p.leader() != null && !p.leader().isEmpty();
                        }
                    }
                    if (ready) {
                        return;
                    }
                } catch (ExecutionException ex) {
                    // metadata not propagated yet (UnknownTopicOrPartition): retry until the deadline
                    if (System.nanoTime() >= deadline) {
                        throw new IllegalStateException("topics " + wanted + " not visible: " + ex.getCause(),
                                ex.getCause());
                    }
                }
                if (System.nanoTime() >= deadline) {
                    throw new IllegalStateException("topics " + wanted + " have partitions without a leader after "
                            + timeout.toSeconds() + " s");
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics " + wanted, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("creating topics " + wanted + " timed out after "
                    + timeout.toSeconds() + " s", e);
        }
    }

    private Admin admin(Duration timeout) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        int ms = (int) Math.max(1000, timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-admin");
        return Admin.create(p);
    }

    /** Shuts the broker down cleanly and waits for it; deletes a temporary data directory. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (deleteDataDirOnClose) {
                deleteRecursively(dataDir);
            }
        }
    }

    /** Shuts a broker that failed to start down, waiting at most 30 s (it may be stuck half-way). */
    private static void shutdownQuietly(KafkaRaftServer server) {
        Thread t = new Thread(() -> {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException | Error ignored) {
                // already failing: keep the original error
            }
        }, "embedded-kafka-abort");
        t.setDaemon(true);
        t.start();
        try {
            t.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Picks {@code n} distinct ports that are free on 127.0.0.1 now. They are taken outside the kernel's
     * ephemeral range where possible, so that outgoing connections made before Kafka binds them cannot take them.
     */
    private static int[] freeLoopbackPorts(int n) {
        int[] ephemeral = ephemeralPortRange();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Set<Integer> chosen = new LinkedHashSet<>();
        for (int tries = 0; tries < 500 && chosen.size() < n; tries++) {
            int port = MIN_PORT + random.nextInt(65536 - MIN_PORT);
            if (port >= ephemeral[0] && port <= ephemeral[1]) {
                continue;
            }
            if (!chosen.contains(port) && bindable(port)) {
                chosen.add(port);
            }
        }
        while (chosen.size() < n) {
            chosen.add(anyFreePort()); // no room outside the ephemeral range: let the kernel pick
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The kernel's ephemeral port range (Linux), or the IANA one where it cannot be read. */
    private static int[] ephemeralPortRange() {
        try {
            // a /proc file reports size 0: Files.readString reads it incompletely, a line reader does not
            String line = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0);
            String[] parts = line.trim().split("\\s+");
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {49152, 65535};
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int anyFreePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + LOOPBACK, e);
        }
    }

    /**
     * While a broker starts, a fatal fault (such as a port taken between our probe and Kafka's bind) makes Kafka
     * call {@link Exit#exit}/{@link Exit#halt}, which would end this JVM. For that window those calls throw
     * instead, so {@link #start} can report the cause (or retry). Reference counted for concurrent starts.
     */
    private static void guardExit() {
        synchronized (EXIT_GUARD_LOCK) {
            if (exitGuards++ == 0) {
                Exit.setExitProcedure((status, message) -> {
                    throw new IllegalStateException("Kafka asked to exit the JVM (status " + status + ", " + message
                            + ") while the embedded broker was starting");
                });
                Exit.setHaltProcedure((status, message) -> {
                    throw new IllegalStateException("Kafka asked to halt the JVM (status " + status + ", " + message
                            + ") while the embedded broker was starting");
                });
            }
        }
    }

    private static void unguardExit() {
        synchronized (EXIT_GUARD_LOCK) {
            if (--exitGuards == 0) {
                Exit.resetExitProcedure();
                Exit.resetHaltProcedure();
            }
        }
    }

    private static boolean causedByBindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException
                    || (c.getMessage() != null && c.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    private static void deleteRecursively(Path root) {
        org.apache.flink.util.FileUtils.deleteDirectoryQuietly(root.toFile()); // quietly: a temp dir
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + ", controller 127.0.0.1:" + controllerPort + ", "
                + dataDir + "]";
    }
}
