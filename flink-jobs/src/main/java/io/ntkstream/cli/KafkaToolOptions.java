package io.ntkstream.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** The Kafka options every data tool takes: where the broker is, and any client property. */
final class KafkaToolOptions {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}; `ntkstream demo --keep-running` prints its own).")
    String bootstrap;

    @Option(names = "--property", paramLabel = "KEY=VALUE",
            description = "Any Kafka client property, repeatable (e.g. security.protocol=SASL_SSL).")
    Map<String, String> properties = new LinkedHashMap<>();

    /** The extra client properties, checked: keys non-blank. */
    Properties extra() {
        Properties p = new Properties();
        for (Map.Entry<String, String> e : properties.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank()) {
                throw new IllegalArgumentException("--property: expected KEY=VALUE with a non-empty key, got '="
                        + e.getValue() + "'");
            }
            p.put(e.getKey().trim(), e.getValue());
        }
        return p;
    }

    String bootstrap() {
        if (bootstrap == null || bootstrap.isBlank() || !bootstrap.contains(":")) {
            throw new IllegalArgumentException("--bootstrap: expected host:port[,host:port...], got '" + bootstrap + "'");
        }
        return bootstrap.trim();
    }
}
