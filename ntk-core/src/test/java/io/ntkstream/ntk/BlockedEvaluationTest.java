package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.TestNetworks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A budget so small that blocks hold a few samples must give the same kernel as one block
 * (the in-memory single-block result is the reference), deliver rows in order, and keep the
 * symmetric kernel exactly symmetric on both the in-memory and the row-streaming paths.
 */
class BlockedEvaluationTest {
    private final Network net = Networks.random(
            TestNetworks.mlp(6, new int[] {9, 8}, 3, Activation.TANH, Parametrization.NTK, 1.1, 0.2, true), 5,
            Precision.FLOAT64);
    private final Matrix x1 = TestNetworks.inputs(6, 11, 1, Precision.FLOAT64);
    private final Matrix x2 = TestNetworks.inputs(6, 7, 2, Precision.FLOAT64);

    @ParameterizedTest
    @EnumSource(value = NtkMethod.class, names = {"JACOBIAN", "NTVP", "STRUCTURED"})
    void smallBlocksGiveTheSameKernel(NtkMethod method) {
        for (NtkMode mode : NtkMode.values()) {
            EmpiricalNtk big = new EmpiricalNtk(net, mode, method, 1L << 30);
            assertThat(big.plan(11, 7, false).blockSize()).isEqualTo(11);
            KernelBlock reference = big.compute(x1, x2);
            KernelBlock symmetricReference = big.compute(x1);

            long tiny = tinyBudget(method, mode);
            EmpiricalNtk small = new EmpiricalNtk(net, mode, method, tiny);
            assertThat(small.plan(11, 7, false).blockSize()).as("%s %s block", method, mode).isBetween(1, 4);
            assertClose(collect(small, x1, x2, 11, 7), reference.values(), method + " " + mode);
            double[] sym = collect(small, x1, null, 11, 11);
            assertClose(sym, symmetricReference.values(), method + " " + mode + " symmetric");
            assertExactlySymmetric(sym, 11, mode, 3);
        }
    }

    @ParameterizedTest
    @EnumSource(value = NtkMethod.class, names = {"JACOBIAN", "NTVP", "STRUCTURED"})
    void aSymmetricKernelInOneBlockCountsItsFeaturesOnce(NtkMethod method) {
        NtkPlan whole = new EmpiricalNtk(net, NtkMode.TRACE, method, 1L << 30).plan(11, 11, true);
        assertThat(whole.blockSize()).isEqualTo(11);
        long pairs = 11L * 11 * Double.BYTES;
        long budget = whole.workingBytes() + 3 * pairs; // + the output, a row block and a block of it
        EmpiricalNtk tight = new EmpiricalNtk(net, NtkMode.TRACE, method, budget);
        assertThat(tight.plan(11, 11, true).blockSize()).isEqualTo(11);
        // x1 and x2 apart need both blocks' features at once: the same budget does not hold them
        assertThat(tight.plan(11, 11, false).blockSize()).isLessThan(11);
        assertClose(tight.compute(x1).values(), new EmpiricalNtk(net, NtkMode.TRACE, method, 1L << 30).compute(x1).values(),
                method + " one symmetric block");
    }

    /** The budget at which this method fits about 3 samples per block. */
    private long tinyBudget(NtkMethod method, NtkMode mode) {
        EmpiricalNtk probe = new EmpiricalNtk(net, mode, method, 1L << 30);
        NtkPlan plan = probe.plan(11, 7, false);
        return plan.workingBytes() / 11 * 3 + 11L * 7 * 9 * 8 / 2;
    }

    private static double[] collect(EmpiricalNtk ntk, Matrix a, Matrix b, int n1, int n2) {
        int v = ntk.mode().valuesPerPair(3);
        double[] out = new double[n1 * n2 * v];
        List<Integer> starts = new ArrayList<>();
        ntk.compute(a, b, (rowStart, rowCount, values) -> {
            starts.add(rowStart);
            assertThat(values).hasSize(rowCount * n2 * v);
            System.arraycopy(values, 0, out, rowStart * n2 * v, values.length);
        }, done -> { });
        assertThat(starts).isSorted().startsWith(0);
        return out;
    }

    private static void assertClose(double[] actual, double[] expected, String what) {
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("%s at %d", what, i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-12 * scale));
        }
    }

    static void assertExactlySymmetric(double[] k, int n, NtkMode mode, int outputs) {
        int v = mode.valuesPerPair(outputs);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int kk = 0; kk < v; kk++) {
                    int kt = mode == NtkMode.FULL ? (kk % outputs) * outputs + kk / outputs : kk;
                    assertThat(k[(i * n + j) * v + kk]).isEqualTo(k[(j * n + i) * v + kt]);
                }
            }
        }
    }

    @Test
    void budgetTooSmallForOneSampleIsAClearError() {
        EmpiricalNtk ntk = new EmpiricalNtk(net, NtkMode.FULL, NtkMethod.JACOBIAN, 1000);
        assertThatThrownBy(() -> ntk.compute(x1, x2))
                .hasMessageContaining("memory budget").hasMessageContaining("jacobian").hasMessageContaining("--memory");
    }
}
