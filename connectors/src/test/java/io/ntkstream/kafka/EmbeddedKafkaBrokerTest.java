package io.ntkstream.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

class EmbeddedKafkaBrokerTest {

    @Test
    void transactionsAreReadCommittedAndSurviveARestart(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("kafka");
        List<String> expected;
        EmbeddedKafkaBroker broker = timedStart(data);
        try {
            String bootstrap = broker.bootstrapServers();
            assertThat(bootstrap).startsWith("127.0.0.1:").isEqualTo("127.0.0.1:" + broker.port());

            broker.createTopics(List.of("tx", "multi"), 1);
            broker.createTopics(List.of("tx", "multi", "other"), 3); // idempotent: existing topics are kept
            assertThat(partitionCounts(bootstrap)).containsEntry("tx", 1).containsEntry("multi", 1)
                    .containsEntry("other", 3);

            try (KafkaProducer<String, String> producer = KafkaClients.transactionalProducer(bootstrap, "test-tx")) {
                producer.beginTransaction();
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>("tx", "k" + i, "committed-" + i));
                }
                producer.commitTransaction();

                producer.beginTransaction();
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>("tx", "a" + i, "aborted-" + i));
                }
                producer.flush(); // the aborted records are really in the log
                producer.abortTransaction();
            }

            List<ConsumerRecord<String, String>> read =
                    KafkaClients.readAll(bootstrap, "tx", Duration.ofMillis(500), Duration.ofSeconds(20));
            expected = IntStream.range(0, 100).mapToObj(i -> "committed-" + i).toList();
            assertThat(values(read)).containsExactlyElementsOf(expected);
            assertThat(read.get(0).key()).isEqualTo("k0");
            // 100 committed + 10 aborted + 2 markers
            assertThat(KafkaClients.endOffsets(bootstrap, "tx", true, Duration.ofSeconds(10)))
                    .containsExactly(Map.entry(new TopicPartition("tx", 0), 112L));

            // readUntil: returns once enough arrived, and says how many did when not
            assertThat(KafkaClients.readUntil(bootstrap, "tx", 50, Duration.ofSeconds(20)))
                    .hasSizeGreaterThanOrEqualTo(50);
            assertThatThrownBy(() -> KafkaClients.readUntil(bootstrap, "tx", 101, Duration.ofSeconds(1)))
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("101").hasMessageContaining("only 100 arrived");

            // plain (non-transactional) producer, 3 partitions: records come back ordered by partition, offset
            try (KafkaProducer<String, String> producer = KafkaClients.producer(bootstrap)) {
                for (int i = 0; i < 30; i++) {
                    producer.send(new ProducerRecord<>("other", i % 3, null, "v" + i));
                }
            }
            List<ConsumerRecord<String, String>> other =
                    KafkaClients.readUntil(bootstrap, "other", 30, Duration.ofSeconds(20));
            assertThat(other).extracting(ConsumerRecord::partition).isSorted();
            assertThat(values(other).subList(0, 3)).containsExactly("v0", "v3", "v6");

            assertLoopbackOnly(broker.port());
            assertLoopbackOnly(broker.controllerPort());
        } finally {
            broker.close();
        }
        broker.close(); // safe twice
        assertThat(data.resolve("meta.properties")).exists();

        try (EmbeddedKafkaBroker again = timedStart(data)) {
            List<ConsumerRecord<String, String>> read = KafkaClients.readAll(again.bootstrapServers(), "tx",
                    Duration.ofMillis(500), Duration.ofSeconds(20));
            assertThat(values(read)).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void temporaryBrokerDeletesItsDirectory() {
        Path dir;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            dir = broker.dataDir();
            assertThat(dir).isDirectory();
            broker.createTopics(List.of("t"), 2);
            assertThat(partitionCounts(broker.bootstrapServers())).containsEntry("t", 2);
        }
        assertThat(Files.exists(dir)).isFalse();
    }

    private static EmbeddedKafkaBroker timedStart(Path data) {
        long t0 = System.nanoTime();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data);
        System.out.printf("EmbeddedKafkaBroker started in %d ms: %s%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), broker);
        return broker;
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    private static Map<String, Integer> partitionCounts(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Map<String, TopicDescription> d = admin.describeTopics(admin.listTopics().names().get())
                    .allTopicNames().get();
            return d.values().stream().collect(Collectors.toMap(
                    TopicDescription::name, t -> t.partitions().size()));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Connecting to the port through a non-loopback address of this machine must fail (if it has one). */
    private static void assertLoopbackOnly(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
        }
        Optional<InetAddress> external = nonLoopbackAddress();
        if (external.isEmpty()) {
            System.out.println("no non-loopback IPv4 address here: skipped the external-connect check");
            return;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(external.get(), port), 2000);
            fail("port " + port + " accepts connections on " + external.get());
        } catch (IOException expected) {
            // refused (or unreachable): not bound there
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }
}
