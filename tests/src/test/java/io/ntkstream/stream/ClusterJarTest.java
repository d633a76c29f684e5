package io.ntkstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ntkstream.job.JobConfig;
import io.ntkstream.kafka.PicksJson;
import io.ntkstream.kafka.PredictionJson;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster job jar ({@code -Pcluster-jar}: ntkstream, ND4J and the Kafka connector, not Flink)
 * submitted with Flink's command line to a session cluster whose class path has no ntkstream, ND4J,
 * Kafka connector or kafka-clients ({@link ClusterJarSession}, a child JVM): the jar brings what
 * the job needs and does not clash with the cluster's Flink. Its committed outputs equal the batch
 * ntk-core reference, as in {@link StreamingEndToEndTest}.
 *
 * <p>Runs when the build made the jar ({@code mvn -B -Pcluster-jar verify}, the README's test
 * command, passes its path as {@code ntkstream.cluster-jar}); otherwise it is reported as skipped.
 */
class ClusterJarTest {
    static final double RIDGE = 1e-2;

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    /** The session cluster's class path: this JVM's, without what a Flink cluster does not have. */
    static String clusterClassPath() {
        List<String> kept = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String e = entry.replace('\\', '/');
            String name = e.substring(e.lastIndexOf('/', e.endsWith("/") ? e.length() - 2 : e.length()) + 1);
            boolean ntkstream = e.matches(".*/(ntk-core|connectors|flink-jobs)/target/.*") || e.endsWith("/tests/target/classes")
                    || e.endsWith("/tests/target/classes/") || name.matches("(ntk-core|connectors|flink-jobs)-.*\\.jar");
            boolean notOnCluster = e.matches(".*/(org/nd4j|org/bytedeco|org/apache/kafka|info/picocli|me/tongfei"
                    + "|org/knowm)/.*") || name.matches("(flink-connector-kafka|flink-connector-base).*");
            if (!ntkstream && !notOnCluster) {
                kept.add(entry);
            }
        }
        return String.join(File.pathSeparator, kept);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void theJobJarSubmittedWithFlinkRunToASessionClusterGivesTheReferenceOutputs(@TempDir Path work)
            throws Exception {
        String jarProperty = System.getProperty("ntkstream.cluster-jar");
        assumeTrue(jarProperty != null && !jarProperty.isBlank(),
                "the cluster jar is built and tested with -Pcluster-jar (the README's test command)");
        Path jar = Path.of(jarProperty);
        assertThat(jar).as("the cluster jar built by -Pcluster-jar").exists();

        StreamDriver driver = new StreamDriver(KAFKA.broker());
        JobConfig c = driver.config("cluster", work, RIDGE, 2, 300);
        c.meta.every = 0; // outputs compared with a reference at RIDGE
        Path config = ProcessCrashTest.writeConfig(c, work.resolve("ntkstream.yaml"));
        StreamWorkload w = StreamWorkload.generate(work, 2, 20, 60, 13);

        String classPath = clusterClassPath();
        assertThat(classPath).doesNotContain("nd4j").doesNotContain("/ntk-core/target")
                .doesNotContain("flink-connector-kafka");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g"));
        // the module openings a Flink distribution passes to its JVMs (env.java.opts.all in its config.yaml)
        for (String p : List.of("java.lang", "java.net", "java.io", "java.nio", "sun.nio.ch", "java.lang.reflect",
                "java.text", "java.time", "java.util", "java.util.concurrent", "java.util.concurrent.atomic",
                "java.util.concurrent.locks")) {
            cmd.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
        }
        cmd.add("--add-exports=java.base/sun.net.util=ALL-UNNAMED");
        cmd.addAll(List.of("-cp", classPath, ClusterJarSession.class.getName(), jar.toString(), config.toString(),
                work.resolve("flink-conf").toString()));
        Path log = work.resolve("cluster.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        ProcessCrashTest.Child cluster = new ProcessCrashTest.Child(pb.start(), log);
        try {
            cluster.await("flink run exited with", Duration.ofSeconds(180));
            assertThat(cluster.output()).as("flink run's output").contains("flink run exited with 0")
                    .contains("Job has been submitted with JobID");
            driver.produce(c, List.of(new StreamWorkload.Message("ntk.models", null, w.modelJson())), 1, 0);
            driver.produce(c, w.poolMessages(), 1000, 0);
            int barrierPicks = driver.awaitPools(c, w);
            driver.produce(c, w.streamMessages(), 50, 20);
            int barrierQueries = driver.awaitLearned(c, w);
            driver.produce(c, w.finalPicks(), 1000, 0);
            driver.predictionsAtLeast(c, w.queryCount() + barrierQueries);
            driver.picksAtLeast(c, barrierPicks + w.pickCount());
            Thread.sleep(4 * c.flink.checkpointIntervalMs); // nothing beyond the expected may be committed late
            List<PredictionJson> predictions = driver.predictions(c, Duration.ofMillis(500));
            List<PicksJson> picks = driver.picks(c, Duration.ofMillis(500));
            StreamReference ref = new StreamReference(w, RIDGE);
            ref.verifyPredictions(predictions);
            ref.verifyPicks(picks);
            assertThat(driver.deadLetters(c, Duration.ofMillis(500))).isEmpty();
            assertThat(Files.readString(log)).as("the job's classes came from the jar")
                    .doesNotContain("ClassNotFoundException: io.ntkstream").doesNotContain("NoClassDefFoundError: io/ntkstream")
                    .doesNotContain("ClassNotFoundException: org.nd4j").doesNotContain("NoClassDefFoundError: org/nd4j");
        } catch (Throwable t) {
            System.out.println("---- session cluster output ----\n" + cluster.output());
            throw t;
        } finally {
            cluster.process().destroyForcibly();
            cluster.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
