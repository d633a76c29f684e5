package io.ntkstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ntkstream} command line. */
@Command(name = "ntkstream",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {
            "Streaming meta-learning and active learning on the empirical Neural Tangent Kernel.",
            "",
            "Inputs are .npy files of shape (N, input_dim), float32 or float64, C order. Checkpoints are "
                + "safetensors or .npz with PyTorch nn.Sequential names (0.weight, 0.bias, 2.weight, ...).",
            ""},
        subcommands = {
            DemoCommand.class,
            KernelCommand.class,
            InfiniteCommand.class,
            RegressCommand.class,
            RunCommand.class,
            AlSimCommand.class,
            MetaSimCommand.class,
            FinetuneCheckCommand.class,
            InitCommand.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            PublishModelCommand.class,
            RandomInputsCommand.class,
            SyntheticClassesCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class})
public final class NtkStreamCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (0 ok, 2 bad input, 1 failure). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new NtkStreamCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.UncheckedIOException
                    || e.getClass().getSimpleName().endsWith("Exception") && e.getClass().getPackageName().startsWith("io.ntkstream")) {
                commandLine.getErr().println("ntkstream " + commandLine.getCommandName() + ": error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
