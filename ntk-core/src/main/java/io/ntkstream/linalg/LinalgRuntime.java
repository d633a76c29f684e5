package io.ntkstream.linalg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.factory.Nd4j;

/** Process-wide settings of the linear-algebra backend: threads, memory readings. */
public final class LinalgRuntime {
    private LinalgRuntime() {}

    /** Threads for BLAS and the backend's own loops. */
    public static void setThreads(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    public static int threads() {
        return Nd4j.factory().blas().getMaxThreads();
    }

    /** Peak resident memory of this process (VmHWM), in bytes: heap, native buffers and code. -1 if unknown. */
    public static long peakResidentBytes() {
        return readStatus("VmHWM:");
    }

    /** Current resident memory (VmRSS) in bytes; -1 if unknown. */
    public static long residentBytes() {
        return readStatus("VmRSS:");
    }

    private static long readStatus(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
