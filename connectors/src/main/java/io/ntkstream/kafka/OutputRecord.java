package io.ntkstream.kafka;

/**
 * One record for the Kafka sink: its destination topic, key (the task, so a task's outputs stay
 * ordered in one partition; null for none) and JSON value. A Flink POJO.
 */
public class OutputRecord {
    public String topic;
    public String key;
    public String value;

    public OutputRecord() {
    }

    public OutputRecord(String topic, String key, String value) {
        this.topic = topic;
        this.key = key;
        this.value = value;
    }

    @Override
    public String toString() {
        return topic + " " + key + " " + value;
    }
}
