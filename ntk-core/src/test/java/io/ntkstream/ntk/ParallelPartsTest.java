package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.TestNetworks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * With several threads, a kernel that fits in memory is evaluated as concurrent parts. Reference:
 * the single-threaded structured features and kernel of the whole blocks, without BlockedEvaluation.
 */
class ParallelPartsTest {
    private int threadsBefore;

    @BeforeEach
    void twoThreads() {
        threadsBefore = LinalgRuntime.threads();
        LinalgRuntime.setThreads(2);
    }

    @AfterEach
    void restore() {
        LinalgRuntime.setThreads(threadsBefore);
    }

    @ParameterizedTest
    @EnumSource(NtkMode.class)
    void partsGiveTheSameKernelAsOneBlock(NtkMode mode) {
        Network net = Networks.random(TestNetworks.mlp(5, new int[] {12}, 2, Activation.GELU, Parametrization.NTK,
                1.2, 0.3, true), 9, Precision.FLOAT64);
        Matrix x1 = TestNetworks.inputs(5, 150, 1, Precision.FLOAT64);
        Matrix x2 = TestNetworks.inputs(5, 140, 2, Precision.FLOAT64);
        EmpiricalNtk ntk = new EmpiricalNtk(net, mode, NtkMethod.STRUCTURED);
        assertThat(ntk.plan(150, 140, false).blockSize()).isGreaterThanOrEqualTo(150);

        KernelBlock reference;
        try (NtkFeatures f1 = StructuredNtk.features(net, mode, x1); NtkFeatures f2 = StructuredNtk.features(net, mode, x2)) {
            reference = StructuredNtk.kernel(f1, f2);
        }
        assertClose(ntk.compute(x1, x2).values(), reference.values());

        KernelBlock symmetricReference;
        try (NtkFeatures f1 = StructuredNtk.features(net, mode, x1)) {
            symmetricReference = StructuredNtk.kernel(f1, f1);
        }
        double[] symmetric = ntk.compute(x1).values();
        assertClose(symmetric, symmetricReference.values());
        BlockedEvaluationTest.assertExactlySymmetric(symmetric, 150, mode, 2);
    }

    private static void assertClose(double[] actual, double[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("value %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-12 * scale));
        }
    }
}
