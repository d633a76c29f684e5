package io.ntkstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ntkstream.job.JobConfig;
import io.ntkstream.job.RetainedCheckpoints;
import io.ntkstream.kafka.PicksJson;
import io.ntkstream.kafka.PredictionJson;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ntkstream run} as a child JVM, killed with SIGKILL mid-stream and started again with the
 * same config: it resumes from the latest retained checkpoint in its checkpoint directory, and
 * the outputs committed over both runs are exactly the batch reference — none lost, none
 * duplicated. The broker runs in this JVM and outlives both children.
 */
class ProcessCrashTest {
    static final double RIDGE = 1e-2;
    /** Predictions committed before the kill (of 72 in phase 2). */
    static final int KILL_AFTER_PREDICTIONS = 15;

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    /** One child {@code ntkstream run}; its stdout and stderr go to {@code log}. */
    record Child(Process process, Path log) {
        String output() {
            try {
                return Files.exists(log) ? Files.readString(log) : "";
            } catch (IOException e) {
                return "(cannot read " + log + ": " + e + ")";
            }
        }

        /** Waits until the output contains {@code text}; fails (with the output) if the child ends first. */
        void await(String text, Duration max) throws InterruptedException {
            long deadline = System.nanoTime() + max.toNanos();
            while (!output().contains(text)) {
                assertThat(process.isAlive()).as("child ended (exit %s) before printing '%s'",
                        process.isAlive() ? "-" : process.exitValue(), text).isTrue();
                assertThat(System.nanoTime()).as("'%s' within %s", text, max).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    static Child launch(Path config, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-XX:TieredStopAtLevel=1"); // C1 only: a short-lived child on a busy 2-core machine starts faster
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (cache != null) {
            cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.ntkstream.cli.NtkStreamCli");
        cmd.addAll(List.of("run", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return new Child(pb.start(), log);
    }

    static Path writeConfig(JobConfig c, Path file) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE);
        Files.writeString(file, yaml.writeValueAsString(c));
        return file;
    }

    /**
     * Meta records exactly once: per task one "task" record at each due point of the schedule, and a final "global" one over all tasks. (Their values are checked against direct
     * refits in {@link StreamingEndToEndTest}; here only that the crash lost or repeated none.)
     */
    static void verifyMetaExactlyOnce(List<String> records, StreamWorkload w, io.ntkstream.meta.MetaSchedule schedule)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> taskRecords = new ArrayList<>();
        JsonNode lastGlobal = null;
        for (String r : records) {
            JsonNode n = json.readTree(r);
            if (n.get("kind").asText().equals("global")) {
                lastGlobal = n;
            } else {
                taskRecords.add(n.get("task").asText() + "@" + n.get("n_train").asInt());
            }
        }
        List<String> expected = new ArrayList<>();
        for (StreamWorkload.Task t : w.tasks) {
            for (int n = 1; n <= t.samples.size(); n++) {
                if (schedule.isDue(n)) {
                    expected.add(t.name + "@" + n);
                }
            }
        }
        assertThat(taskRecords).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(lastGlobal).as("a global meta record").isNotNull();
        assertThat(lastGlobal.get("tasks").asInt()).isEqualTo(w.tasks.size());
    }

    private static void mark(long start, String what) {
        System.out.printf("process crash test: %5.1f s %s%n", (System.nanoTime() - start) / 1e9, what);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void killedWithSigkillAndStartedAgainResumesFromTheLatestCheckpointLosingAndDuplicatingNothing(
            @TempDir Path work) throws Exception {
        long start = System.nanoTime();
        StreamDriver driver = new StreamDriver(KAFKA.broker());
        JobConfig c = driver.config("crash", work, RIDGE, 2, 300);
        c.meta.every = 20; // meta records too: every task starts (at its pool) before any aggregate, so all keep RIDGE
        c.kafka.transactionTimeoutMs = 60_000; // a safety net: the killed run's open transactions are aborted on restart
        Path config = writeConfig(c, work.resolve("ntkstream.yaml"));
        StreamWorkload w = StreamWorkload.generate(work, 3, 40, 120, 7);
        List<Child> children = new ArrayList<>();
        CompletableFuture<Void> streaming = null;
        try {
            // run 1: fresh; the pools in, then phase 2 produced at a pace, killed partway
            Child first = launch(config, work.resolve("run-1.log"));
            children.add(first);
            first.await("running", Duration.ofSeconds(120));
            mark(start, "run 1 started");
            assertThat(first.output()).contains("starting fresh");
            driver.produce(c, List.of(new StreamWorkload.Message("ntk.models", null, w.modelJson())), 1, 0);
            driver.produce(c, w.poolMessages(), 1000, 0);
            int barrierPicks = driver.awaitPools(c, w);
            mark(start, "pools in");
            streaming = CompletableFuture.runAsync(() -> {
                try {
                    driver.produce(c, w.streamMessages(), 10, 100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            driver.predictionsAtLeast(c, KILL_AFTER_PREDICTIONS);
            assertThat(RetainedCheckpoints.latest(c.flink.checkpointDir)).as("a retained checkpoint").isPresent();
            first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no cancellation, no cleanup
            assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(first.process().exitValue()).isEqualTo(137); // 128 + SIGKILL
            String resumeFrom = RetainedCheckpoints.latest(c.flink.checkpointDir).orElseThrow().path();
            int committedAtKill = driver.predictions(c, Duration.ofMillis(500)).size();
            System.out.printf("killed run 1 after %.1f s: %d of %d predictions committed, latest checkpoint %s, "
                    + "phase 2 %s%n", (System.nanoTime() - start) / 1e9, committedAtKill, w.queryCount(),
                    resumeFrom, streaming.isDone() ? "fully produced" : "still being produced");
            assertThat(committedAtKill).as("killed mid-stream").isBetween(KILL_AFTER_PREDICTIONS, w.queryCount() - 1);

            // run 2: the same config resumes from the latest retained checkpoint and finishes the workload
            Child second = launch(config, work.resolve("run-2.log"));
            children.add(second);
            second.await("running", Duration.ofSeconds(120));
            mark(start, "run 2 started");
            assertThat(second.output()).contains("resuming from checkpoint " + resumeFrom);
            streaming.get(60, TimeUnit.SECONDS);
            int barrierQueries = driver.awaitLearned(c, w);
            mark(start, "all samples learned");
            driver.produce(c, w.finalPicks(), 1000, 0);
            driver.predictionsAtLeast(c, w.queryCount() + barrierQueries);
            driver.picksAtLeast(c, barrierPicks + w.pickCount());
            Thread.sleep(4 * c.flink.checkpointIntervalMs); // nothing beyond the expected may be committed late
            List<PredictionJson> predictions = driver.predictions(c, Duration.ofMillis(500));
            List<PicksJson> picks = driver.picks(c, Duration.ofMillis(500));
            List<String> meta = driver.meta(c, Duration.ofMillis(500));
            List<String> deadLetters = driver.deadLetters(c, Duration.ofMillis(500));
            mark(start, "outputs read");

            // a clean stop (SIGTERM, as Ctrl-C): the shutdown hook cancels the job, its checkpoints are retained
            second.process().destroy();
            assertThat(second.process().waitFor(60, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
            assertThat(second.output()).contains("cancelled");
            assertThat(RetainedCheckpoints.latest(c.flink.checkpointDir).orElseThrow().path())
                    .as("run 2 retained its own checkpoints").isNotEqualTo(resumeFrom);
            mark(start, "run 2 stopped (SIGTERM)");

            StreamReference ref = new StreamReference(w, RIDGE);
            ref.verifyPredictions(predictions);
            ref.verifyPicks(picks);
            mark(start, "predictions and picks verified");
            verifyMetaExactlyOnce(meta, w, c.meta.schedule());
            assertThat(deadLetters).isEmpty();
            mark(start, "verified against the reference");
        } catch (Throwable t) {
            for (Child child : children) {
                System.err.println("===== " + child.log() + (child.process().isAlive() ? " (alive)"
                        : " (exit " + child.process().exitValue() + ")"));
                System.err.println(child.output());
            }
            System.err.println("===== checkpoints: " + RetainedCheckpoints.all(c.flink.checkpointDir));
            System.err.println("===== classpath entries: "
                    + System.getProperty("java.class.path").split(File.pathSeparator).length);
            throw t;
        } finally {
            if (streaming != null) {
                streaming.cancel(true);
            }
            for (Child child : children) {
                child.process().destroyForcibly();
                child.process().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
