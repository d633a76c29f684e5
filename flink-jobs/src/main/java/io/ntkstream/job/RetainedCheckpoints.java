package io.ntkstream.job;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Finds the checkpoint to resume from in a checkpoint directory that Flink fills in its layout:
 * {@code <dir>/<job-id>/chk-<n>/_metadata} (plus {@code shared/} and {@code taskowned/} per job).
 *
 * <p>A checkpoint is complete when its {@code _metadata} file exists: Flink writes that file last,
 * through a recoverable writer (a hidden temporary file renamed on commit), so a process killed
 * mid-checkpoint leaves a {@code chk-<n>} directory without it. Every run of the job writes under
 * a new job id; the latest checkpoint is the highest-numbered complete one of the job directory
 * whose newest complete checkpoint was written last (by the {@code _metadata} modification time;
 * numbers alone cannot order job directories, since a run started without restoring numbers from
 * 1 again). Works on any Flink file system ({@code file://}, and {@code s3://}, {@code hdfs://}
 * when their plugins are present).
 */
public final class RetainedCheckpoints {
    private static final Pattern CHK = Pattern.compile("chk-(\\d+)");
    static final String METADATA = "_metadata";

    private RetainedCheckpoints() {
    }

    /**
     * A complete retained checkpoint.
     *
     * @param path           its directory (what {@code execution.state-recovery.path} takes)
     * @param jobId          the name of its job directory
     * @param number         n of {@code chk-<n>}
     * @param modifiedMillis modification time of its {@code _metadata} file
     */
    public record Retained(String path, String jobId, long number, long modifiedMillis) {
    }

    /**
     * The latest complete checkpoint under {@code checkpointDir} (a URI or a local path), or empty
     * if the directory does not exist or holds none.
     *
     * @throws UncheckedIOException if the directory cannot be listed
     */
    public static Optional<Retained> latest(String checkpointDir) {
        return all(checkpointDir).stream()
                .collect(Collectors.groupingBy(Retained::jobId))
                .values().stream()
                .map(job -> job.stream().max(Comparator.comparingLong(Retained::number)).orElseThrow())
                .max(Comparator.comparingLong(Retained::modifiedMillis).thenComparingLong(Retained::number));
    }

    /** Every complete checkpoint under {@code checkpointDir}, in no particular order. */
    public static List<Retained> all(String checkpointDir) {
        Path root = new Path(checkpointDir);
        List<Retained> out = new ArrayList<>();
        try {
            FileSystem fs = root.getFileSystem();
            if (!fs.exists(root)) {
                return out;
            }
            for (FileStatus job : list(fs, root)) {
                if (!job.isDir()) {
                    continue;
                }
                for (FileStatus chk : list(fs, job.getPath())) {
                    Matcher m = CHK.matcher(chk.getPath().getName());
                    if (!chk.isDir() || !m.matches()) {
                        continue;
                    }
                    long modified;
                    try {
                        modified = fs.getFileStatus(new Path(chk.getPath(), METADATA)).getModificationTime();
                    } catch (FileNotFoundException e) {
                        continue; // in progress, abandoned when the process died, or just subsumed
                    }
                    out.add(new Retained(chk.getPath().toString(), job.getPath().getName(),
                            Long.parseLong(m.group(1)), modified));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the checkpoint directory " + checkpointDir + ": "
                    + e.getMessage(), e);
        }
        return out;
    }

    private static FileStatus[] list(FileSystem fs, Path dir) throws IOException {
        FileStatus[] s;
        try {
            s = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            s = null; // deleted meanwhile (a subsumed checkpoint)
        }
        return s == null ? new FileStatus[0] : s;
    }
}
