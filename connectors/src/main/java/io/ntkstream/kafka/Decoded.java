package io.ntkstream.kafka;

/** What {@link RecordDecoder#decode} made of one record: a task, model or hyper-parameter event, nothing to do, or a dead letter. */
public sealed interface Decoded {

    /** A valid record of a task-input topic (samples, pool, queries, control). */
    record Task(TaskEvent event) implements Decoded {
    }

    /** A valid record of the models topic. */
    record Model(ModelEvent event) implements Decoded {
    }

    /** Meta-learned hyper-parameters (a "global" record of the meta topic, fed back into the job). */
    record Hyper(HyperEvent event) implements Decoded {
    }

    /** A valid record the job does not act on (e.g. a per-task record of the meta topic). */
    record Ignored() implements Decoded {
    }

    /** A record that cannot be used, with the reason. */
    record Bad(DeadLetter deadLetter) implements Decoded {
    }
}
