package io.ntkstream.kafka;

/** What {@link RecordDecoder#decode} made of one record: a task event, a model event or a dead letter. */
public sealed interface Decoded {

    /** A valid record of a task-input topic (samples, pool, queries, control). */
    record Task(TaskEvent event) implements Decoded {
    }

    /** A valid record of the models topic. */
    record Model(ModelEvent event) implements Decoded {
    }

    /** A record that cannot be used, with the reason. */
    record Bad(DeadLetter deadLetter) implements Decoded {
    }
}
