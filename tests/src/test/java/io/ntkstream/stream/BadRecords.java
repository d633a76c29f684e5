package io.ntkstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.kafka.DeadLetter;
import io.ntkstream.kafka.Topics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Malformed records of every kind the job must dead-letter (with the reason), generated in rounds
 * and interleaved with a good workload; each carries a unique marker so its dead letter can be
 * matched by its raw text.
 */
final class BadRecords {
    static final int MAX_VECTOR = 64;

    /** A bad record: its topic (default name), key, raw value, and a fragment the error must contain. */
    record Bad(String topic, String key, String value, String reason) {
    }

    /** Round {@code r} of bad records for task {@code t}. */
    interface Rounds {
        List<Bad> round(int r, String t);
    }

    private final Path dir;
    private final Rounds rounds;
    private final int every;
    private final int atLeast;
    private final List<Bad> sent = new ArrayList<>();

    /** Every kind (for {@link StreamWorkload#ARCH}): a round after every 100 good records, at least 27 in all. */
    BadRecords(Path dir) {
        this.dir = dir;
        this.rounds = this::round;
        this.every = 100;
        this.atLeast = 27;
    }

    private BadRecords(Rounds rounds, int every, int atLeast) {
        this.dir = null;
        this.rounds = rounds;
        this.every = every;
        this.atLeast = atLeast;
    }

    /**
     * Inputs that do not fit {@code w}'s network, a round after every {@code every} good records:
     * a sample one number short, a pool candidate of 4 numbers, a query one number too many, each
     * dead-lettered with the input_dim expected; and a query whose x is nested (two arrays of d/2
     * numbers, as one might send an image's channels, not flat), rejected by the decoder.
     */
    static BadRecords wrongInputLength(StreamWorkload w, int every, int atLeast) {
        int d = w.d;
        String expected = "field \"x\": expected input_dim = " + d + " values"
                + (w.arch.inputShape().rank() > 1 ? " (a " + w.arch.inputShape() + " sample, flattened in C order)" : "")
                + " for model version 1, got ";
        return new BadRecords((r, t) -> {
            String target = w.task(t).classification ? ",\"label\":1}" : ",\"y\":[0,0,0]}";
            double[][] nested = new double[2][d / 2];
            return List.of(
                    new Bad("ntk.samples", t, "{\"task\":\"" + t + "\",\"id\":\"bad-short-" + r + "\",\"x\":"
                            + Arrays.toString(new double[d - 1]) + target, expected + (d - 1)),
                    new Bad("ntk.pool", t, "{\"task\":\"" + t + "\",\"id\":\"bad-mlp-" + r + "\",\"x\":"
                            + "[0.1,0.2,0.3,0.4]}", expected + 4),
                    new Bad("ntk.queries", t, "{\"task\":\"" + t + "\",\"id\":\"bad-long-" + r + "\",\"x\":"
                            + Arrays.toString(new double[d + 1]) + "}", expected + (d + 1)),
                    new Bad("ntk.queries", t, "{\"task\":\"" + t + "\",\"id\":\"bad-nested-" + r + "\",\"x\":"
                            + StreamWorkload.json(nested) + "}", "field \"x\": expected a non-empty array of finite numbers"));
        }, every, atLeast);
    }

    /** One round of bad records, marker {@code r}, for task {@code t} (which already has samples). */
    private List<Bad> round(int r, String t) {
        String x3 = "[0.1,0.2,0.3]";
        String x4 = "[0.1,0.2,0.3,0.4]";
        double[] big = new double[MAX_VECTOR + 1];
        String missing = dir.resolve("missing-" + r + ".safetensors").toUri().toString();
        return List.of(
                new Bad("ntk.samples", t, "{\"task\":\"" + t + "\",\"id\":\"bad-json-" + r + "\",\"x\":[1,", "not valid JSON"),
                new Bad("ntk.samples", t, "{\"task\":\"" + t + "\",\"x\":" + x4 + ",\"y\":[0,0,0],\"bad\":" + r + "}",
                        "\"id\""),
                new Bad("ntk.samples", t, "{\"task\":\"" + t + "\",\"id\":\"bad-dim-" + r + "\",\"x\":" + x3
                        + (t.equals("task-2") ? ",\"y\":[0,0,0]}" : ",\"label\":1}"), "input_dim = 4"),
                new Bad("ntk.samples", t, "{\"task\":\"" + t + "\",\"id\":\"bad-nan-" + r + "\",\"x\":[1,\"NaN\",0,0],"
                        + "\"y\":[0,0,0]}", "\"x\""),
                new Bad("ntk.queries", t, "{\"task\":\"" + t + "\",\"id\":\"bad-inf-" + r + "\",\"x\":[1e999,0,0,0]}",
                        "\"x\""),
                new Bad("ntk.queries", t, "{\"task\":\"" + t + "\",\"id\":\"bad-big-" + r + "\",\"x\":"
                        + Arrays.toString(big) + "}", String.valueOf(MAX_VECTOR)),
                new Bad("ntk.control", t, "{\"task\":\"" + t + "\",\"id\":\"bad-strategy-" + r + "\",\"pick\":2,"
                        + "\"strategy\":\"best-guess\"}", "strategy"),
                new Bad("ntk.pool", t, "{\"task\":\"" + t + "\",\"id\":\"bad-remove-" + r + "\",\"remove\":true}",
                        "not in task"),
                new Bad("ntk.models", null, "{\"version\":" + (10 + r) + ",\"arch\":" + StreamWorkload.ARCH.toJson()
                        + ",\"params_uri\":\"" + missing + "\"}", "missing-" + r + ".safetensors"));
    }

    /** Sets the job's limits these records need (the default kinds test the vector length limit). */
    void configure(io.ntkstream.job.JobConfig c) {
        if (dir != null) {
            c.limits.maxVectorLength = MAX_VECTOR;
        }
    }

    /** The good messages with a round of bad ones after every 100 good ones (task rotating). */
    List<StreamWorkload.Message> interleave(List<StreamWorkload.Message> good, StreamWorkload w) {
        List<StreamWorkload.Message> out = new ArrayList<>();
        int r = 0;
        for (int i = 0; i < good.size(); i++) {
            out.add(good.get(i));
            if (i % every == every - 1) {
                for (Bad b : rounds.round(r, w.tasks.get(r % w.tasks.size()).name)) {
                    sent.add(b);
                    out.add(new StreamWorkload.Message(b.topic(), b.key(), b.value()));
                }
                r++;
            }
        }
        return out;
    }

    /** Every bad record came back exactly once, from its topic, with an error naming the reason. */
    void verify(List<DeadLetter> deadLetters, Topics topics) {
        assertThat(sent).hasSizeGreaterThanOrEqualTo(atLeast);
        Map<String, DeadLetter> byRaw = new LinkedHashMap<>();
        for (DeadLetter d : deadLetters) {
            assertThat(byRaw.put(d.raw, d)).as("duplicate dead letter %s", d).isNull();
        }
        assertThat(deadLetters).hasSize(sent.size());
        List<String> defaults = Topics.defaults().all();
        for (Bad b : sent) {
            DeadLetter d = byRaw.get(b.value());
            assertThat(d).as("dead letter of %s", b.value()).isNotNull();
            assertThat(d.sourceTopic).isEqualTo(topics.all().get(defaults.indexOf(b.topic())));
            assertThat(d.offset).isGreaterThanOrEqualTo(0);
            assertThat(d.error).as("error of %s", b.value()).contains(b.reason());
        }
    }
}
