package io.ntkstream.cli;

import io.ntkstream.linalg.LinalgRuntime;
import picocli.CommandLine.Option;

/** The {@code --threads} option of the commands whose linear algebra uses all cores unless told otherwise. */
final class ThreadsOption {

    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    /** Sets the linear-algebra threads when {@code --threads} is given; otherwise leaves the default (all cores). */
    void apply() {
        if (threads != null) {
            LinalgRuntime.setThreads(threads);
        }
    }
}
