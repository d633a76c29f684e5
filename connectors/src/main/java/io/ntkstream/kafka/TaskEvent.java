package io.ntkstream.kafka;

/**
 * One decoded, validated input record for a task (everything but models). A Flink POJO: public
 * fields, no-arg constructor; unused fields stay null / 0. {@code source} says where it came from,
 * and {@code raw} keeps the original JSON (as UTF-8 bytes: Flink copies a byte array in bulk, a
 * string character by character), so that a check only the task can make (the input dimension of
 * the current model) can still send it to the dead-letter topic.
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
    public byte[] raw;

    public TaskEvent() {
    }

    /** The original record's value as text. */
    public String rawText() {
        return raw == null ? null : new String(raw, java.nio.charset.StandardCharsets.UTF_8);
    }

    public DeadLetter deadLetter(String error) {
        return new DeadLetter(sourceTopic, sourcePartition, sourceOffset, rawText(), error);
    }

    @Override
    public String toString() {
        return kind + " " + task + "/" + id + " (" + sourceTopic + "[" + sourcePartition + "]@" + sourceOffset + ")";
    }
}
