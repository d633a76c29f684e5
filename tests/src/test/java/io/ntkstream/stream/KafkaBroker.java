package io.ntkstream.stream;

import io.ntkstream.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.util.FileUtils;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process Kafka broker (KRaft, 127.0.0.1, a temporary directory) shared by the tests of a
 * class: {@code @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();} starts it
 * before the first test and closes it, and deletes its files, after the last.
 */
final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private EmbeddedKafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("ntkstream-kafka-");
        broker = EmbeddedKafkaBroker.start(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (broker != null) {
            broker.close();
        }
        if (dir != null) {
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    EmbeddedKafkaBroker broker() {
        return broker;
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }
}
