package io.ntkstream.cli;

import io.ntkstream.cli.demo.Demo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "The whole streaming engine on this machine, in one JVM, in about a minute: starts a Kafka broker",
            "(KRaft, 127.0.0.1 only, data in a temporary directory) and the streaming job on a local Flink cluster",
            "(RocksDB state, checkpoints every few hundred ms, exactly-once Kafka sink), publishes a model",
            "checkpoint, and drives two scenarios through Kafka like real clients would:",
            "",
            "  1. active learning: a seeded classification pool; a simulated annotator labels what the job picks,",
            "     round after round, for a look-ahead task and a random one; test accuracy from the predictions.",
            "  2. meta-learning: waves of few-shot sinusoid tasks; the job aggregates their leave-one-out scores",
            "     into hyper-parameters that new tasks start from; their query MSE against the defaults.",
            "",
            "Prints tables and a summary (records per topic, dead letters, checkpoints, throughput) and writes PNG",
            "learning curves, CSVs, summary.json, the models and the data (.npy) to --out (default: a new temporary",
            "directory). Exits 0 when every query was answered and nothing was dead-lettered.",
            "--keep-running leaves the broker and the job up for the produce / consume / publish-model tools",
            "(it prints how); Ctrl-C stops everything cleanly (also during the demo)."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "Smaller scenarios (for tests; about half the time).")
    boolean quick;

    @Option(names = "--out", description = "Output directory (default: a new temporary directory).")
    Path out;

    @Option(names = "--arch", description = "Your classifier's architecture JSON for scenario 1 (with --params); its "
            + "input_dim sets the data's dimension, its outputs the number of classes.")
    Path arch;

    @Option(names = "--params", description = "Your classifier's checkpoint (.safetensors or .npz), with --arch.")
    Path params;

    @Option(names = "--keep-running", description = "Leave the broker and the job running after the demo, until Ctrl-C.")
    boolean keepRunning;

    @Option(names = "--checkpoint-interval", paramLabel = "MS", defaultValue = "300",
            description = "Flink checkpoint interval in ms; outputs are committed at checkpoints (default: ${DEFAULT-VALUE}).")
    long checkpointInterval;

    @Option(names = "--parallelism", defaultValue = "1", description = "Flink parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--seed", defaultValue = "4", description = "Seed of the data sets (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-progress-bars", description = "Plain progress lines even on a terminal.")
    boolean noBars;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Give up on a scenario after this long (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Override
    public Integer call() throws Exception {
        if ((arch == null) != (params == null)) {
            throw new IllegalArgumentException(arch == null ? "--params: needs --arch (the checkpoint's architecture)"
                    : "--arch: needs --params (the checkpoint)");
        }
        if (checkpointInterval < 10) {
            throw new IllegalArgumentException("--checkpoint-interval: expected >= 10 ms, got " + checkpointInterval);
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException("--parallelism: expected >= 1, got " + parallelism);
        }
        if (timeout < 1) {
            throw new IllegalArgumentException("--timeout: expected >= 1 s, got " + timeout);
        }
        Demo.Options o = new Demo.Options(quick, out, arch, params, keepRunning, checkpointInterval, parallelism, seed,
                !noBars, Duration.ofSeconds(timeout));
        return new Demo(o, System.out).run();
    }
}
