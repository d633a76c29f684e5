package io.ntkstream.cli.demo;

import io.ntkstream.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/** Committed records per topic (read_committed, from the beginning up to the last stable offset). */
final class TopicCounts {
    private TopicCounts() {
    }

    /** Counts of every topic, in the given order; the dead-letter records' values are collected into {@code deadLetters}. */
    static Map<String, Long> count(String bootstrap, List<String> topics, String deadLetterTopic, List<String> deadLetters) {
        Map<String, Long> counts = new LinkedHashMap<>();
        topics.forEach(t -> counts.put(t, 0L));
        try (KafkaConsumer<String, String> c = KafkaClients.consumer(bootstrap, null, true)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String t : topics) {
                for (PartitionInfo p : c.partitionsFor(t, Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(t, p.partition()));
                }
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                boolean done = true;
                for (TopicPartition tp : partitions) {
                    if (c.position(tp, Duration.ofSeconds(30)) < end.get(tp)) {
                        done = false;
                        break;
                    }
                }
                if (done) {
                    break;
                }
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    counts.merge(r.topic(), 1L, Long::sum);
                    if (r.topic().equals(deadLetterTopic)) {
                        deadLetters.add(r.value());
                    }
                }
            }
        }
        return counts;
    }
}
