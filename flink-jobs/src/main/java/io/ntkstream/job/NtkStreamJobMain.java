package io.ntkstream.job;

import java.nio.file.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The entry point on a real Flink cluster:
 * <pre>
 * flink run -c io.ntkstream.job.NtkStreamJobMain ntkstream.jar --config ntkstream.yaml
 * flink run -s &lt;checkpoint or savepoint&gt; -c io.ntkstream.job.NtkStreamJobMain ntkstream.jar --config ...
 * </pre>
 * The config file is read on the client. The job's own settings (RocksDB incremental checkpoints
 * to {@code flink.checkpoint-dir}, retained on cancellation, the interval, {@code flink.configuration})
 * are applied to the job; the cluster's addresses, slots and restart strategy are the cluster's.
 */
public final class NtkStreamJobMain {

    private NtkStreamJobMain() {
    }

    public static void main(String[] args) throws Exception {
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                config = Path.of(args[++i]);
            } else if (args[i].startsWith("--config=")) {
                config = Path.of(args[i].substring("--config=".length()));
            } else {
                throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: --config <ntkstream.yaml>");
            }
        }
        if (config == null) {
            throw new IllegalArgumentException("usage: --config <ntkstream.yaml>");
        }
        JobConfig c = JobConfig.read(config);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(NtkStreamJob.flinkConfiguration(c));
        NtkStreamJob.build(env, c, null);
        env.execute(NtkStreamJob.JOB_NAME);
    }
}
