package io.ntkstream.cli;

import io.ntkstream.job.JobConfig;
import io.ntkstream.job.NtkStreamJob;
import io.ntkstream.job.RetainedCheckpoints;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Runs the streaming job: Kafka (samples, pool, queries, control, models) -> Flink (RocksDB keyed state per task)",
            "-> Kafka (predictions, picks, dead letters), exactly once. Everything comes from --config",
            "(config/ntkstream.yaml documents every key; an empty file means all defaults).",
            "",
            "Here the job runs on an in-process Flink cluster (MiniCluster, bound to 127.0.0.1) in this JVM, against",
            "the Kafka cluster named in kafka.bootstrap-servers. It blocks until the job ends; Ctrl-C cancels it cleanly.",
            "",
            "Resuming: checkpoints (RocksDB, incremental) go to flink.checkpoint-dir and are retained when the job is",
            "cancelled or the process dies. Unless --fresh, run resumes from the latest complete one there",
            "(<dir>/<job-id>/chk-<n>/_metadata), or from --from-savepoint when given, and says which.",
            "With --fresh, state starts empty and the sources start from the consumer group's committed offsets",
            "(the earliest when there are none): to reprocess the topics from the beginning use a new kafka.group-id.",
            "",
            "On a real Flink cluster submit the shaded jar instead (resume there with flink run -s <checkpoint>):",
            "  flink run -c io.ntkstream.job.NtkStreamJobMain ntkstream.jar --config ntkstream.yaml",
            "",
            "Exit codes: 0 the job ended, 1 the job failed, 2 bad config or arguments."})
final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "The job's YAML configuration (see config/ntkstream.yaml).")
    Path config;

    @Option(names = "--from-savepoint", paramLabel = "PATH",
            description = "Resume from this savepoint or checkpoint (a directory with _metadata, or the file; a URI or path).")
    String fromSavepoint;

    @Option(names = "--fresh", description = "Start with empty state, ignoring retained checkpoints.")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        if (fresh && fromSavepoint != null) {
            throw new IllegalArgumentException("--fresh and --from-savepoint exclude each other");
        }
        JobConfig c = JobConfig.read(config);
        PrintStream out = System.out;
        out.println("ntkstream run: config " + config.toAbsolutePath());
        out.println("  kafka       " + c.kafka.bootstrapServers + " (group " + c.kafka.groupId
                + ", transactional ids " + c.kafka.transactionalIdPrefix + "-*"
                + (c.kafka.properties.isEmpty() ? "" : ", client properties " + c.kafka.properties.keySet()) + ")");
        out.println("  reads       " + String.join(", ", c.topics.samples, c.topics.pool, c.topics.queries,
                c.topics.control, c.topics.models));
        out.println("  writes      " + String.join(", ", c.topics.predictions, c.topics.picks, c.topics.deadLetter)
                + " (exactly once: read them with isolation.level=read_committed)");
        out.println("  flink       local MiniCluster on 127.0.0.1, parallelism " + c.flink.parallelism
                + ", RocksDB incremental checkpoints every " + c.flink.checkpointIntervalMs + " ms");
        out.println("  checkpoints " + c.flink.checkpointDir);

        String restoreFrom = null;
        if (fromSavepoint != null) {
            restoreFrom = fromSavepoint;
            out.println("resuming from savepoint " + fromSavepoint);
        } else if (fresh) {
            out.println("starting fresh (--fresh): retained checkpoints are ignored");
        } else {
            Optional<RetainedCheckpoints.Retained> latest = RetainedCheckpoints.latest(c.flink.checkpointDir);
            if (latest.isPresent()) {
                restoreFrom = latest.get().path();
                out.println("resuming from checkpoint " + restoreFrom + " (job " + latest.get().jobId()
                        + ", checkpoint " + latest.get().number() + ")");
            } else {
                out.println("starting fresh: no retained checkpoint in " + c.flink.checkpointDir);
            }
        }
        out.flush();

        JobClient job;
        java.net.URI web;
        try {
            NtkStreamJob.LocalJob local = NtkStreamJob.startLocalCluster(c, null, restoreFrom);
            job = local.client();
            web = local.restAddress();
        } catch (Exception e) {
            System.err.println("ntkstream run: error: cannot start the job"
                    + (restoreFrom == null ? "" : " from " + restoreFrom) + ": " + rootMessage(e));
            return 1;
        }
        AtomicBoolean ended = new AtomicBoolean();
        Thread hook = new Thread(() -> cancelOnShutdown(job, ended), "ntkstream-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (web != null) {
            out.println("  web UI      " + web + "/ (Flink's web UI and REST API)");
        }
        out.println("job " + job.getJobID() + " running; Ctrl-C cancels it (checkpoints are retained)");
        out.flush();
        try {
            job.getJobExecutionResult().get();
            out.println("job " + job.getJobID() + " ended");
            return 0;
        } catch (ExecutionException e) {
            if (ended.get()) {
                return 0; // cancelled by the shutdown hook
            }
            System.err.println("ntkstream run: error: the job failed: " + rootMessage(e));
            return 1;
        } finally {
            ended.set(true);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running
            }
        }
    }

    private static void cancelOnShutdown(JobClient job, AtomicBoolean ended) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        System.out.println("ntkstream run: cancelling job " + job.getJobID() + " (checkpoints are retained)");
        try {
            job.cancel().get(30, TimeUnit.SECONDS);
            System.out.println("ntkstream run: job " + job.getJobID() + " cancelled");
        } catch (Exception e) {
            System.err.println("ntkstream run: cancelling the job: " + rootMessage(e));
        }
        System.out.flush();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
