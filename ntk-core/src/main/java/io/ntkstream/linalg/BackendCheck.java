package io.ntkstream.linalg;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.blas.BlasException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A one-time check, before the first factorization, that the native BLAS/LAPACK gives correct
 * results on this CPU. OpenBLAS 0.3.19 (the version ND4J 1.0.0-M2.1 ships) picks its AVX-512
 * (SkylakeX) kernels on AVX-512 CPUs, and on some of them (measured: a Xeon with AVX-512 FP16,
 * i.e. Sapphire Rapids) blocked Cholesky, triangular solves and eigendecompositions from 64 rows up
 * come out wrong without any error. {@code OPENBLAS_CORETYPE=Haswell} avoids those kernels.
 * A wrong Gram factor would silently corrupt every prediction, so this fails loudly instead.
 */
final class BackendCheck {
    private static final int N = 96;
    private static final double TOLERANCE = 1e-9;

    private BackendCheck() {
    }

    /** Throws (every time) if the backend failed the check; the check itself runs once per JVM. */
    static void ensure() {
        if (Holder.FAILURE != null) {
            throw new IllegalStateException(Holder.FAILURE);
        }
    }

    /** Whether the backend passed the check (runs it once per JVM). */
    static boolean passed() {
        return Holder.FAILURE == null;
    }

    private static final class Holder {
        static final String FAILURE = run();
    }

    /** Factors A = BᵀB + N·I with LAPACK's dpotrf and checks L·Lᵀ = A in plain Java; null if fine. */
    private static String run() {
        double[][] b = new double[N][N];
        SplittableRandom r = new SplittableRandom(20261204L);
        for (double[] row : b) {
            for (int j = 0; j < N; j++) {
                row[j] = r.nextDouble(-1, 1);
            }
        }
        double[][] a = new double[N][N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                double s = i == j ? N : 0;
                for (int k = 0; k < N; k++) {
                    s += b[k][i] * b[k][j];
                }
                a[i][j] = s;
            }
        }
        double worst;
        String failure = "";
        try (var scope = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray l = Nd4j.createFromArray(a).castTo(DataType.DOUBLE).dup('f');
            Nd4j.getBlasWrapper().lapack().potrf(l, true);
            double[][] lv = l.toDoubleMatrix();
            l.close();
            worst = 0;
            for (int i = 0; i < N; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int k = 0; k <= j; k++) {
                        s += lv[i][k] * lv[j][k];
                    }
                    worst = Math.max(worst, Math.abs(s - a[i][j]) / N);
                }
            }
        } catch (RuntimeException | BlasException e) { // dpotrf reports the SPD matrix as not positive definite
            worst = Double.NaN;
            failure = " (" + e.getMessage() + ")";
        }
        if (worst <= TOLERANCE) {
            return null;
        }
        return "the native linear algebra (OpenBLAS 0.3.19, shipped with ND4J 1.0.0-M2.1) computes wrong results on "
                + "this CPU (" + cpuModel() + "): a " + N + "x" + N + " Cholesky factor "
                + (Double.isNaN(worst) ? "fails" + failure : "is off by " + worst + " relative") + ". Its AVX-512 kernels are known to do this; start the JVM with the environment variable "
                + "OPENBLAS_CORETYPE=Haswell (bin/ntkstream sets it on AVX-512 CPUs, the Maven tests always; for a Flink "
                + "cluster see docs/deploy.md). Current OPENBLAS_CORETYPE: "
                + System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(not set)");
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (Exception e) {
            // not Linux: no model name
        }
        return System.getProperty("os.arch");
    }
}
