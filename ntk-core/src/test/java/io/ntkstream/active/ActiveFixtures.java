package io.ntkstream.active;

import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.RbfKernel;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.TestNetworks;
import io.ntkstream.ntk.NtkMode;
import java.util.ArrayList;
import java.util.List;

/** Small kernels, learners and pools shared by the active-learning tests (fixed seeds). */
final class ActiveFixtures {
    static final int D = 2;
    static final int C = 3;
    static final double RIDGE = 1e-2;

    private ActiveFixtures() {}

    static RbfKernel rbf() {
        return new RbfKernel(D, C, 0.9, 1.3);
    }

    /** The pseudo-NTK of a small random erf MLP 2 → 24 → 24 → 3, float64. */
    static EmpiricalNtkKernel ntk() {
        return new EmpiricalNtkKernel(Networks.random(TestNetworks.mlp(D, new int[] {24, 24}, C, Activation.ERF,
                Parametrization.NTK, 1.5, 0.2, true), 7, Precision.FLOAT64), NtkMode.PSEUDO);
    }

    static RegressorSettings classifier() {
        return RegressorSettings.defaults().withRidge(RIDGE).withClasses(C);
    }

    /** A learner that learned {@code data} with ids "x0", "x1", ... (in one batch: one network pass). */
    static NtkRegressor learned(FeatureKernel kernel, LabeledSamples data) {
        NtkRegressor learner = new NtkRegressor(kernel, classifier());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            ids.add("x" + i);
        }
        try (Matrix x = columns(data.x())) {
            learner.learnManyLabels(ids, x, data.longLabels());
        }
        return learner;
    }

    static List<String> poolIds(int m) {
        List<String> ids = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            ids.add("u" + i);
        }
        return ids;
    }

    static Matrix columns(double[][] x) {
        return LabelingSimulation.columns(x, x[0].length);
    }

    /** The learner's means μ at the rows of x (m x O). */
    static double[][] means(NtkRegressor learner, double[][] x) {
        try (Matrix m = columns(x)) {
            return learner.predict(m).stream().map(p -> p.mean()).toArray(double[][]::new);
        }
    }

    static LabeledSamples data(int n, long sampleSeed) {
        return SyntheticData.generate(SyntheticData.Spec.defaults(), n, 11, sampleSeed);
    }
}
