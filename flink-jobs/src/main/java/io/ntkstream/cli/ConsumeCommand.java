package io.ntkstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.kafka.KafkaClients;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "consume", mixinStandardHelpOptions = true,
        description = {
            "Prints the records of a topic, one line each: readable by default (predictions, picks, meta, dead",
            "letters, models are recognized), the raw JSON with --json. Reads committed records only",
            "(isolation.level=read_committed: the job writes exactly once, in transactions committed at its",
            "checkpoints), all partitions, without a consumer group (nothing is committed).",
            "Without --from-beginning only records that arrive from now on are shown. Stops after --max records",
            "or after --timeout seconds without one; otherwise runs until Ctrl-C. A count goes to stderr."})
final class ConsumeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--topic", required = true, description = "Topic, e.g. ntk.predictions, ntk.picks, ntk.meta, ntk.dead-letter.")
    String topic;

    @Option(names = "--task", description = "Only records of this task (their \"task\" field, else their key).")
    String task;

    @Option(names = "--json", description = "Print each record's JSON value as it is.")
    boolean json;

    @Option(names = "--from-beginning", description = "Start at the oldest record (default: only new ones).")
    boolean fromBeginning;

    @Option(names = "--max", description = "Stop after this many (matching) records.")
    Long max;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "Stop when no record arrived for this many seconds (default: wait until Ctrl-C).")
    Double timeout;

    @Mixin
    KafkaToolOptions kafka;

    @Override
    public Integer call() {
        if (max != null && max < 1) {
            throw new IllegalArgumentException("--max: expected a number >= 1, got " + max);
        }
        if (timeout != null && !(timeout > 0 && Double.isFinite(timeout))) {
            throw new IllegalArgumentException("--timeout: expected a positive number of seconds, got " + timeout);
        }
        Properties p = KafkaClients.consumerProperties(kafka.bootstrap(), null, true);
        p.putAll(kafka.extra());
        p.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        PrintStream out = System.out;
        long shown = 0;
        CountDownLatch done = new CountDownLatch(1);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        Thread hook = new Thread(() -> {
            consumer.wakeup();
            try {
                done.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ntkstream-consume-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            List<TopicPartition> partitions = partitions(consumer);
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            for (TopicPartition tp : partitions) {
                consumer.position(tp); // resolve now: "from now on" means records after this point
            }
            long lastArrival = System.nanoTime();
            while (max == null || shown < max) {
                if (timeout != null && System.nanoTime() - lastArrival > (long) (timeout * 1e9)) {
                    break;
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    lastArrival = System.nanoTime();
                    if (!matches(r)) {
                        continue;
                    }
                    out.println(json ? r.value() : PrettyRecords.format(r.value()));
                    shown++;
                    if (max != null && shown >= max) {
                        break;
                    }
                }
                out.flush();
            }
        } catch (WakeupException e) {
            // Ctrl-C
        } finally {
            consumer.close(Duration.ofSeconds(2));
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running
            }
        }
        out.flush();
        System.err.println("ntkstream consume: " + shown + " record" + (shown == 1 ? "" : "s") + " from " + topic);
        return 0;
    }

    private boolean matches(ConsumerRecord<String, String> r) {
        if (task == null) {
            return true;
        }
        try {
            JsonNode n = JSON.readTree(r.value());
            if (n != null && n.hasNonNull("task")) {
                return task.equals(n.get("task").asText());
            }
        } catch (Exception e) {
            // not JSON: fall back to the key
        }
        return task.equals(r.key());
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, String> consumer) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--topic " + topic + ": not available at --bootstrap " + kafka.bootstrap()
                    + " (is the broker up?): " + e.getMessage(), e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException("--topic " + topic + ": no such topic at --bootstrap " + kafka.bootstrap());
        }
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo i : infos) {
            out.add(new TopicPartition(topic, i.partition()));
        }
        return out;
    }
}
