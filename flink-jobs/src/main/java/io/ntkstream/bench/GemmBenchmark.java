package io.ntkstream.bench;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** GEMM through the {@link Matrix} facade, C = A·Bᵀ (n x n): the peak every NTK method is measured against. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GemmBenchmark {
    @Param({"FLOAT32", "FLOAT64"})
    public Precision precision;

    @Param({"512", "1024"})
    public int n;

    private Matrix a;
    private Matrix b;
    private Matrix c;

    @Setup
    public void setUp() {
        a = Matrix.zeros(precision, n, n).map(v -> Math.random());
        b = Matrix.zeros(precision, n, n).map(v -> Math.random());
        c = Matrix.zeros(precision, n, n);
    }

    @Benchmark
    public Matrix gemm() {
        Matrix.gemm(a, false, b, true, 1.0, 0.0, c);
        return c;
    }
}
