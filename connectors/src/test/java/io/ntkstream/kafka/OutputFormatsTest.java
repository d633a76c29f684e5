package io.ntkstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OutputFormatsTest {

    @Test
    void predictionJsonHasFixedFieldsAndOrder() {
        assertThat(OutputFormats.prediction("t1", "q-3", new double[] {0.5, -1.25}, 0.125, null, null, 17, 3L))
                .isEqualTo("{\"task\":\"t1\",\"id\":\"q-3\",\"mean\":[0.5,-1.25],\"variance\":0.125,"
                        + "\"n_train\":17,\"model_version\":3}");
        assertThat(OutputFormats.prediction("t1", "q-4", new double[] {2.0, 1.0}, 0.0, new double[] {0.75, 0.25}, 0, 2, 0L))
                .isEqualTo("{\"task\":\"t1\",\"id\":\"q-4\",\"mean\":[2.0,1.0],\"variance\":0.0,"
                        + "\"probs\":[0.75,0.25],\"label\":0,\"n_train\":2,\"model_version\":0}");
    }

    @Test
    void picksJsonHasFixedFieldsAndOrder() {
        assertThat(OutputFormats.picks("t1", "r-1", List.of("u-9", "u-2"), new double[] {3.5, 1.0}, 40, 2L,
                "lookahead", 120))
                .isEqualTo("{\"task\":\"t1\",\"request_id\":\"r-1\",\"strategy\":\"lookahead\",\"picks\":"
                        + "[{\"id\":\"u-9\",\"score\":3.5},{\"id\":\"u-2\",\"score\":1.0}],\"n_train\":40,"
                        + "\"pool_size\":120,\"model_version\":2}");
        assertThat(OutputFormats.picks("t1", null, List.of(), new double[0], 0, 0L, null, 0))
                .isEqualTo("{\"task\":\"t1\",\"request_id\":null,\"strategy\":null,\"picks\":[],\"n_train\":0,"
                        + "\"pool_size\":0,\"model_version\":0}");
        assertThatThrownBy(() -> OutputFormats.picks("t", "r", List.of("a"), new double[2], 0, 0L, null, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 ids but 2 scores");
    }

    @Test
    void deadLetterJson() {
        DeadLetter d = new DeadLetter("ntk.samples", 3, 99L, "{\"x\":\"\u00e9\\\"\"}", "field \"x\": bad");
        String json = OutputFormats.deadLetter(d);
        assertThat(json).isEqualTo("{\"source_topic\":\"ntk.samples\",\"partition\":3,\"offset\":99,"
                + "\"raw\":\"{\\\"x\\\":\\\"\u00e9\\\\\\\"\\\"}\",\"error\":\"field \\\"x\\\": bad\"}");
        DeadLetter back = OutputFormats.readDeadLetter(json);
        assertThat(back.sourceTopic).isEqualTo("ntk.samples");
        assertThat(back.partition).isEqualTo(3);
        assertThat(back.offset).isEqualTo(99L);
        assertThat(back.raw).isEqualTo(d.raw);
        assertThat(back.error).isEqualTo(d.error);
    }

    @Test
    void doublesRoundTripExactly() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 2000; i++) {
            double[] mean = new double[3];
            for (int j = 0; j < mean.length; j++) {
                mean[j] = switch (r.nextInt(4)) {
                    case 0 -> Double.longBitsToDouble(r.nextLong()) % 1e300; // any bits, finite mostly
                    case 1 -> r.nextDouble() * Math.pow(10, r.nextInt(-320, 300));
                    case 2 -> -r.nextGaussian();
                    default -> new double[] {0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MIN_NORMAL,
                            0.1 + 0.2, 1.0 / 3}[r.nextInt(7)];
                };
                if (!Double.isFinite(mean[j])) {
                    mean[j] = 1.5;
                }
            }
            double variance = r.nextDouble() * 1e-12;
            double[] probs = {r.nextDouble(), r.nextDouble()};
            PredictionJson p = new PredictionJson("t", "q" + i, mean, variance, probs, 1, i, i);
            String json = OutputFormats.prediction(p.task(), p.id(), mean, variance, probs, 1, i, i);
            PredictionJson back = OutputFormats.readPrediction(json);
            assertThat(back).as(json).isEqualTo(p);
            for (int j = 0; j < mean.length; j++) {
                assertThat(Double.doubleToRawLongBits(back.mean()[j])).isEqualTo(Double.doubleToRawLongBits(mean[j]));
            }
        }
    }

    @Test
    void predictionRoundTripWithNullsAndNonFinite() {
        PredictionJson p = new PredictionJson("t", "q", new double[] {1e-310, 7.0}, Double.NaN, null, null, 3, 9L);
        String json = OutputFormats.prediction("t", "q", p.mean(), Double.NaN, null, null, 3, 9L);
        assertThat(json).contains("\"variance\":\"NaN\"").doesNotContain("probs").doesNotContain("label");
        PredictionJson back = OutputFormats.readPrediction(json);
        assertThat(back).isEqualTo(p);
        assertThat(back.probs()).isNull();
        assertThat(back.label()).isNull();
        assertThat(OutputFormats.readPrediction(OutputFormats.prediction("t", "q", new double[] {1},
                Double.POSITIVE_INFINITY, null, null, 0, 0L)).variance()).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void picksRoundTrip() {
        double[] scores = {0.1 + 0.2, 5e-324, -3.0};
        String json = OutputFormats.picks("t9", "r-7", List.of("a", "b", "c"), scores, 12, 4L, "margin", 30);
        PicksJson back = OutputFormats.readPicks(json);
        assertThat(back).isEqualTo(new PicksJson("t9", "r-7", "margin", List.of(new PicksJson.Pick("a", 0.1 + 0.2),
                new PicksJson.Pick("b", 5e-324), new PicksJson.Pick("c", -3.0)), 12, 30, 4L));
        assertThat(back.ids()).containsExactly("a", "b", "c");
        PicksJson auto = OutputFormats.readPicks(OutputFormats.picks("t9", null, List.of(), new double[0], 0, 0L, null, 0));
        assertThat(auto.requestId()).isNull();
        assertThat(auto.strategy()).isNull();
        assertThat(auto.picks()).isEmpty();
    }

    @Test
    void readersNameWhatIsWrong() {
        assertThatThrownBy(() -> OutputFormats.readPrediction("{\"task\":\"t\",\"id\":\"q\",\"mean\":[1],"
                + "\"variance\":1,\"model_version\":1}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n_train");
        assertThatThrownBy(() -> OutputFormats.readPicks("{\"task\":\"t\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("picks");
        assertThatThrownBy(() -> OutputFormats.readDeadLetter("not json"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a dead-letter record");
        assertThatThrownBy(() -> OutputFormats.readPrediction("null"))
                .isInstanceOf(IllegalArgumentException.class);
        // unknown fields are tolerated
        assertThat(OutputFormats.readPrediction("{\"task\":\"t\",\"id\":\"q\",\"mean\":[1],\"variance\":1,"
                + "\"n_train\":1,\"model_version\":1,\"extra\":[1]}").nTrain()).isEqualTo(1);
    }

    record MetaRecord(String task, double looError, int nTrain, Map<String, Double> hyperParams) {
    }

    @Test
    void genericJsonIsSnakeCaseInDeclarationOrder() {
        Map<String, Double> hp = new LinkedHashMap<>();
        hp.put("ridge", 1e-3);
        hp.put("time", 10.0);
        assertThat(OutputFormats.json(new MetaRecord("t1", 0.25, 8, hp)))
                .isEqualTo("{\"task\":\"t1\",\"loo_error\":0.25,\"n_train\":8,\"hyper_params\":{\"ridge\":0.001,\"time\":10.0}}");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", List.of(1.5));
        assertThat(OutputFormats.json(m)).isEqualTo("{\"z\":1,\"a\":[1.5]}");
    }
}
