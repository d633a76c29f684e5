package io.ntkstream.kafka;

import java.io.Serializable;
import java.util.List;

/** The topic names the engine reads and writes (configurable; these are the defaults). */
public record Topics(String samples, String pool, String queries, String control, String models,
                     String predictions, String picks, String meta, String deadLetter) implements Serializable {

    public static Topics defaults() {
        return new Topics("ntk.samples", "ntk.pool", "ntk.queries", "ntk.control", "ntk.models",
                "ntk.predictions", "ntk.picks", "ntk.meta", "ntk.dead-letter");
    }

    /** The task-input topics (everything the job reads except models). */
    public List<String> taskInputs() {
        return List.of(samples, pool, queries, control);
    }

    /** Every topic, inputs first. */
    public List<String> all() {
        return List.of(samples, pool, queries, control, models, predictions, picks, meta, deadLetter);
    }
}
