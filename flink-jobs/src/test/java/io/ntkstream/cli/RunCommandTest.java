package io.ntkstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run command's argument and config errors (exit code 2, the key named); the job itself runs in the tests module. */
class RunCommandTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = NtkStreamCli.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void badValueExitsWithTwoAndNamesTheKey() throws Exception {
        Path config = Files.writeString(dir.resolve("c.yaml"), "flink:\n  parallelism: -1\n");
        Result r = run("run", "--config", config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("flink.parallelism").contains("c.yaml");
    }

    @Test
    void unknownKeyExitsWithTwoAndNamesIt() throws Exception {
        Path config = Files.writeString(dir.resolve("c.yaml"), "kafka:\n  bootstrap: \"h:1\"\n");
        Result r = run("run", "--config", config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("kafka.bootstrap");
    }

    @Test
    void missingConfigAndConflictingOptionsExitWithTwo() throws Exception {
        assertThat(run("run", "--config", dir.resolve("absent.yaml").toString()).code()).isEqualTo(2);
        assertThat(run("run").code()).isEqualTo(2); // --config is required
        Path config = Files.writeString(dir.resolve("c.yaml"), "");
        Result r = run("run", "--config", config.toString(), "--fresh", "--from-savepoint", "/x");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--fresh");
    }

    @Test
    void helpExplainsClusterSubmissionAndResume() {
        Result r = run("run", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("flink run -c io.ntkstream.job.NtkStreamJobMain ntkstream.jar --config")
                .contains("--from-savepoint").contains("--fresh").contains("chk-<n>");
    }
}
