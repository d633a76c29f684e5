package io.ntkstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.data.DType;
import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import io.ntkstream.kafka.KafkaClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {
            "Puts the rows of .npy files on an input topic of the streaming job, one JSON record per row,",
            "keyed by the task:",
            "  samples  {\"task\",\"id\",\"x\":[...],\"y\":[...]}  (--y, float (N, O) or (N,))",
            "           {\"task\",\"id\",\"x\":[...],\"label\":k}  (--labels, int (N,))",
            "  pool     {\"task\",\"id\",\"x\":[...]}   unlabeled candidates for the task's picks",
            "  queries  {\"task\",\"id\",\"x\":[...]}   answered on the predictions topic",
            "Row i gets the id <--ids-prefix><--first-id + i>; a sample whose id is in the task's pool answers",
            "that pool candidate (so label picked candidates with the pool's prefix, e.g. --ids-prefix u-).",
            "Or one pick request on the control topic (no --x):",
            "  control  {\"task\",\"id\",\"pick\":N,\"strategy\":S}   --pick N [--strategy S] [--id ID];",
            "           answered on the picks topic with the N pool candidates to label next",
            "The record kind follows from the topic name (…samples, …pool, …queries, …control) or --kind.",
            "Prints one JSON line: records sent, seconds, rate (control: the request's id)."})
final class ProduceCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--topic", required = true, description = "Topic: ntk.samples | ntk.pool | ntk.queries | ntk.control "
            + "(or a renamed one with --kind).")
    String topic;

    @Option(names = "--kind", description = "samples | pool | queries | control (default: from the topic name).")
    String kind;

    @Option(names = "--task", required = true, description = "The task every record belongs to.")
    String task;

    @Option(names = "--x", description = "Inputs, float .npy (N, input_dim); samples, pool and queries.")
    Path x;

    @Option(names = "--y", description = "Samples only: regression targets, float .npy (N, O) or (N,).")
    Path y;

    @Option(names = "--labels", description = "Samples only: class indices, int .npy (N,).")
    Path labels;

    @Option(names = "--ids-prefix", description = "Id prefix (default: s- for samples, u- for pool, q- for queries).")
    String idsPrefix;

    @Option(names = "--first-id", defaultValue = "0", description = "Number of the first row's id (default: ${DEFAULT-VALUE}).")
    long firstId;

    @Option(names = "--rate", description = "At most this many records per second (default: as fast as possible).")
    Double rate;

    @Option(names = "--pick", paramLabel = "N", description = "Control only: how many pool candidates to pick (>= 1; the "
            + "job's limits.max-pick caps it, 1000 by default).")
    Integer pick;

    @Option(names = "--strategy", description = "Control only: lookahead | expected | variance | margin | entropy | random "
            + "(default: the job's picks.strategy).")
    String strategy;

    @Option(names = "--id", description = "Control only: the request's id, repeated in the answer (default: r-<epoch ms>).")
    String id;

    @Mixin
    KafkaToolOptions kafka;

    @Override
    public Integer call() throws Exception {
        String k = kind();
        if (task.isBlank()) {
            throw new IllegalArgumentException("--task: expected a non-empty task name");
        }
        if (k.equals("control")) {
            return control();
        }
        for (Object[] o : new Object[][] {{"--pick", pick}, {"--strategy", strategy}, {"--id", id}}) {
            if (o[1] != null) {
                throw new IllegalArgumentException(o[0] + ": only pick requests (--topic ntk.control) take it; " + k
                        + " records come from --x rows");
            }
        }
        if (x == null) {
            throw new IllegalArgumentException("--x: " + k + " records need the inputs, a float .npy (N, input_dim)");
        }
        if (rate != null && !(rate > 0 && Double.isFinite(rate))) {
            throw new IllegalArgumentException("--rate: expected a positive number of records per second, got " + rate);
        }
        if (firstId < 0) {
            throw new IllegalArgumentException("--first-id: expected a number >= 0, got " + firstId);
        }
        double[][] inputs = floats(x, "--x", true);
        int n = inputs.length;
        double[][] targets = null;
        long[] classes = null;
        if (k.equals("samples")) {
            if ((y == null) == (labels == null)) {
                throw new IllegalArgumentException("samples need exactly one of --y (regression targets) and --labels "
                        + "(class indices)" + (y != null ? ", got both" : ", got neither"));
            }
            if (y != null) {
                targets = floats(y, "--y", false);
                if (targets.length != n) {
                    throw new IllegalArgumentException("--y " + y + ": expected " + n + " rows (one per --x row), got "
                            + targets.length);
                }
            } else {
                classes = labels(n);
            }
        } else if (y != null || labels != null) {
            throw new IllegalArgumentException((y != null ? "--y" : "--labels") + ": only samples carry targets; "
                    + k + " records are {\"task\",\"id\",\"x\"}");
        }
        String prefix = idsPrefix != null ? idsPrefix : switch (k) {
            case "samples" -> "s-";
            case "pool" -> "u-";
            default -> "q-";
        };

        Properties p = KafkaClients.producerProperties(kafka.bootstrap());
        p.putAll(kafka.extra());
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            checkTopic(producer);
            start = System.nanoTime();
            send(producer, inputs, targets, classes, prefix, start, failure);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("--topic " + topic + " at " + kafka.bootstrap() + ": sending failed: "
                    + failure.get().getMessage(), failure.get());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ObjectNode out = JSON.createObjectNode();
        out.put("command", "produce");
        out.put("topic", topic);
        out.put("kind", k);
        out.put("task", task);
        out.put("records", n);
        out.put("first_id", prefix + firstId);
        out.put("last_id", prefix + (firstId + n - 1));
        out.put("seconds", Math.round(seconds * 1000) / 1000.0);
        out.put("records_per_second", seconds > 0 ? Math.round(n / seconds) : n);
        System.out.println(out);
        return 0;
    }

    /** One pick request on the control topic: {"task","id","pick":N[,"strategy":S]}. */
    private int control() throws Exception {
        for (Object[] o : new Object[][] {{"--x", x}, {"--y", y}, {"--labels", labels}, {"--ids-prefix", idsPrefix},
                {"--rate", rate}}) {
            if (o[1] != null) {
                throw new IllegalArgumentException(o[0] + ": a pick request has no rows; it takes --pick N [--strategy S] "
                        + "[--id ID]");
            }
        }
        if (firstId != 0) {
            throw new IllegalArgumentException("--first-id: a pick request has no rows; name it with --id");
        }
        if (pick == null) {
            throw new IllegalArgumentException("--pick: a pick request needs the number of candidates to pick (>= 1)");
        }
        if (pick < 1) {
            throw new IllegalArgumentException("--pick: expected a number of candidates >= 1, got " + pick);
        }
        String s = null;
        if (strategy != null) {
            try {
                s = io.ntkstream.active.AcquisitionKind.parse(strategy).cliName();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--strategy: " + e.getMessage(), e);
            }
        }
        if (id != null && id.isBlank()) {
            throw new IllegalArgumentException("--id: expected a non-empty request id");
        }
        String requestId = id != null ? id : "r-" + System.currentTimeMillis();
        ObjectNode r = JSON.createObjectNode();
        r.put("task", task);
        r.put("id", requestId);
        r.put("pick", pick);
        if (s != null) {
            r.put("strategy", s);
        }
        Properties p = KafkaClients.producerProperties(kafka.bootstrap());
        p.putAll(kafka.extra());
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        long start;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            checkTopic(producer);
            start = System.nanoTime();
            try {
                producer.send(new ProducerRecord<>(topic, task, JSON.writeValueAsString(r))).get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("--topic " + topic + " at " + kafka.bootstrap() + ": sending failed: "
                        + e.getCause().getMessage(), e.getCause());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ObjectNode out = JSON.createObjectNode();
        out.put("command", "produce");
        out.put("topic", topic);
        out.put("kind", "control");
        out.put("task", task);
        out.put("records", 1);
        out.put("id", requestId);
        out.put("pick", pick);
        out.put("strategy", s); // null: the job's picks.strategy
        out.put("seconds", Math.round(seconds * 1000) / 1000.0);
        System.out.println(out);
        return 0;
    }

    /** Sends every row (paced by --rate from {@code start}), then flushes. */
    private void send(KafkaProducer<String, String> producer, double[][] inputs, double[][] targets, long[] classes,
                      String prefix, long start, AtomicReference<Exception> failure) throws Exception {
        int n = inputs.length;
        try (Progress bar = Progress.of("produce " + topic, n, "records", n >= 2000 || rate != null && n / rate > 2)) {
            for (int i = 0; i < n && failure.get() == null; i++) {
                if (rate != null) {
                    long due = start + (long) (i / rate * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                ObjectNode r = JSON.createObjectNode();
                r.put("task", task);
                r.put("id", prefix + (firstId + i));
                array(r.putArray("x"), inputs[i]);
                if (targets != null) {
                    array(r.putArray("y"), targets[i]);
                } else if (classes != null) {
                    r.put("label", classes[i]);
                }
                producer.send(new ProducerRecord<>(topic, task, JSON.writeValueAsString(r)), (meta, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
                bar.listener().accept(i + 1);
            }
            producer.flush();
        }
    }

    private String kind() {
        String k = kind;
        if (k == null) {
            String t = topic.toLowerCase(Locale.ROOT);
            if (t.endsWith("samples")) {
                k = "samples";
            } else if (t.endsWith("pool")) {
                k = "pool";
            } else if (t.endsWith("queries")) {
                k = "queries";
            } else if (t.endsWith("control")) {
                k = "control";
            } else {
                throw new IllegalArgumentException("--topic " + topic + ": cannot tell the record kind from the name; "
                        + "expected ntk.samples, ntk.pool, ntk.queries or ntk.control, or say --kind "
                        + "samples|pool|queries|control");
            }
        }
        k = k.toLowerCase(Locale.ROOT).trim();
        if (!List.of("samples", "pool", "queries", "control").contains(k)) {
            throw new IllegalArgumentException("--kind: expected samples, pool, queries or control, got '" + kind + "'");
        }
        return k;
    }

    /** A float (N, D) matrix ({@code matrix}) or (N, O) / (N,) targets, all finite. */
    private static double[][] floats(Path file, String option, boolean matrix) {
        NdArray a;
        try {
            a = Npy.read(file);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
        if (a.dtype() != DType.FLOAT64 && a.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(option + " " + file + ": expected float32 or float64 values, got "
                    + a.dtype().numpyName() + (option.equals("--y") ? " (class indices go with --labels)" : ""));
        }
        int[] s = a.shape();
        boolean ok = s.length == 2 || !matrix && s.length == 1;
        if (!ok || s[0] == 0 || s.length == 2 && s[1] == 0) {
            throw new IllegalArgumentException(option + " " + file + ": expected shape "
                    + (matrix ? "(N, input_dim)" : "(N, O) or (N,)") + " with N >= 1, got " + NdArray.formatShape(s));
        }
        int rows = s[0];
        int cols = s.length == 2 ? s[1] : 1;
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = a.values()[i * cols + j];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(option + " " + file + ": NaN or infinite value at row " + i);
                }
                m[i][j] = v;
            }
        }
        return m;
    }

    private long[] labels(int n) {
        long[] v;
        try {
            v = Npy.readLabels(labels);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--labels: " + e.getMessage(), e);
        }
        if (v.length != n) {
            throw new IllegalArgumentException("--labels " + labels + ": expected " + n + " labels (one per --x row), got "
                    + v.length);
        }
        for (int i = 0; i < n; i++) {
            if (v[i] < 0 || v[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--labels " + labels + ": expected class indices >= 0, got " + v[i]
                        + " at row " + i);
            }
        }
        return v;
    }

    private void checkTopic(KafkaProducer<String, String> producer) {
        List<PartitionInfo> partitions;
        try {
            partitions = producer.partitionsFor(topic);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--topic " + topic + ": not available at --bootstrap " + kafka.bootstrap()
                    + " (is the broker up and the topic created?): " + e.getMessage(), e);
        }
        if (partitions == null || partitions.isEmpty()) {
            throw new IllegalArgumentException("--topic " + topic + ": has no partitions at " + kafka.bootstrap());
        }
    }

    private static void array(ArrayNode a, double[] v) {
        for (double d : v) {
            a.add(d);
        }
    }
}
