package io.ntkstream.kafka;

/**
 * One decoded, validated input record for a task (everything but models). A Flink POJO: public
 * fields, no-arg constructor; unused fields stay null / 0. {@code source} says where it came from,
 * and {@code raw} keeps the original JSON, so that a check only the task can make (the input
 * dimension of the current model) can still send it to the dead-letter topic.
 */
public class TaskEvent {
    public EventKind kind;
    public String task;
    public String id;
    /** Input vector (SAMPLE, POOL_ADD, QUERY). */
    public double[] x;
    /** Regression target (SAMPLE with "y"). */
    public double[] y;
    /** Class index (SAMPLE with "label"), null otherwise. */
    public Integer label;
    /** How many picks (PICK). */
    public int pick;
    /** Acquisition strategy name (PICK), null = the configured default. */
    public String strategy;
    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;
    public String raw;

    public TaskEvent() {
    }

    public DeadLetter deadLetter(String error) {
        return new DeadLetter(sourceTopic, sourcePartition, sourceOffset, raw, error);
    }

    @Override
    public String toString() {
        return kind + " " + task + "/" + id + " (" + sourceTopic + "[" + sourcePartition + "]@" + sourceOffset + ")";
    }
}
