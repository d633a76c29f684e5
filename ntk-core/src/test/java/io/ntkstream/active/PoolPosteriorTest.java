package io.ntkstream.active;

import static io.ntkstream.active.ActiveFixtures.C;
import static io.ntkstream.active.ActiveFixtures.RIDGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.kernel.ClassTargets;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.KernelFeatures;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.Prediction;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.kernel.TrainingTime;
import io.ntkstream.linalg.Matrix;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * {@link PoolPosterior} against independent references: the covariance k̃ and the means against
 * the dense GP formulas with an explicit inverse of K + λI computed here by commons-math3's LU
 * decomposition (kernel values straight from {@link FeatureKernel#cross}); the look-ahead Δf
 * and {@link PoolPosterior#observe} against a fresh {@link NtkRegressor} refitted with the
 * candidate added, for every candidate of a small pool, on an RBF kernel and a small NTK.
 */
class PoolPosteriorTest {
    static final double TOL = 1e-9;
    static final int N = 14;
    static final int M = 12;

    static Stream<Arguments> kernels() {
        return Stream.of(Arguments.of("rbf", ActiveFixtures.rbf()), Arguments.of("ntk", ActiveFixtures.ntk()));
    }

    static double[][] kernelMatrix(FeatureKernel k, double[][] a, double[][] b) {
        try (Matrix ma = ActiveFixtures.columns(a); Matrix mb = ActiveFixtures.columns(b);
             KernelFeatures fa = k.featurize(ma); KernelFeatures fb = k.featurize(mb)) {
            double[] v = k.cross(fa, fb);
            double[][] out = new double[a.length][b.length];
            for (int i = 0; i < a.length; i++) {
                System.arraycopy(v, i * b.length, out[i], 0, b.length);
            }
            return out;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void covarianceAndMeansMatchTheDenseFormulasWithAnExplicitInverse(String name, FeatureKernel kernel) {
        LabeledSamples labeled = ActiveFixtures.data(N, 1);
        LabeledSamples candidates = ActiveFixtures.data(M, 2);
        try (NtkRegressor learner = ActiveFixtures.learned(kernel, labeled);
             Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(M), candidates.x())) {
            PoolPosterior p = PoolPosterior.of(learner, pool);

            RealMatrix kxx = new Array2DRowRealMatrix(kernelMatrix(kernel, labeled.x(), labeled.x()));
            RealMatrix kxu = new Array2DRowRealMatrix(kernelMatrix(kernel, labeled.x(), candidates.x()));
            RealMatrix kuu = new Array2DRowRealMatrix(kernelMatrix(kernel, candidates.x(), candidates.x()));
            for (int i = 0; i < N; i++) {
                kxx.addToEntry(i, i, RIDGE);
            }
            RealMatrix inverse = new LUDecomposition(kxx).getSolver().getInverse();
            RealMatrix expected = kuu.subtract(kxu.transpose().multiply(inverse).multiply(kxu));
            double[][] f0u;
            double[][] residual = new double[N][C];
            try (Matrix u = ActiveFixtures.columns(candidates.x()); Matrix x = ActiveFixtures.columns(labeled.x());
                 Matrix f0 = kernel.f0(u); Matrix f0x = kernel.f0(x)) {
                f0u = new double[M][C];
                for (int i = 0; i < M; i++) {
                    for (int o = 0; o < C; o++) {
                        f0u[i][o] = f0.get(o, i);
                    }
                }
                for (int i = 0; i < N; i++) {
                    double[] y = ClassTargets.encode(labeled.labels()[i], C);
                    for (int o = 0; o < C; o++) {
                        residual[i][o] = y[o] - f0x.get(o, i);
                    }
                }
            }
            RealMatrix mean = kxu.transpose().multiply(inverse).multiply(new Array2DRowRealMatrix(residual));

            assertThat(p.size()).isEqualTo(M);
            assertThat(p.ids()).isEqualTo(pool.ids());
            for (int i = 0; i < M; i++) {
                for (int j = 0; j < M; j++) {
                    assertThat(p.covariance(i, j)).as("k̃(%d,%d)", i, j).isCloseTo(expected.getEntry(i, j),
                            Offset.offset(TOL));
                    assertThat(p.covariance(i, j)).isEqualTo(p.covariance(j, i));
                }
                for (int o = 0; o < C; o++) {
                    assertThat(p.mean(i)[o]).as("μ(%d)[%d]", i, o).isCloseTo(f0u[i][o] + mean.getEntry(i, o),
                            Offset.offset(TOL));
                }
            }
            // and the learner's own predictions agree (μ, σ², probabilities, label)
            try (Matrix u = ActiveFixtures.columns(candidates.x())) {
                List<Prediction> predicted = learner.predict(u);
                for (int i = 0; i < M; i++) {
                    assertThat(p.variance(i)).isCloseTo(predicted.get(i).variance(), Offset.offset(TOL));
                    assertThat(p.mostLikelyClass(i)).isEqualTo(predicted.get(i).label());
                    for (int o = 0; o < C; o++) {
                        assertThat(p.probabilities(i)[o]).isCloseTo(predicted.get(i).probabilities()[o],
                                Offset.offset(TOL));
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void lookaheadEqualsRefitWithTheCandidateMinusCurrentForEveryCandidate(String name, FeatureKernel kernel) {
        LabeledSamples labeled = ActiveFixtures.data(N, 3);
        LabeledSamples candidates = ActiveFixtures.data(M, 4);
        try (NtkRegressor learner = ActiveFixtures.learned(kernel, labeled);
             Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(M), candidates.x())) {
            PoolPosterior p = PoolPosterior.of(learner, pool);
            double[][] current = ActiveFixtures.means(learner, candidates.x());
            for (int c = 0; c < M; c++) {
                int mostLikely = learner.predictOne(candidates.x()[c]).label();
                assertThat(p.mostLikelyClass(c)).isEqualTo(mostLikely);
                for (int label : new int[] {mostLikely, (mostLikely + 1) % C}) {
                    double[][] delta = p.lookahead(c, ClassTargets.encode(label, C));
                    try (NtkRegressor refit = ActiveFixtures.learned(kernel, labeled)) {
                        refit.learnOne("candidate", candidates.x()[c], label);
                        double[][] after = ActiveFixtures.means(refit, candidates.x());
                        for (int u = 0; u < M; u++) {
                            for (int o = 0; o < C; o++) {
                                assertThat(delta[u][o]).as("Δf(u%d)[%d] for candidate %d labeled %d", u, o, c, label)
                                        .isCloseTo(after[u][o] - current[u][o], Offset.offset(TOL));
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void observingACandidateEqualsThePosteriorOfTheRefitWithoutIt(String name, FeatureKernel kernel) {
        LabeledSamples labeled = ActiveFixtures.data(N, 5);
        LabeledSamples candidates = ActiveFixtures.data(M, 6);
        try (NtkRegressor learner = ActiveFixtures.learned(kernel, labeled);
             Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(M), candidates.x());
             NtkRegressor refit = ActiveFixtures.learned(kernel, labeled)) {
            PoolPosterior p = PoolPosterior.of(learner, pool);
            int[] observed = {4, 9, 0};
            for (int c : observed) {
                int label = learner.predictOne(candidates.x()[c]).label(); // the first model's guess, any label will do
                p.observe(c, ClassTargets.encode(label, C));
                refit.learnOne("u" + c, candidates.x()[c], label);
                pool.remove("u" + c);
            }
            assertThat(p.activeCount()).isEqualTo(M - observed.length);
            PoolPosterior reference = PoolPosterior.of(refit, pool);
            List<String> remaining = pool.ids();
            assertThat(remaining).hasSize(M - observed.length);
            for (String a : remaining) {
                int i = p.indexOf(a);
                int ri = reference.indexOf(a);
                assertThat(p.isActive(i)).isTrue();
                for (int o = 0; o < C; o++) {
                    assertThat(p.mean(i)[o]).isCloseTo(reference.mean(ri)[o], Offset.offset(TOL));
                }
                for (String b : remaining) {
                    assertThat(p.covariance(i, p.indexOf(b))).isCloseTo(reference.covariance(ri, reference.indexOf(b)),
                            Offset.offset(TOL));
                }
            }
            assertThatThrownBy(() -> p.observe(4, ClassTargets.encode(0, C)))
                    .hasMessageContaining("already observed");
        }
    }

    @Test
    void anEmptyLabeledSetGivesThePriorAndFiniteTimeIsRejected() {
        FeatureKernel kernel = ActiveFixtures.rbf();
        LabeledSamples candidates = ActiveFixtures.data(5, 8);
        try (NtkRegressor learner = new NtkRegressor(kernel, ActiveFixtures.classifier());
             Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(5), candidates.x())) {
            PoolPosterior p = PoolPosterior.of(learner, pool);
            double[][] prior = kernelMatrix(kernel, candidates.x(), candidates.x());
            for (int i = 0; i < 5; i++) {
                assertThat(p.mean(i)).containsOnly(0.0);
                for (int j = 0; j < 5; j++) {
                    assertThat(p.covariance(i, j)).isEqualTo(prior[i][j]);
                }
            }
        }
        try (NtkRegressor finite = new NtkRegressor(kernel, ActiveFixtures.classifier()
                .withTime(TrainingTime.of(3.0, 1.0)));
             Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(5), candidates.x())) {
            assertThatThrownBy(() -> PoolPosterior.of(finite, pool)).hasMessageContaining("t = ∞");
        }
        try (NtkRegressor regression = new NtkRegressor(kernel, RegressorSettings.defaults());
             Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(5), candidates.x())) {
            regression.learnOne("r", candidates.x()[0], new double[] {1, 2, 3});
            PoolPosterior p = PoolPosterior.of(regression, pool);
            assertThat(p.isClassification()).isFalse();
            assertThatThrownBy(() -> new LookaheadUtility(Aggregation.MAX).scores(p))
                    .hasMessageContaining("lookahead: needs a classifier");
            assertThat(new VarianceUtility().scores(p)).hasSize(5);
        }
    }
}
