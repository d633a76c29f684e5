package io.ntkstream.stream;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.client.cli.CliFrontend;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;

/**
 * The child process of {@link ClusterJarTest}: a Flink session cluster (a MiniCluster with its
 * REST endpoint on 127.0.0.1, one TaskManager with two slots) whose class path holds Flink but none
 * of ntkstream, ND4J, the Kafka connector or kafka-clients — as on a real cluster — and, against
 * it, Flink's own command line: {@code flink run -m 127.0.0.1:PORT -d -c NtkStreamJobMain JAR
 * --config FILE}. The job's classes then come only from the uploaded jar, through the
 * TaskManager's child-first user-code class loader. Serves until killed.
 *
 * <p>Arguments: the job jar, the job's config file, a directory for the client's Flink config.
 */
public final class ClusterJarSession {
    private ClusterJarSession() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path jobConfig = Path.of(args[1]);
        Path clientConfDir = Path.of(args[2]);
        Configuration c = new Configuration();
        for (String key : new String[] {"jobmanager.bind-host", "jobmanager.rpc.address", "taskmanager.bind-host",
            "taskmanager.host", "rest.bind-address", "rest.address"}) {
            c.setString(key, "127.0.0.1");
        }
        c.setString("rest.bind-port", "0");
        c.setString("restart-strategy.type", "fixed-delay");
        c.setString("restart-strategy.fixed-delay.attempts", "10");
        MiniClusterConfiguration mc = new MiniClusterConfiguration.Builder().setConfiguration(c)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build();
        try (MiniCluster cluster = new MiniCluster(mc)) {
            cluster.start();
            URI rest = cluster.getRestAddress().get();
            System.out.println("session cluster at " + rest);
            Files.createDirectories(clientConfDir);
            Files.writeString(clientConfDir.resolve("config.yaml"), "");
            Configuration client = GlobalConfiguration.loadConfiguration(clientConfDir.toString());
            CliFrontend flink = new CliFrontend(client, CliFrontend.loadCustomCommandLines(client,
                    clientConfDir.toString()));
            int code = flink.parseAndRun(new String[] {"run", "-m", rest.getHost() + ":" + rest.getPort(), "-d",
                "-c", "io.ntkstream.job.NtkStreamJobMain", jar.toString(), "--config", jobConfig.toString()});
            System.out.println("flink run exited with " + code);
            System.out.flush();
            while (true) {
                Thread.sleep(1_000); // the job runs on; the test kills this process
            }
        }
    }
}
