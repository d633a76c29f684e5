package io.ntkstream.kafka;

/**
 * A record that could not be used, with where it came from and why (topic dead-letter):
 * {@code {"source_topic","partition","offset","raw","error"}}. A Flink POJO.
 */
public class DeadLetter {
    public String sourceTopic;
    public int partition;
    public long offset;
    public String raw;
    public String error;

    public DeadLetter() {
    }

    public DeadLetter(String sourceTopic, int partition, long offset, String raw, String error) {
        this.sourceTopic = sourceTopic;
        this.partition = partition;
        this.offset = offset;
        this.raw = raw;
        this.error = error;
    }

    @Override
    public String toString() {
        return sourceTopic + "[" + partition + "]@" + offset + ": " + error;
    }
}
