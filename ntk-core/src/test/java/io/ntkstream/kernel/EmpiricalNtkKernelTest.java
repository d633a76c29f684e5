package io.ntkstream.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.TestNetworks;
import io.ntkstream.ntk.EmpiricalNtk;
import io.ntkstream.ntk.NtkMethod;
import io.ntkstream.ntk.NtkMode;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link EmpiricalNtkKernel} and its feature store against the NTK by Jacobian contraction
 * ({@link EmpiricalNtk} with {@link NtkMethod#JACOBIAN}: the Jacobian materialized and contracted,
 * an algorithm independent of the structured features), reduced as the kernel documents
 * (trace/O, pseudo as is), and f0 against {@link Network#apply}.
 */
class EmpiricalNtkKernelTest {
    static final int OUTPUTS = 3;

    static Network network(Precision precision) {
        return Networks.random(TestNetworks.mlp(4, new int[] {24, 16}, OUTPUTS, Activation.TANH, Parametrization.NTK,
                1.4, 0.3, true), 5, precision);
    }

    /** The reference scalar kernel, row-major n1 x n2. */
    static double[] reference(Network net, NtkMode mode, Matrix x1, Matrix x2) {
        double[] v = new EmpiricalNtk(net, mode, NtkMethod.JACOBIAN).compute(x1, x2).values();
        if (mode == NtkMode.TRACE) {
            for (int i = 0; i < v.length; i++) {
                v[i] /= net.outputDim();
            }
        }
        return v;
    }

    static void assertClose(double[] actual, double[] expected, double relTol, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("%s [%d]", what, i).isCloseTo(expected[i], Offset.offset(relTol * scale));
        }
    }

    @ParameterizedTest
    @EnumSource(value = NtkMode.class, names = {"TRACE", "PSEUDO"})
    void crossAndDiagonalMatchJacobianContraction(NtkMode mode) {
        Network net = network(Precision.FLOAT64);
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, mode);
        Matrix x = TestNetworks.inputs(4, 7, 1, Precision.FLOAT64);
        Matrix z = TestNetworks.inputs(4, 4, 2, Precision.FLOAT64);
        try (KernelFeatures fx = kernel.featurize(x); KernelFeatures fz = kernel.featurize(z)) {
            assertThat(fx.size()).isEqualTo(7);
            assertClose(kernel.cross(fz, fx), reference(net, mode, z, x), 1e-12, "k(z, x)");
            double[] kzz = reference(net, mode, z, z);
            double[] diag = new double[4];
            for (int i = 0; i < 4; i++) {
                diag[i] = kzz[i * 4 + i];
            }
            assertClose(kernel.selfDiagonal(fz), diag, 1e-12, "k(z_i, z_i)");
        }
        try (Matrix f0 = kernel.f0(x); Matrix out = net.apply(x)) {
            assertThat(f0.precision()).isEqualTo(Precision.FLOAT64);
            assertThat(f0.rows()).isEqualTo(OUTPUTS);
            assertThat(f0.toColumnMajor()).containsExactly(out.toColumnMajor());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class)
    void f0FromTheFeaturesIsTheNetworksOutputWithoutASecondPass(Precision precision) {
        Network net = network(precision);
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, NtkMode.PSEUDO);
        Matrix x = TestNetworks.inputs(4, 6, 3, Precision.FLOAT64);
        try (KernelFeatures fx = kernel.featurize(x); Matrix f0 = kernel.f0(x)) {
            assertThat(kernel.f0(fx, x)).containsExactly(f0.toColumnMajor());
            // the features keep the forward pass's outputs; their views and a store do not
            assertThat(EmpiricalNtkKernel.unwrap(fx).networkOutput()).isNotNull();
            try (FeatureStore store = kernel.newStore()) {
                store.append(fx, 2);
                assertThat(EmpiricalNtkKernel.unwrap(store).networkOutput()).isNull();
            }
        }
        // appending a whole batch at once stores the same features as one sample at a time
        try (KernelFeatures fx = kernel.featurize(x); FeatureStore one = kernel.newStore();
             FeatureStore all = kernel.newStore()) {
            for (int round = 0; round < 4; round++) { // past the initial capacity
                for (int i = 0; i < 6; i++) {
                    one.append(fx, i);
                }
                all.appendAll(fx);
            }
            assertThat(all.size()).isEqualTo(24);
            for (int j = 0; j < 24; j++) {
                assertThat(all.sampleValues(j)).containsExactly(one.sampleValues(j));
            }
            assertThat(kernel.cross(fx, all)).containsExactly(kernel.cross(fx, one));
        }
        RbfKernel rbf = new RbfKernel(4, OUTPUTS, 1.0, 1.0);
        try (KernelFeatures fr = rbf.featurize(x)) {
            assertThat(rbf.f0(fr, x)).containsOnly(0.0).hasSize(OUTPUTS * 6);
        }
    }

    @Test
    void diagonalOverSeveralBlocksMatchesTheFullKernel() {
        Network net = network(Precision.FLOAT64);
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, NtkMode.TRACE);
        Matrix x = TestNetworks.inputs(4, 150, 9, Precision.FLOAT64);
        double[] full = reference(net, NtkMode.TRACE, x, x);
        double[] diag = new double[150];
        for (int i = 0; i < 150; i++) {
            diag[i] = full[i * 150 + i];
        }
        try (KernelFeatures f = kernel.featurize(x)) {
            assertClose(kernel.selfDiagonal(f), diag, 1e-12, "diagonal of 150 samples");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class)
    void storeAppendsRemovesAndExportsSamples(Precision precision) {
        Network net = network(precision);
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, NtkMode.TRACE);
        Matrix x = TestNetworks.inputs(4, 20, 3, Precision.FLOAT64);
        Matrix z = TestNetworks.inputs(4, 3, 4, Precision.FLOAT64);
        double[] full = reference(net, NtkMode.TRACE, z, x); // 3 x 20
        try (FeatureStore store = kernel.newStore(); KernelFeatures fz = kernel.featurize(z)) {
            assertThat(kernel.cross(fz, store)).isEmpty();
            // one sample at a time, past the initial capacity of 16
            for (int i = 0; i < 20; i++) {
                try (KernelFeatures one = kernel.featurize(x.columns(i, i + 1))) {
                    store.append(one, 0);
                }
            }
            store.remove(0);
            store.remove(5);   // original 6
            store.remove(17);  // original 19, the last
            int[] kept = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
            assertThat(store.size()).isEqualTo(kept.length);
            double[] expected = new double[3 * kept.length];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < kept.length; j++) {
                    expected[i * kept.length + j] = full[i * 20 + kept[j]];
                }
            }
            double tol = precision == Precision.FLOAT64 ? 1e-12 : 1e-5;
            double[] crossed = kernel.cross(fz, store);
            assertClose(crossed, expected, tol, "k(z, stored)");
            double[] storeDiag = kernel.selfDiagonal(store);
            double[] xx = reference(net, NtkMode.TRACE, x, x);
            for (int j = 0; j < kept.length; j++) {
                assertThat(storeDiag[j]).isCloseTo(xx[kept[j] * 20 + kept[j]], Offset.offset(tol * Math.abs(xx[0]) * 10));
            }
            // export and re-import every sample: exactly the same kernel values
            try (FeatureStore copy = kernel.newStore()) {
                for (int j = 0; j < store.size(); j++) {
                    double[] v = store.sampleValues(j);
                    assertThat(v).hasSize(store.valuesPerSample());
                    double[] xj = new double[4];
                    x.readColumn(kept[j], xj);
                    copy.appendValues(xj, v);
                }
                assertThat(kernel.cross(fz, copy)).containsExactly(crossed);
            }
        }
    }

    @Test
    void onlyScalarModesAndMatchingInputs() {
        Network net = network(Precision.FLOAT64);
        assertThatThrownBy(() -> new EmpiricalNtkKernel(net, NtkMode.FULL))
                .hasMessageContaining("mode").hasMessageContaining("trace or pseudo");
        EmpiricalNtkKernel kernel = new EmpiricalNtkKernel(net, NtkMode.PSEUDO);
        assertThatThrownBy(() -> kernel.featurize(TestNetworks.inputs(3, 2, 1, Precision.FLOAT64)))
                .hasMessageContaining("input_dim x n = 4 x n").hasMessageContaining("3x2");
        try (FeatureStore store = kernel.newStore()) {
            assertThatThrownBy(() -> store.appendValues(new double[4], new double[3])).hasMessageContaining("features: expected");
            assertThatThrownBy(() -> store.appendValues(new double[3], new double[store.valuesPerSample()]))
                    .hasMessageContaining("x: expected 4 values");
        }
        // the description identifies the checkpoint
        EmpiricalNtkKernel other = new EmpiricalNtkKernel(Networks.random(net.architecture(), 6, Precision.FLOAT64),
                NtkMode.PSEUDO);
        assertThat(other.description()).isNotEqualTo(kernel.description());
        assertThat(new EmpiricalNtkKernel(network(Precision.FLOAT64), NtkMode.PSEUDO).description())
                .isEqualTo(kernel.description());
    }
}
