package io.ntkstream.active;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.NtkRegressor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Selectors: a greedy batch ≡ k sequential picks, each made by a fresh posterior of a learner
 * refitted (from scratch) with the earlier picks added under the label the then-current learner
 * predicted for them; top-k ≡ the scores sorted here; names and errors of the kinds.
 */
class SelectorTest {
    static final int N = 10;
    static final int M = 30;
    static final int K = 5;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (AcquisitionKind kind : AcquisitionKind.values()) {
            cases.add(Arguments.of(kind, Aggregation.MAX, "rbf"));
        }
        cases.add(Arguments.of(AcquisitionKind.LOOKAHEAD, Aggregation.MEAN, "rbf"));
        cases.add(Arguments.of(AcquisitionKind.EXPECTED, Aggregation.MEAN, "rbf"));
        cases.add(Arguments.of(AcquisitionKind.LOOKAHEAD, Aggregation.MAX, "ntk"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void greedyBatchEqualsSequentialPicksWithExplicitRefits(AcquisitionKind kind, Aggregation aggregation,
                                                            String kernelName) {
        FeatureKernel kernel = kernelName.equals("rbf") ? ActiveFixtures.rbf() : ActiveFixtures.ntk();
        LabeledSamples labeled = ActiveFixtures.data(N, 21);
        LabeledSamples candidates = ActiveFixtures.data(M, 22);
        List<String> ids = ActiveFixtures.poolIds(M);
        Query greedy;
        try (NtkRegressor learner = ActiveFixtures.learned(kernel, labeled);
             Pool pool = Pool.of(kernel, ids, candidates.x())) {
            greedy = new QueryStrategy(kind.measure(99, aggregation), Selector.greedy()).query(learner, pool, K);
            assertThat(pool.size()).as("the pool is not modified").isEqualTo(M);
        }

        UtilityMeasure measure = kind.measure(99, aggregation); // a fresh one: the random kind replays its draws
        List<String> picks = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        List<double[]> pickedX = new ArrayList<>(Arrays.asList(labeled.x()));
        List<Integer> pickedLabels = new ArrayList<>(Arrays.stream(labeled.labels()).boxed().toList());
        NtkRegressor learner = ActiveFixtures.learned(kernel, labeled);
        try (Pool pool = Pool.of(kernel, ids, candidates.x())) {
            for (int step = 0; step < K; step++) {
                PoolPosterior p = PoolPosterior.of(learner, pool);
                double[] s = measure.scores(p);
                int best = IntStream.range(0, s.length).boxed()
                        .max(Comparator.<Integer>comparingDouble(i -> s[i]).thenComparing(i -> -i)).orElseThrow();
                String id = p.ids().get(best);
                picks.add(id);
                scores.add(s[best]);
                pickedX.add(pool.x(id));
                pickedLabels.add(learner.predictOne(pool.x(id)).label()); // the current learner's guess
                pool.remove(id);
                // refit from scratch on the labeled set and every pick so far under its guessed label
                learner.close();
                learner = ActiveFixtures.learned(kernel, new LabeledSamples(pickedX.toArray(double[][]::new),
                        pickedLabels.stream().mapToInt(Integer::intValue).toArray(), ActiveFixtures.C));
            }
        } finally {
            learner.close();
        }
        assertThat(greedy.ids()).as("%s picks", kind).containsExactlyElementsOf(picks);
        if (kind != AcquisitionKind.RANDOM) {
            for (int j = 0; j < K; j++) {
                assertThat(greedy.scores()[j]).isCloseTo(scores.get(j), Offset.offset(1e-9));
            }
        }
        assertThat(new java.util.HashSet<>(greedy.ids())).hasSize(K);
    }

    @Test
    void topKTakesTheBestScoresOfOneScoringAndGreedyAvoidsNearDuplicates() {
        FeatureKernel kernel = ActiveFixtures.rbf();
        LabeledSamples labeled = ActiveFixtures.data(N, 31);
        LabeledSamples candidates = ActiveFixtures.data(M, 32);
        VarianceUtility variance = new VarianceUtility();
        try (NtkRegressor learner = ActiveFixtures.learned(kernel, labeled)) {
            int mostUncertain;
            try (Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(M), candidates.x())) {
                PoolPosterior p = PoolPosterior.of(learner, pool);
                double[] s = variance.scores(p);
                Integer[] order = IntStream.range(0, s.length).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingInt(i -> i));
                Query top = Selector.topK().select(p, variance, 4);
                for (int j = 0; j < 4; j++) {
                    assertThat(top.ids().get(j)).isEqualTo("u" + order[j]);
                    assertThat(top.scores()[j]).isEqualTo(s[order[j]]);
                }
                assertThat(Selector.topK().select(p, variance, 1000).size()).isEqualTo(M);
                assertThatThrownBy(() -> Selector.greedy().select(p, variance, 0)).hasMessageContaining(">= 1");
                mostUncertain = order[0];
            }
            // two more exact copies of the most uncertain candidate: top-3 by variance takes the three copies
            double[][] x = Arrays.copyOf(candidates.x(), M + 2);
            x[M] = x[mostUncertain].clone();
            x[M + 1] = x[mostUncertain].clone();
            try (Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(M + 2), x)) {
                PoolPosterior p = PoolPosterior.of(learner, pool);
                Query top = Selector.topK().select(p, variance, 3);
                assertThat(top.ids()).containsExactlyInAnyOrder("u" + mostUncertain, "u" + M, "u" + (M + 1));
                Query greedy = Selector.greedy().select(p, variance, 3);
                assertThat(greedy.ids().stream().filter(top.ids()::contains).count())
                        .as("greedy picks one of identical candidates").isEqualTo(1);
            }
        }
    }

    @Test
    void kindsParseWithAClearErrorAndRandomIsSeeded() {
        assertThat(AcquisitionKind.parse("lookahead")).isEqualTo(AcquisitionKind.LOOKAHEAD);
        assertThat(AcquisitionKind.parse(" Entropy ")).isEqualTo(AcquisitionKind.ENTROPY);
        assertThatThrownBy(() -> AcquisitionKind.parse("bald"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bald'")
                .hasMessageContaining("lookahead, expected, variance, margin, entropy, random");
        for (AcquisitionKind k : AcquisitionKind.values()) {
            assertThat(AcquisitionKind.parse(k.cliName())).isEqualTo(k);
            assertThat(k.measure(1).kind()).isEqualTo(k);
        }
        FeatureKernel kernel = ActiveFixtures.rbf();
        LabeledSamples candidates = ActiveFixtures.data(M, 41);
        try (NtkRegressor learner = ActiveFixtures.learned(kernel, ActiveFixtures.data(N, 40));
             Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(M), candidates.x())) {
            Query a = QueryStrategy.of(AcquisitionKind.RANDOM, 5).query(learner, pool, 6);
            Query b = QueryStrategy.of(AcquisitionKind.RANDOM, 5).query(learner, pool, 6);
            Query c = QueryStrategy.of(AcquisitionKind.RANDOM, 6).query(learner, pool, 6);
            assertThat(a.ids()).isEqualTo(b.ids()).isNotEqualTo(c.ids());
        }
    }

    @Test
    void marginAndEntropyScoresFollowTheirDefinitions() {
        FeatureKernel kernel = ActiveFixtures.rbf();
        LabeledSamples candidates = ActiveFixtures.data(8, 51);
        try (NtkRegressor learner = ActiveFixtures.learned(kernel, ActiveFixtures.data(N, 50));
             Pool pool = Pool.of(kernel, ActiveFixtures.poolIds(8), candidates.x())) {
            PoolPosterior p = PoolPosterior.of(learner, pool);
            double[] margin = new MarginUtility().scores(p);
            double[] entropy = new EntropyUtility().scores(p);
            double[] lookahead = new LookaheadUtility(Aggregation.MAX).scores(p);
            for (int i = 0; i < 8; i++) {
                double[] prob = learner.predictOne(candidates.x()[i]).probabilities();
                double[] sorted = prob.clone();
                Arrays.sort(sorted);
                assertThat(margin[i]).isCloseTo(1 - (sorted[2] - sorted[1]), Offset.offset(1e-12));
                double h = 0;
                for (double v : prob) {
                    h -= v * Math.log(v);
                }
                assertThat(entropy[i]).isCloseTo(h, Offset.offset(1e-12));
                // MLMOC by its definition: the largest ‖Δf(u)‖ over the pool
                double[][] delta = p.lookahead(i, p.mostLikelyTarget(i));
                double max = 0;
                for (double[] d : delta) {
                    max = Math.max(max, Math.sqrt(Arrays.stream(d).map(v -> v * v).sum()));
                }
                assertThat(lookahead[i]).isCloseTo(max, Offset.offset(1e-12));
            }
        }
    }
}
