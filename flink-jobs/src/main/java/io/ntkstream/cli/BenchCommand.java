package io.ntkstream.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks; each prints one JSON object per measurement.",
        subcommands = {BenchKernelCommand.class, BenchGemmCommand.class, BenchJmhCommand.class, BenchActiveCommand.class,
                BenchStreamCommand.class})
final class BenchCommand {}
