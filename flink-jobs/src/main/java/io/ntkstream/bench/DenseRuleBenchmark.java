package io.ntkstream.bench;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.ntk.KernelBlock;
import io.ntkstream.ntk.NtkFeatures;
import io.ntkstream.ntk.NtkMode;
import io.ntkstream.ntk.StructuredNtk;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The per-layer structured rule and the per-sample feature pass, in isolation: a network of one
 * hidden dense layer (width x width) so the dense rule dominates.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DenseRuleBenchmark {
    @Param({"1024"})
    public int width;

    @Param({"256"})
    public int samples;

    @Param({"TRACE", "FULL"})
    public NtkMode mode;

    private Network network;
    private Matrix x;
    private NtkFeatures features;

    @Setup
    public void setUp() {
        Architecture arch = Architecture.mlp(width, width, 1, 10, Activation.RELU, Parametrization.NTK, 1.0, 0.1);
        network = Networks.random(arch, 0, Precision.FLOAT32);
        x = Matrix.zeros(Precision.FLOAT32, width, samples).map(v -> Math.random() - 0.5);
        features = StructuredNtk.features(network, mode, x);
    }

    /** Kernel between stored features: the dense rule for every layer, no network pass. */
    @Benchmark
    public KernelBlock kernelFromFeatures() {
        return StructuredNtk.kernel(features, features);
    }

    /** One forward and O backward passes for the block: what a new sample costs before its Gram row. */
    @Benchmark
    public NtkFeatures features() {
        return StructuredNtk.features(network, mode, x);
    }
}
