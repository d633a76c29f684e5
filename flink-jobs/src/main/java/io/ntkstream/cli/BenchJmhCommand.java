package io.ntkstream.cli;

import java.util.concurrent.Callable;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "jmh", mixinStandardHelpOptions = true,
        description = "Runs the JMH benchmarks of the primitives (GEMM facade, dense structured rule, feature pass).")
final class BenchJmhCommand implements Callable<Integer> {

    @Parameters(defaultValue = "io.ntkstream.bench.*", arity = "0..1",
            description = "Regular expression of benchmarks to run (default: ${DEFAULT-VALUE}).")
    String include;

    @Option(names = "--forks", defaultValue = "1", description = "JVM forks (default: ${DEFAULT-VALUE}).")
    int forks;

    @Option(names = "--iterations", defaultValue = "5", description = "Measurement iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--json", description = "Also write JMH's JSON result to this file.")
    String json;

    @Override
    public Integer call() throws RunnerException {
        OptionsBuilder builder = new OptionsBuilder();
        builder.include(include).forks(forks).warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("-Dorg.bytedeco.javacpp.cachedir="
                        + System.getProperty("org.bytedeco.javacpp.cachedir", System.getProperty("user.home") + "/.javacpp/cache"));
        if (json != null) {
            builder.resultFormat(org.openjdk.jmh.results.format.ResultFormatType.JSON).result(json);
        }
        Options options = builder.build();
        new Runner(options).run();
        return 0;
    }
}
