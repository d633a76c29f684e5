package io.ntkstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetainedCheckpointsTest {
    static final String OLD_JOB = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    static final String NEW_JOB = "ffeeddccbbaa99887766554433221100";

    @TempDir
    Path dir;

    /** A chk-n directory; complete (with _metadata written at {@code time} seconds) unless time < 0. */
    private Path checkpoint(String job, long n, long time) throws IOException {
        Path chk = Files.createDirectories(dir.resolve(job).resolve("chk-" + n));
        Files.writeString(chk.resolve("some-state-file"), "x");
        if (time >= 0) {
            Path metadata = Files.writeString(chk.resolve("_metadata"), "metadata");
            Files.setLastModifiedTime(metadata, FileTime.fromMillis(1_700_000_000_000L + time * 1000));
        }
        Files.createDirectories(dir.resolve(job).resolve("shared"));
        Files.createDirectories(dir.resolve(job).resolve("taskowned"));
        return chk;
    }

    /** A checkpoint path as Flink names it (a file: URI, or a plain path) as a local path. */
    private static Path local(String path) {
        return Path.of(new org.apache.flink.core.fs.Path(path).toUri().getPath());
    }

    @Test
    void missingOrEmptyDirectoryHasNone() throws IOException {
        assertThat(RetainedCheckpoints.latest(dir.resolve("absent").toUri().toString())).isEmpty();
        assertThat(RetainedCheckpoints.latest(dir.toUri().toString())).isEmpty();
        checkpoint(OLD_JOB, 1, -1); // only an incomplete one
        assertThat(RetainedCheckpoints.latest(dir.toUri().toString())).isEmpty();
    }

    @Test
    void highestCompleteCheckpointOfTheNewestJobNumericallyNotLexically() throws IOException {
        checkpoint(OLD_JOB, 30, 10);
        checkpoint(NEW_JOB, 9, 100);
        Path ten = checkpoint(NEW_JOB, 10, 101);
        checkpoint(NEW_JOB, 11, -1); // in progress when the process died
        var latest = RetainedCheckpoints.latest(dir.toUri().toString()).orElseThrow();
        assertThat(latest.jobId()).isEqualTo(NEW_JOB);
        assertThat(latest.number()).isEqualTo(10);
        assertThat(local(latest.path())).isEqualTo(ten);
        assertThat(RetainedCheckpoints.all(dir.toUri().toString())).hasSize(3);
    }

    @Test
    void jobsAreOrderedByTimeNotByNumber() throws IOException {
        // the newer run started fresh, so its numbers are lower than the old run's
        checkpoint(OLD_JOB, 57, 10);
        checkpoint(NEW_JOB, 2, 20);
        Path three = checkpoint(NEW_JOB, 3, 21);
        assertThat(local(RetainedCheckpoints.latest(dir.toString()).orElseThrow().path())).isEqualTo(three);
    }

    @Test
    void newestJobWithoutACompleteCheckpointFallsBackToThePreviousOne() throws IOException {
        checkpoint(OLD_JOB, 4, 10);
        Path five = checkpoint(OLD_JOB, 5, 11);
        checkpoint(NEW_JOB, 6, -1); // the restarted run died before its first checkpoint completed
        var latest = RetainedCheckpoints.latest(dir.toUri().toString()).orElseThrow();
        assertThat(latest.jobId()).isEqualTo(OLD_JOB);
        assertThat(latest.number()).isEqualTo(5);
        assertThat(local(latest.path())).isEqualTo(five);
    }

    @Test
    void strayFilesAndDirectoriesAreIgnored() throws IOException {
        checkpoint(OLD_JOB, 1, 10);
        Files.writeString(dir.resolve("README"), "not a job");
        Files.createDirectories(dir.resolve(OLD_JOB).resolve("chk-x"));
        Files.createDirectories(dir.resolve(OLD_JOB).resolve("savepoint-1"));
        Files.writeString(dir.resolve(OLD_JOB).resolve("chk-2"), "a file, not a directory");
        var latest = RetainedCheckpoints.latest(dir.toUri().toString()).orElseThrow();
        assertThat(latest.number()).isEqualTo(1);
    }
}
