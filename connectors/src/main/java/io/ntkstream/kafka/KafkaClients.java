package io.ntkstream.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Kafka client settings and small blocking read helpers shared by the job, the demo, the tools and the tests.
 * Keys and values are strings (the records are JSON).
 */
public final class KafkaClients {

    private static final Duration POLL = Duration.ofMillis(100);

    private KafkaClients() {
    }

    /** Producer settings: string serializers, {@code acks=all}, idempotence on. */
    public static Properties producerProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return p;
    }

    /** A producer with {@link #producerProperties}. */
    public static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(producerProperties(bootstrap));
    }

    /**
     * A transactional producer with {@link #producerProperties} and the given {@code transactional.id};
     * {@code initTransactions()} has been called already.
     */
    public static KafkaProducer<String, String> transactionalProducer(String bootstrap, String transactionalId) {
        Properties p = producerProperties(bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        KafkaProducer<String, String> producer = new KafkaProducer<>(p);
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return producer;
    }

    /**
     * Consumer settings: string deserializers, {@code auto.offset.reset=earliest}, and
     * {@code isolation.level=read_committed} or {@code read_uncommitted}. {@code groupId} may be null (then
     * only {@code assign()} works and no offsets are committed).
     */
    public static Properties consumerProperties(String bootstrap, String groupId, boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        } else {
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        }
        return p;
    }

    /** A consumer with {@link #consumerProperties}. */
    public static KafkaConsumer<String, String> consumer(String bootstrap, String groupId, boolean readCommitted) {
        return new KafkaConsumer<>(consumerProperties(bootstrap, groupId, readCommitted));
    }

    /**
     * Reads {@code topic} from the beginning (all partitions assigned, no consumer group, read_committed) until
     * no new record arrived for {@code quietPeriod}, or {@code maxWait} passed; returns the records ordered by
     * partition, then offset.
     *
     * @throws TimeoutException if the topic does not exist (has no partitions) within {@code maxWait}
     */
    public static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic,
                                                               Duration quietPeriod, Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap, null, true)) {
            assignFromBeginning(consumer, topic, deadline, maxWait);
            long lastArrival = System.nanoTime();
            while (true) {
                long now = System.nanoTime();
                if (now - lastArrival >= quietPeriod.toNanos() || now >= deadline) {
                    break;
                }
                ConsumerRecords<String, String> records = consumer.poll(pollTime(deadline));
                if (!records.isEmpty()) {
                    records.forEach(out::add);
                    lastArrival = System.nanoTime();
                }
            }
        }
        return sorted(out);
    }

    /**
     * Reads {@code topic} from the beginning (all partitions assigned, no consumer group, read_committed) until
     * at least {@code count} records arrived; returns all records read so far (possibly more than
     * {@code count}), ordered by partition, then offset.
     *
     * @throws TimeoutException if fewer than {@code count} records arrived within {@code maxWait}; the message
     *                          says how many did
     */
    public static List<ConsumerRecord<String, String>> readUntil(String bootstrap, String topic, int count,
                                                                 Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap, null, true)) {
            assignFromBeginning(consumer, topic, deadline, maxWait);
            while (out.size() < count) {
                if (System.nanoTime() >= deadline) {
                    throw new TimeoutException(String.format(Locale.ROOT,
                            "expected %d committed records on topic %s within %d ms, only %d arrived",
                            count, topic, maxWait.toMillis(), out.size()));
                }
                consumer.poll(pollTime(deadline)).forEach(out::add);
            }
        }
        return sorted(out);
    }

    /**
     * The end offset of every partition of {@code topic}, in partition order; with {@code readCommitted} the
     * last stable offset (records of open transactions excluded). Offsets count transaction markers and aborted
     * records too, so their sum bounds the number of committed records from above; it is not that number.
     */
    public static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic, boolean readCommitted,
                                                       Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap, null, readCommitted)) {
            List<TopicPartition> partitions = partitions(consumer, topic, deadline, maxWait);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, remaining(deadline));
            Map<TopicPartition, Long> ordered = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) {
                ordered.put(tp, ends.get(tp));
            }
            return ordered;
        }
    }

    private static void assignFromBeginning(KafkaConsumer<String, String> consumer, String topic,
                                            long deadline, Duration maxWait) {
        List<TopicPartition> partitions = partitions(consumer, topic, deadline, maxWait);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        for (TopicPartition tp : partitions) {
            consumer.position(tp, remaining(deadline)); // connect and resolve now, before any quiet timer runs
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, String> consumer, String topic,
                                                   long deadline, Duration maxWait) {
        while (true) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, remaining(deadline));
            } catch (TimeoutException e) {
                infos = List.of();
            }
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> out = new ArrayList<>();
                for (PartitionInfo info : infos) {
                    out.add(new TopicPartition(topic, info.partition()));
                }
                out.sort(Comparator.comparingInt(TopicPartition::partition));
                return out;
            }
            if (System.nanoTime() >= deadline) {
                throw new TimeoutException("topic " + topic + " has no partitions (does it exist?) after "
                        + maxWait.toMillis() + " ms");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
    }

    private static Duration pollTime(long deadline) {
        Duration r = remaining(deadline);
        return r.compareTo(POLL) < 0 ? r : POLL;
    }

    private static List<ConsumerRecord<String, String>> sorted(List<ConsumerRecord<String, String>> records) {
        records.sort(Comparator.<ConsumerRecord<String, String>>comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        return records;
    }
}
