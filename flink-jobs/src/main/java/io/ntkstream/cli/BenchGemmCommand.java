package io.ntkstream.cli;

import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "Measures this machine's GEMM peak through ntkstream's linear-algebra facade (C = A·Bᵀ, n x n).")
final class BenchGemmCommand implements Callable<Integer> {

    @Option(names = "--size", defaultValue = "2048", description = "Matrix size n (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--repeats", defaultValue = "5", description = "Timed runs; the best is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() {
        threads.apply();
        for (Precision p : Precision.values()) {
            Matrix a = Matrix.zeros(p, size, size).map(v -> Math.random());
            Matrix b = Matrix.zeros(p, size, size).map(v -> Math.random());
            Matrix c = Matrix.zeros(p, size, size);
            Matrix.gemm(a, false, b, true, 1.0, 0.0, c);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                Matrix.gemm(a, false, b, true, 1.0, 0.0, c);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            double flops = 2.0 * size * size * size;
            System.out.printf("{\"impl\":\"ntkstream\",\"bench\":\"gemm\",\"dtype\":\"%s\",\"n\":%d,\"seconds\":%.6f,\"gflops\":%.2f,\"threads\":%d}%n",
                    p.name().toLowerCase(), size, best, flops / best / 1e9, LinalgRuntime.threads());
        }
        return 0;
    }
}
