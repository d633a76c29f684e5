package io.ntkstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.kafka.KafkaClients;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Networks;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "publish-model", // no standard mixin: its -V/--version would clash with the model --version
        description = {
            "Announces a model checkpoint version on the models topic:",
            "  {\"version\":V,\"arch\":{...},\"params_uri\":\"file:///.../P.safetensors\"}",
            "The job loads the parameters from the URI itself (checkpoints never travel inside Kafka), so the URI",
            "must be readable where the job runs: a local path becomes a file:// URI of this machine; give",
            "s3://, hdfs://, ... URIs as they are. Versions must increase: the job keeps the newest, dead-letters",
            "an older one, and tasks rebuild their kernels from their stored samples on their next record.",
            "Records are keyed \"model\", so all versions land in one partition, in order.",
            "A local checkpoint is checked against the architecture before anything is sent.",
            "Prints one JSON line."})
final class PublishModelCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern URI_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*");

    @Option(names = "--arch", required = true, description = "Architecture JSON file.")
    Path arch;

    @Option(names = "--params", required = true,
            description = "Checkpoint (.safetensors or .npz): a local path (sent as a file:// URI) or a URI (s3://, hdfs://, file:///...).")
    String params;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--version", required = true, description = "Model version, an integer >= 0, newer than the current one.")
    long version;

    @Option(names = "--topic", defaultValue = "ntk.models", description = "Models topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Mixin
    KafkaToolOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (version < 0) {
            throw new IllegalArgumentException("--version: expected an integer >= 0, got " + version);
        }
        JsonNode archJson;
        Architecture a;
        try {
            archJson = JSON.readTree(Files.readString(arch));
            a = Architecture.read(arch);
        } catch (IOException e) {
            throw new IllegalArgumentException("--arch " + arch + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--arch " + arch + ": " + e.getMessage(), e);
        }
        if (archJson == null || !archJson.isObject()) {
            throw new IllegalArgumentException("--arch " + arch + ": expected a JSON object");
        }
        String uri;
        boolean checked = false;
        if (URI_SCHEME.matcher(params).matches()) {
            URI u;
            try {
                u = new URI(params);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("--params: not a valid URI '" + params + "' (" + e.getMessage() + ")", e);
            }
            uri = u.toString();
            if ("file".equalsIgnoreCase(u.getScheme())) {
                Path local;
                try {
                    local = Path.of(u);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--params: not a usable file URI '" + params + "' ("
                            + e.getMessage() + "); expected file:///absolute/path", e);
                }
                check(local, a);
                checked = true;
            }
        } else {
            Path p = Path.of(params).toAbsolutePath().normalize();
            check(p, a);
            checked = true;
            uri = p.toUri().toString();
        }

        ObjectNode record = JSON.createObjectNode();
        record.put("version", version);
        record.set("arch", archJson);
        record.put("params_uri", uri);
        Properties p = KafkaClients.producerProperties(kafka.bootstrap());
        p.putAll(kafka.extra());
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        RecordMetadata meta;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            try {
                meta = producer.send(new ProducerRecord<>(topic, "model", JSON.writeValueAsString(record)))
                        .get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                throw new IllegalArgumentException("--topic " + topic + " at --bootstrap " + kafka.bootstrap()
                        + ": cannot send (" + c.getMessage() + ")", e);
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("command", "publish-model");
        out.put("topic", topic);
        out.put("version", version);
        out.put("network", a.shapeString());
        out.put("params_uri", uri);
        out.put("checked", checked);
        out.put("partition", meta.partition());
        out.put("offset", meta.offset());
        System.out.println(out);
        return 0;
    }

    /** The checkpoint exists and fits the architecture (tensor names and shapes). */
    private static void check(Path file, Architecture a) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--params " + file + ": no such file");
        }
        try {
            Networks.fromTensors(a, CheckpointFiles.read(file), Precision.FLOAT32);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--params " + file + ": does not fit --arch (" + e.getMessage() + ")", e);
        }
    }
}
