package io.ntkstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.data.DType;
import io.ntkstream.job.JobConfig;
import io.ntkstream.kafka.DecoderLimits;
import io.ntkstream.kafka.Decoded;
import io.ntkstream.kafka.EmbeddedKafkaBroker;
import io.ntkstream.kafka.RawRecord;
import io.ntkstream.kafka.RecordDecoder;
import io.ntkstream.kafka.TaskEvent;
import io.ntkstream.kafka.Topics;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.kernel.FeatureStore;
import io.ntkstream.kernel.IncrementalCholesky;
import io.ntkstream.kernel.KernelFeatures;
import io.ntkstream.kernel.NtkRegressor;
import io.ntkstream.kernel.RegressorSettings;
import io.ntkstream.linalg.LinalgRuntime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.LayerSpec;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import io.ntkstream.meta.MetaLearner;
import io.ntkstream.network.checkpoint.NamedTensor;
import io.ntkstream.ntk.NtkMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "stream", mixinStandardHelpOptions = true,
        description = {
            "Benchmarks the streaming job end to end: an in-process Kafka broker (KRaft, 127.0.0.1, temporary "
                + "directory) and the job on an in-process Flink MiniCluster (RocksDB incremental checkpoints, "
                + "exactly-once Kafka sink), with a random NTK-parametrized relu MLP checkpoint.",
            "",
            "Phases: learn (T tasks x n labeled samples, sent as fast as the producer goes; for one task, the rate "
                + "per bucket of n), queries (against the learned tasks), latency (queries paced below capacity, at "
                + "the main checkpoint interval and, in jobs of their own, at each --latency-checkpoint-ms), tasks "
                + "(1 ... --max-tasks tasks x a few samples each). First, a profile times the per-sample steps "
                + "in-process (JSON decode, Flink event serialization, network features, kernel row, Cholesky row, "
                + "state-row serialization, RocksDB put, meta scores).",
            "",
            "Throughput runs from the first input sent to the last answer seen by a read_committed consumer (end "
                + "to end); 'processing' figures use a read_uncommitted consumer instead, i.e. without the wait for "
                + "the checkpoint that commits the exactly-once transaction. Latency: input handed to the producer "
                + "-> answer consumed. Learning has no output of its own: probe queries (every --probe-ms) report "
                + "n_train and tell when the last sample is learned. State: bytes under the job's checkpoint "
                + "directory (RocksDB incremental checkpoint, shared files included) / labeled samples stored.",
            "",
            "Prints one JSON document; a progress bar goes to stderr."})
final class BenchStreamCommand implements Callable<Integer> {
    private static final int LEARN_TARGET = 500;
    private static final int QUERY_TARGET = 2000;
    private static final int LATENCY_TARGET_MS = 100;
    private static final int MAX_OUTSTANDING_PROBES = 50;

    @Option(names = "--arch-widths", description = "Layer widths of a random relu MLP, input first (default: 784,512,512,10).")
    String archWidths;

    @Option(names = "--arch", description = "Architecture JSON file (instead of --arch-widths; needs --params).")
    Path arch;

    @Option(names = "--params", description = "Checkpoint (.safetensors or .npz) for --arch.")
    Path params;

    @Option(names = "--kernel", defaultValue = "pseudo", description = "pseudo | trace (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--precision", defaultValue = "float32", description = "Network precision: float32 | float64 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--parallelism", defaultValue = "1", description = "Slots (parallel instances; topics get as many partitions) (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--checkpoint-interval-ms", description = "Checkpoint interval of the main job (default: 1000; --quick 500).")
    Long checkpointMs;

    @Option(names = "--latency-checkpoint-ms", split = ",",
            description = "Checkpoint intervals of the extra latency jobs, comma-separated; 0 = none (default: 5000,100; --quick 100).")
    List<Long> latencyCheckpointMs;

    @Option(names = "--learn", split = ",", description = "Learn phases as TASKSxSAMPLES, comma-separated (default: 1x1000,10x200; --quick 1x100,2x50).")
    List<String> learn;

    @Option(names = "--queries", description = "Queries in all, split evenly over the query phases (one per learn phase) (default: 5000; --quick 600).")
    Integer queries;

    @Option(names = "--tasks", split = ",", description = "Task counts of the tasks phases (default: 1,100,1000,10000; --quick 1,10,100).")
    List<Integer> taskCounts;

    @Option(names = "--max-tasks", description = "Skip tasks phases above this many tasks (default: 10000).")
    Integer maxTasks;

    @Option(names = "--scale-samples", description = "Samples per task in the tasks phases (default: 2).")
    Integer scaleSamples;

    @Option(names = "--scale-min-records", description = "Tasks phases send at least this many samples (more per task when there are few tasks) (default: 300; --quick 50).")
    Integer scaleMinRecords;

    @Option(names = "--latency-rate", description = "Paced queries per second in the latency phases, below capacity (default: 50).")
    Integer latencyRate;

    @Option(names = "--latency-seconds", description = "Length of a latency phase, at least 2.5 checkpoint intervals (default: 5; --quick 2).")
    Double latencySeconds;

    @Option(names = "--latency-n", description = "Samples learned by the task that each latency phase queries (default: 200; --quick 50).")
    Integer latencyN;

    @Option(names = "--warmup", description = "Samples learned (and queries answered) by a warm-up task first (default: 200; --quick 30).")
    Integer warmup;

    @Option(names = "--probe-ms", defaultValue = "100", description = "Probe query period while learning (default: ${DEFAULT-VALUE}).")
    int probeMs;

    @Option(names = "--meta-every", description = "meta.every of the job: LOO scores of the meta grid every this many labels per task; 0 = off (default: the job's default, 20).")
    Integer metaEvery;

    @Option(names = "--batch-max-records", description = "batch.max-records of the job: records per task processed together; 1 = one at a time (default: the job's default, 32).")
    Integer batchMaxRecords;

    @Option(names = "--batch-max-delay-ms", description = "batch.max-delay-ms of the job: longest wait for a batch to fill (default: the job's default, 5).")
    Long batchMaxDelayMs;

    @Option(names = "--delivery", defaultValue = "exactly-once", description = "kafka.delivery of the job: exactly-once | at-least-once (default: ${DEFAULT-VALUE}).")
    String delivery;

    @Option(names = "--flink-conf", description = "A Flink option for every job, KEY=VALUE, repeatable (e.g. "
            + "execution.buffer-timeout.interval=5ms).")
    Map<String, String> flinkConf = new LinkedHashMap<>();

    @Option(names = "--cache-tasks", defaultValue = "64", description = "state.cache-tasks of the job (default: ${DEFAULT-VALUE}, the config default).")
    int cacheTasks;

    @Option(names = "--no-profile", description = "Skip the in-process per-sample profile.")
    boolean noProfile;

    @Option(names = "--quick", description = "A small run (< 1 min) for smoke tests; explicit options still apply.")
    boolean quick;

    @Option(names = "--timeout-seconds", defaultValue = "600", description = "Give up a phase after this long (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the checkpoint and the inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "1",
            description = "Linear-algebra threads of the JVM (default: ${DEFAULT-VALUE}: one per slot, as on a cluster; more only"
                    + " oversubscribe the cores that Kafka, decoding and the other slots need).")
    int threads;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Option(names = "--out", description = "Also write the JSON document to this file.")
    Path out;

    @Option(names = "--work-dir", description = "Where the temporary broker and checkpoint directories go (default: the system temp dir).")
    Path workDir;

    private StreamBenchData data;
    private int probePeriodMs;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        double[] loadStart = loadAverage();
        resolveDefaults();
        LinalgRuntime.setThreads(threads);
        Precision prec = Precision.parse(precision);
        NtkMode mode = NtkMode.parse(kernel);
        if (mode != NtkMode.PSEUDO && mode != NtkMode.TRACE) {
            throw new IllegalArgumentException("--kernel: expected pseudo or trace, got '" + kernel + "'");
        }
        List<int[]> learnSpecs = parseLearn(learn);
        if (parallelism < 1 || probeMs < 1 || queries < 1 || scaleSamples < 1 || latencyRate < 1 || !(latencySeconds > 0)
                || warmup < 1 || cacheTasks < 1 || latencyN < 1) {
            throw new IllegalArgumentException("--parallelism, --probe-ms, --queries, --scale-samples, --latency-rate, "
                    + "--latency-seconds, --warmup and --cache-tasks must be positive");
        }
        probePeriodMs = probeMs;

        Path work = Files.createTempDirectory(workDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : workDir,
                "ntkstream-bench-stream-");
        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = json.createObjectNode();
        try {
            Architecture a;
            Path paramsFile;
            if (arch != null || params != null) {
                if (arch == null || params == null) {
                    throw new IllegalArgumentException("--arch and --params go together");
                }
                a = Architecture.read(arch);
                paramsFile = params.toAbsolutePath();
                Inputs.network(arch, params, prec); // fail early on a checkpoint that does not fit
            } else {
                a = widths(archWidths);
                paramsFile = work.resolve("model-v1.safetensors");
                CheckpointFiles.write(paramsFile, Networks.randomTensors(a, seed), DType.FLOAT32);
            }
            String modelJson = json.writeValueAsString(Map.of("version", 1, "arch", json.readTree(a.toJson()),
                    "params_uri", paramsFile.toUri().toString()));
            data = new StreamBenchData(a.inputDim(), a.outputDim(), seed + 1);

            doc.put("impl", "ntkstream");
            doc.put("bench", "stream");
            doc.put("quick", quick);
            doc.put("network", a.shapeString());
            doc.put("kernel", mode.name().toLowerCase(Locale.ROOT));
            doc.put("precision", prec.name().toLowerCase(Locale.ROOT));
            doc.put("targets_kind", data.classification() ? "classification (label)" : "regression (y)");
            doc.put("parallelism", parallelism);
            doc.put("checkpoint_interval_ms", checkpointMs);
            doc.put("sink", "EXACTLY_ONCE");
            doc.put("cache_tasks", cacheTasks);
            JobConfig shown = jobConfig(prec, mode, checkpointMs);
            doc.put("meta_every", shown.meta.every);
            doc.put("meta_dense_until", shown.meta.denseUntil);
            doc.put("batch_max_records", shown.batch.maxRecords);
            doc.put("batch_max_delay_ms", shown.batch.maxDelayMs);
            doc.put("delivery", shown.kafka.delivery);
            doc.put("threads", LinalgRuntime.threads());
            doc.put("probe_ms", probeMs);
            doc.putPOJO("flink_conf", flinkConf);

            if (!noProfile) {
                int n = learnSpecs.stream().mapToInt(s -> s[1]).max().orElse(100);
                doc.set("profile", profile(json, a, paramsFile, prec, mode, n));
            }

            long b0 = System.nanoTime();
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"))) {
                ObjectNode setup = doc.putObject("setup_seconds");
                setup.put("broker", (System.nanoTime() - b0) / 1e9);
                Duration timeout = Duration.ofSeconds(timeoutSeconds);
                ArrayNode phases = doc.putArray("phases");
                List<ObjectNode> learnPhases = new ArrayList<>();
                List<ObjectNode> queryPhases = new ArrayList<>();
                List<ObjectNode> latencyPhases = new ArrayList<>();
                List<ObjectNode> taskPhases = new ArrayList<>();

                ArrayNode errors = doc.putArray("errors");
                long j0 = System.nanoTime();
                try (StreamBenchJob job = StreamBenchJob.start(broker, "main", work, jobConfig(prec, mode, checkpointMs),
                        modelJson, timeout)) {
                    setup.put("main_job", (System.nanoTime() - j0) / 1e9);
                    ObjectNode w = learnPhase(job, "warmup", 1, warmup, false);
                    w.put("warmup", true);
                    phases.add(w);
                    ObjectNode wq = queryPhase(job, "warmup-queries", List.of("warmup-t0"), Math.min(200, queries));
                    wq.put("warmup", true);
                    phases.add(wq);

                    List<List<String>> learned = new ArrayList<>();
                    for (int[] spec : learnSpecs) {
                        String name = "learn-" + spec[0] + "x" + spec[1];
                        ObjectNode p = learnPhase(job, name, spec[0], spec[1], spec[0] == 1);
                        phases.add(p);
                        learnPhases.add(p);
                        learned.add(taskNames(name, spec[0]));
                    }
                    for (int i = 0; i < learnSpecs.size(); i++) {
                        int[] spec = learnSpecs.get(i);
                        int count = Math.max(1, queries / learnSpecs.size());
                        ObjectNode p = queryPhase(job, "queries-" + spec[0] + "x" + spec[1], learned.get(i), count);
                        p.put("n_train", spec[1]);
                        phases.add(p);
                        queryPhases.add(p);
                    }
                    latencyPhases.add(latency(job, "main", checkpointMs, phases));
                    for (int t : taskCounts) {
                        if (t > maxTasks) {
                            continue;
                        }
                        int per = Math.max(scaleSamples, (scaleMinRecords + t - 1) / t);
                        ObjectNode p = learnPhase(job, "tasks-" + t, t, per, false);
                        phases.add(p);
                        taskPhases.add(p);
                    }
                } catch (Exception e) { // report what was measured, and why the rest was not
                    errors.addObject().put("job", "main").put("error", String.valueOf(e.getMessage()));
                }

                for (long interval : latencyCheckpointMs) {
                    if (interval <= 0) {
                        continue;
                    }
                    String prefix = "lat" + interval;
                    long l0 = System.nanoTime();
                    try (StreamBenchJob job = StreamBenchJob.start(broker, prefix, work, jobConfig(prec, mode, interval),
                            modelJson, timeout)) {
                        setup.put(prefix + "_job", (System.nanoTime() - l0) / 1e9);
                        latencyPhases.add(latency(job, prefix, interval, phases));
                    } catch (Exception e) {
                        errors.addObject().put("job", prefix).put("error", String.valueOf(e.getMessage()));
                    }
                }
                doc.set("targets", targets(json, learnPhases, queryPhases, latencyPhases));
                doc.set("tasks_scaling", scaling(json, taskPhases));
            }
            ObjectNode machine = doc.putObject("machine");
            machine.put("cores", Runtime.getRuntime().availableProcessors());
            machine.putPOJO("load_average_start", loadStart);
            machine.putPOJO("load_average_end", loadAverage());
            machine.put("java", System.getProperty("java.version"));
            machine.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
            doc.put("peak_rss_mib", LinalgRuntime.peakResidentBytes() >> 20);
            doc.put("total_seconds", (System.nanoTime() - started) / 1e9);
            String text = json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc);
            if (out != null) {
                Files.writeString(out, text + System.lineSeparator());
            }
            System.out.println(text);
            if (!doc.get("errors").isEmpty()) {
                System.err.println("ntkstream bench stream: some phases failed; see \"errors\" in the JSON");
                return 1;
            }
            return 0;
        } finally {
            deleteRecursively(work);
        }
    }

    private void resolveDefaults() {
        if (checkpointMs == null) {
            checkpointMs = quick ? 500L : 1000L;
        }
        if (latencyCheckpointMs == null) {
            latencyCheckpointMs = quick ? List.of(100L) : List.of(5000L, 100L);
        }
        if (learn == null) {
            learn = quick ? List.of("1x100", "2x50") : List.of("1x1000", "10x200");
        }
        if (queries == null) {
            queries = quick ? 600 : 5000;
        }
        if (taskCounts == null) {
            taskCounts = quick ? List.of(1, 10, 100) : List.of(1, 100, 1000, 10000);
        }
        if (maxTasks == null) {
            maxTasks = 10000;
        }
        if (scaleSamples == null) {
            scaleSamples = 2;
        }
        if (scaleMinRecords == null) {
            scaleMinRecords = quick ? 50 : 300;
        }
        if (latencyRate == null) {
            latencyRate = 50;
        }
        if (latencyN == null) {
            latencyN = quick ? 50 : 200;
        }
        if (latencySeconds == null) {
            latencySeconds = quick ? 2.0 : 5.0;
        }
        if (warmup == null) {
            warmup = quick ? 30 : 200;
        }
        if (archWidths == null) {
            archWidths = "784,512,512,10";
        }
    }

    private JobConfig jobConfig(Precision prec, NtkMode mode, long intervalMs) {
        JobConfig c = JobConfig.defaults();
        c.model.precision = prec.name().toLowerCase(Locale.ROOT);
        c.model.kernel = mode.name().toLowerCase(Locale.ROOT);
        c.flink.parallelism = parallelism;
        c.flink.checkpointIntervalMs = intervalMs;
        c.state.cacheTasks = cacheTasks;
        if (metaEvery != null) {
            c.meta.every = metaEvery;
        }
        if (batchMaxRecords != null) {
            c.batch.maxRecords = batchMaxRecords;
        }
        if (batchMaxDelayMs != null) {
            c.batch.maxDelayMs = batchMaxDelayMs;
        }
        c.kafka.delivery = delivery;
        c.flink.configuration.putAll(flinkConf);
        c.validate();
        return c;
    }

    // ------------------------------------------------------------------ phases

    private static List<String> taskNames(String phase, int tasks) {
        List<String> names = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            names.add(phase + "-t" + t);
        }
        return names;
    }

    /**
     * T tasks x n labeled samples, round robin, as fast as the producer goes. Probe queries go to the
     * last task of every route (input partition x keyed subtask) until each reports n_train = n: then
     * every sample of the phase is learned (a route is processed in order).
     */
    private ObjectNode learnPhase(StreamBenchJob job, String name, int tasks, int perTask, boolean buckets)
            throws Exception {
        List<String> names = taskNames(name, tasks);
        Map<Long, String> lastByRoute = new LinkedHashMap<>();
        for (String t : names) {
            lastByRoute.put(job.route(t), t);
        }
        Set<String> targets = new LinkedHashSet<>(lastByRoute.values());
        Set<String> finished = java.util.concurrent.ConcurrentHashMap.newKeySet();
        StreamBenchJob.Tracker probes = new StreamBenchJob.Tracker();
        long total = (long) tasks * perTask;
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();

        long t0 = System.nanoTime();
        Map<String, java.util.concurrent.atomic.AtomicInteger> outstanding = new java.util.concurrent.ConcurrentHashMap<>();
        targets.forEach(t -> outstanding.put(t, new java.util.concurrent.atomic.AtomicInteger()));
        Thread prober = thread(name + "-prober", failure, () -> {
            for (int k = 0; !stop.get(); k++) {
                for (String t : targets) {
                    // at most a few unanswered probes per task, so that a slow phase is not flooded with queries
                    if (!finished.contains(t) && outstanding.get(t).get() < MAX_OUTSTANDING_PROBES) {
                        outstanding.get(t).incrementAndGet();
                        String id = name + "-probe-" + k + "-" + t;
                        job.query(probes, t, id, data.query(t, id));
                    }
                }
                Thread.sleep(probePeriodMs);
            }
        });
        Thread feeder = thread(name + "-feeder", failure, () -> {
            for (int i = 0; i < perTask; i++) {
                for (String t : names) {
                    job.sample(t, data.sample(t, "s-" + i));
                }
            }
            job.flush();
        });
        Map<String, StreamBenchJob.Expected> finals = new LinkedHashMap<>();
        List<long[]> curve = new ArrayList<>(); // (n_train, nanos) of one task's probe answers
        int maxSeen = 0;
        try (Progress bar = Progress.of(name, total, "samples", !noProgress)) {
            LongConsumer progress = bar.listener();
            prober.start();
            feeder.start();
            while (finals.size() < targets.size()) {
                rethrow(failure);
                job.check();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("bench stream: phase " + name + " timed out after " + timeoutSeconds
                            + " s with " + maxSeen + " of " + perTask + " samples learned per task; job status "
                            + job.jobStatus());
                }
                StreamBenchJob.Expected e;
                while ((e = probes.processedQueue.poll()) != null) {
                    outstanding.get(e.task).decrementAndGet();
                    if (buckets) {
                        curve.add(new long[] {e.nTrain, e.processedNanos});
                    }
                    maxSeen = Math.max(maxSeen, e.nTrain);
                    if (e.nTrain >= perTask && !finals.containsKey(e.task)) {
                        finals.put(e.task, e);
                        finished.add(e.task);
                    }
                }
                progress.accept(Math.min(total, (long) maxSeen * tasks));
                LockSupport.parkNanos(1_000_000);
            }
            progress.accept(total);
        } finally {
            stop.set(true);
            prober.join();
            feeder.join();
        }
        rethrow(failure);
        long processedEnd = finals.values().stream().mapToLong(e -> e.processedNanos).max().orElseThrow();
        job.awaitCommitted(probes, probes.size(), commitDeadline(job), null);
        long committedEnd = finals.values().stream().mapToLong(e -> e.committedNanos).max().orElseThrow();

        ObjectNode p = phase("learn", name, total, t0, committedEnd, processedEnd);
        p.put("tasks", tasks);
        p.put("samples_per_task", perTask);
        p.put("per_slot_records_per_s", total / ((committedEnd - t0) / 1e9) / parallelism);
        p.put("probe_queries", probes.size());
        latencies(p, probes);
        long bytes = job.checkpointBytes();
        p.put("checkpoint_bytes", bytes);
        p.put("samples_stored", job.samplesStored());
        p.put("state_bytes_per_sample", (double) bytes / job.samplesStored());
        if (buckets) {
            p.set("buckets", buckets(p, curve, t0, perTask));
        }
        return p;
    }

    /** Queries round robin over {@code tasks}, as fast as the producer goes. */
    private ObjectNode queryPhase(StreamBenchJob job, String name, List<String> tasks, int count) throws Exception {
        StreamBenchJob.Tracker tr = new StreamBenchJob.Tracker();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long t0 = System.nanoTime();
        Thread feeder = thread(name + "-feeder", failure, () -> {
            for (int i = 0; i < count; i++) {
                String t = tasks.get(i % tasks.size());
                String id = name + "-" + i;
                job.query(tr, t, id, data.query(t, id));
            }
            job.flush();
        });
        try (Progress bar = Progress.of(name, count, "queries", !noProgress)) {
            LongConsumer progress = bar.listener();
            feeder.start();
            job.awaitProcessed(tr, count, deadline, () -> {
                rethrow(failure);
                progress.accept(tr.processed.get());
            });
            job.awaitCommitted(tr, count, commitDeadline(job), () -> rethrow(failure));
        } finally {
            feeder.join();
        }
        rethrow(failure);
        ObjectNode p = phase("queries", name, count, t0, tr.lastCommittedNanos.get(), tr.lastProcessedNanos.get());
        p.put("tasks", tasks.size());
        p.put("per_slot_records_per_s", count / ((tr.lastCommittedNanos.get() - t0) / 1e9) / parallelism);
        latencies(p, tr);
        return p;
    }

    /** A task of --latency-n samples learned, then queried at a steady rate; returns the paced phase. */
    private ObjectNode latency(StreamBenchJob job, String prefix, long intervalMs, ArrayNode phases) throws Exception {
        String name = prefix + "-latency-learn-1x" + latencyN;
        ObjectNode l = learnPhase(job, name, 1, latencyN, false);
        l.put("checkpoint_interval_ms", intervalMs);
        phases.add(l);
        ObjectNode p = pacedPhase(job, "latency-ckpt" + intervalMs + "ms", taskNames(name, 1).get(0), intervalMs);
        p.put("n_train", latencyN);
        phases.add(p);
        return p;
    }

    /** Queries at a steady --latency-rate, below capacity, for max(--latency-seconds, 2.5 checkpoint intervals). */
    private ObjectNode pacedPhase(StreamBenchJob job, String name, String task, long intervalMs) throws Exception {
        double seconds = Math.max(latencySeconds, 2.5 * intervalMs / 1000.0);
        int count = (int) Math.max(1, Math.round(latencyRate * seconds));
        StreamBenchJob.Tracker tr = new StreamBenchJob.Tracker();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long deadline = System.nanoTime() + (timeoutSeconds + (long) seconds) * 1_000_000_000L;
        long t0 = System.nanoTime();
        long period = Math.round(1e9 / latencyRate);
        Thread feeder = thread(name + "-feeder", failure, () -> {
            for (int i = 0; i < count; i++) {
                long due = t0 + i * period;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                String id = name + "-" + i;
                job.query(tr, task, id, data.query(task, id));
            }
        });
        try (Progress bar = Progress.of(name, count, "queries", !noProgress)) {
            LongConsumer progress = bar.listener();
            feeder.start();
            job.awaitCommitted(tr, count, deadline, () -> {
                rethrow(failure);
                progress.accept(tr.committed.get());
            });
            job.awaitProcessed(tr, count, commitDeadline(job), null);
        } finally {
            feeder.join();
        }
        rethrow(failure);
        ObjectNode p = phase("latency", name, count, t0, tr.lastCommittedNanos.get(), tr.lastProcessedNanos.get());
        p.put("checkpoint_interval_ms", intervalMs);
        p.put("rate_per_s", latencyRate);
        latencies(p, tr);
        return p;
    }

    /** Answers emitted are committed by the next checkpoint or two: give that a generous bound of its own. */
    private long commitDeadline(StreamBenchJob job) {
        return System.nanoTime() + Math.max(120_000L, 20 * job.config.flink.checkpointIntervalMs) * 1_000_000L;
    }

    private static ObjectNode phase(String kind, String name, long records, long t0, long committedEnd,
                                    long processedEnd) {
        ObjectNode p = new ObjectMapper().createObjectNode();
        p.put("name", name);
        p.put("kind", kind);
        p.put("records", records);
        double seconds = (committedEnd - t0) / 1e9;
        double processing = (processedEnd - t0) / 1e9;
        p.put("seconds", seconds);
        p.put("records_per_s", records / seconds);
        p.put("processing_seconds", processing);
        p.put("processing_records_per_s", records / processing);
        return p;
    }

    /** End-to-end (committed) and processing (uncommitted) latency percentiles of a phase's queries, in ms. */
    private static void latencies(ObjectNode p, StreamBenchJob.Tracker tr) {
        List<StreamBenchJob.Expected> all = tr.snapshot();
        double[] committed = new double[all.size()];
        double[] processed = new double[all.size()];
        for (int i = 0; i < all.size(); i++) {
            StreamBenchJob.Expected e = all.get(i);
            committed[i] = (e.committedNanos - e.sentNanos) / 1e6;
            processed[i] = (Math.min(e.processedNanos, e.committedNanos) - e.sentNanos) / 1e6;
        }
        p.set("latency_ms", percentiles(committed));
        p.set("processing_latency_ms", percentiles(processed));
    }

    static ObjectNode percentiles(double[] values) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        double[] v = values.clone();
        Arrays.sort(v);
        o.put("count", v.length);
        if (v.length == 0) {
            return o;
        }
        o.put("p50", rank(v, 0.50));
        o.put("p95", rank(v, 0.95));
        o.put("p99", rank(v, 0.99));
        o.put("max", v[v.length - 1]);
        o.put("mean", Arrays.stream(v).average().orElse(0));
        return o;
    }

    private static double rank(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /**
     * Time per bucket of n (e.g. 0–100, 100–200, ...) of a single-task learn phase, from the probes'
     * (n_train, time) points, linearly interpolated at the bucket edges; the first bucket starts at the
     * first input sent (so it includes the pipeline's start-up).
     */
    private static ArrayNode buckets(ObjectNode p, List<long[]> curve, long t0, int n) {
        ArrayNode out = p.arrayNode();
        int width = Math.max(10, n / 10);
        List<long[]> pts = new ArrayList<>();
        pts.add(new long[] {0, t0});
        for (long[] c : curve) {
            if (c[0] > pts.get(pts.size() - 1)[0]) {
                pts.add(c);
            }
        }
        double prev = t0;
        for (int edge = width, from = 0; from < n; from = edge, edge = Math.min(n, edge + width)) {
            double t = timeAt(pts, edge);
            if (Double.isNaN(t)) {
                break;
            }
            ObjectNode b = out.addObject();
            b.put("n_from", from);
            b.put("n_to", edge);
            b.put("seconds", (t - prev) / 1e9);
            b.put("samples_per_s", (edge - from) / ((t - prev) / 1e9));
            prev = t;
        }
        return out;
    }

    private static double timeAt(List<long[]> pts, int n) {
        for (int i = 1; i < pts.size(); i++) {
            long[] a = pts.get(i - 1);
            long[] b = pts.get(i);
            if (b[0] >= n) {
                return a[1] + (double) (n - a[0]) / (b[0] - a[0]) * (b[1] - a[1]);
            }
        }
        return Double.NaN;
    }

    private ObjectNode targets(ObjectMapper json, List<ObjectNode> learnPhases, List<ObjectNode> queryPhases,
                               List<ObjectNode> latencyPhases) {
        ObjectNode t = json.createObjectNode();
        ObjectNode l = t.putObject("learn_samples_per_s_per_slot");
        l.put("target", LEARN_TARGET);
        l.put("worst", learnPhases.stream().mapToDouble(p -> p.get("per_slot_records_per_s").asDouble()).min().orElse(0));
        l.put("worst_processing", learnPhases.stream()
                .mapToDouble(p -> p.get("processing_records_per_s").asDouble() / parallelism).min().orElse(0));
        l.put("met", l.get("worst").asDouble() >= LEARN_TARGET);
        l.put("met_processing", l.get("worst_processing").asDouble() >= LEARN_TARGET);
        ObjectNode q = t.putObject("queries_per_s");
        q.put("target", QUERY_TARGET);
        q.put("worst", queryPhases.stream().mapToDouble(p -> p.get("records_per_s").asDouble()).min().orElse(0));
        q.put("worst_processing", queryPhases.stream()
                .mapToDouble(p -> p.get("processing_records_per_s").asDouble()).min().orElse(0));
        q.put("met", q.get("worst").asDouble() >= QUERY_TARGET);
        q.put("met_processing", q.get("worst_processing").asDouble() >= QUERY_TARGET);
        ObjectNode lat = t.putObject("p99_latency_ms");
        lat.put("target", LATENCY_TARGET_MS);
        ArrayNode by = lat.putArray("by_checkpoint_interval");
        boolean any = false;
        for (ObjectNode p : latencyPhases) {
            ObjectNode o = by.addObject();
            o.put("checkpoint_interval_ms", p.get("checkpoint_interval_ms").asLong());
            double p99 = p.get("latency_ms").get("p99").asDouble();
            o.put("p99", p99);
            o.put("processing_p99", p.get("processing_latency_ms").get("p99").asDouble());
            o.put("met", p99 < LATENCY_TARGET_MS);
            any |= p99 < LATENCY_TARGET_MS;
        }
        lat.put("met_at_any_interval", any);
        return t;
    }

    private static ArrayNode scaling(ObjectMapper json, List<ObjectNode> taskPhases) {
        ArrayNode out = json.createArrayNode();
        for (ObjectNode p : taskPhases) {
            ObjectNode o = out.addObject();
            o.put("tasks", p.get("tasks").asInt());
            o.put("samples_per_task", p.get("samples_per_task").asInt());
            o.put("records_per_s", p.get("records_per_s").asDouble());
            o.put("processing_records_per_s", p.get("processing_records_per_s").asDouble());
        }
        return out;
    }

    // ------------------------------------------------------------------ profile

    /**
     * The per-sample work of the task operator, step by step, in this thread without Kafka or Flink:
     * JSON decode, Flink's serialization of the decoded event (decode → learner hop), learnOne (as the
     * job calls it), and separately its parts (network features and f0, kernel row against the stored
     * samples, Cholesky row), the state row's serialization and a RocksDB put of it (WAL off, as in
     * Flink). Mean microseconds per bucket of n; a prediction's cost at each bucket's end.
     */
    private ObjectNode profile(ObjectMapper json, Architecture a, Path paramsFile, Precision prec, NtkMode mode, int n)
            throws Exception {
        Map<String, NamedTensor> tensors = CheckpointFiles.read(paramsFile);
        FeatureKernel k = new EmpiricalNtkKernel(Networks.fromTensors(a, tensors, prec), mode);
        RecordDecoder decoder = new RecordDecoder(Topics.defaults(), DecoderLimits.defaults());
        int classes = data.classification() ? a.outputDim() : 0;
        RegressorSettings settings = JobConfig.defaults().learning.settings(classes);
        StreamBenchData profileData = new StreamBenchData(a.inputDim(), a.outputDim(), seed + 2);
        TypeSerializer<TaskEvent> serializer = TypeInformation.of(TaskEvent.class)
                .createSerializer(new SerializerConfigImpl());
        String[] steps = {"decode_json", "event_serde", "learn_one", "network_features", "kernel_row", "cholesky_row",
            "row_serialize", "rocksdb_put", "predict_one", "meta_scores"};
        JobConfig job = jobConfig(prec, mode, checkpointMs);
        int every = job.meta.every;
        io.ntkstream.meta.MetaSchedule schedule = job.meta.schedule();
        int width = Math.max(10, n / 10);
        ObjectNode out = json.createObjectNode();
        out.put("samples", n);
        out.put("note", "in-process, one thread, no Kafka/Flink; learn_one includes network_features, kernel_row "
                + "and cholesky_row (timed again separately); predict_one is measured at each bucket's end; meta_scores "
                + "(the meta grid's LOO scores, at the job's meta schedule) is amortized per sample");
        out.put("meta_every", every);
        ArrayNode rows = out.putArray("buckets");
        try (NtkRegressor warm = new NtkRegressor(k, settings)) { // JIT and native libraries first
            for (int i = 0; i < Math.min(50, n); i++) {
                TaskEvent ev = ((Decoded.Task) decoder.decode(new RawRecord(Topics.defaults().samples(), 0, i,
                        profileData.sample("warm", "w-" + i).getBytes(StandardCharsets.UTF_8)))).event();
                if (ev.label != null) {
                    warm.learnOne(ev.id, ev.x, ev.label);
                } else {
                    warm.learnOne(ev.id, ev.x, ev.y);
                }
                warm.predictOne(ev.x);
            }
        }
        Path dbDir = Files.createTempDirectory("ntkstream-bench-rocksdb-");
        RocksDB.loadLibrary();
        long rowBytes = 0;
        try (Options options = new Options().setCreateIfMissing(true);
             RocksDB db = RocksDB.open(options, dbDir.toString());
             WriteOptions wo = new WriteOptions().setDisableWAL(true);
             NtkRegressor learner = new NtkRegressor(k, settings);
             FeatureStore store = k.newStore();
             Progress bar = Progress.of("profile", n, "samples", !noProgress)) {
            IncrementalCholesky chol = new IncrementalCholesky(settings.ridge());
            double[] sums = new double[steps.length];
            DataOutputSerializer buf = new DataOutputSerializer(16 * 1024);
            DataInputDeserializer in = new DataInputDeserializer();
            int from = 0;
            for (int i = 0; i < n; i++) {
                String id = "s-" + i;
                byte[] raw = profileData.sample("profile", id).getBytes(StandardCharsets.UTF_8);
                long c0 = System.nanoTime();
                Decoded d = decoder.decode(new RawRecord(Topics.defaults().samples(), 0, i, raw));
                TaskEvent ev = ((Decoded.Task) d).event();
                long c1 = System.nanoTime();
                buf.clear();
                serializer.serialize(ev, buf);
                in.setBuffer(buf.getSharedBuffer(), 0, buf.length());
                TaskEvent copy = serializer.deserialize(in);
                long c2 = System.nanoTime();
                if (copy.label != null) {
                    learner.learnOne(id, copy.x, copy.label);
                } else {
                    learner.learnOne(id, copy.x, copy.y);
                }
                long c3 = System.nanoTime();
                long c4;
                long c5;
                long c6;
                try (Matrix m = Matrix.fromColumnMajor(Precision.FLOAT64, copy.x.length, 1, copy.x);
                     KernelFeatures f = k.featurize(m); Matrix f0 = k.f0(m)) {
                    c4 = System.nanoTime();
                    double[] row = k.cross(f, store);
                    double self = k.selfDiagonal(f)[0];
                    c5 = System.nanoTime();
                    chol.add(row, self);
                    c6 = System.nanoTime();
                    store.append(f, 0);
                }
                long c7 = System.nanoTime();
                byte[] bytes = learner.state().record(i).toBytes();
                long c8 = System.nanoTime();
                db.put(wo, intKey(i), bytes);
                long c9 = System.nanoTime();
                rowBytes += bytes.length;
                if (schedule.isDue(i + 1)) { // as the job does after learning
                    long m0 = System.nanoTime();
                    new MetaLearner().evaluate(learner.state());
                    sums[9] += System.nanoTime() - m0;
                }
                long[] t = {c1 - c0, c2 - c1, c3 - c2, c4 - c3, c5 - c4, c6 - c5, c8 - c7, c9 - c8};
                for (int s = 0; s < t.length; s++) {
                    sums[s] += t[s];
                }
                bar.listener().accept(i + 1);
                if (i + 1 == Math.min(n, from + width)) {
                    int count = i + 1 - from;
                    double[] x = ev.x;
                    long p0 = System.nanoTime();
                    int predictions = 20;
                    for (int r = 0; r < predictions; r++) {
                        learner.predictOne(x);
                    }
                    sums[8] = (System.nanoTime() - p0) * (double) count / predictions; // reported as a per-call mean
                    ObjectNode b = rows.addObject();
                    b.put("n_from", from);
                    b.put("n_to", i + 1);
                    double learnPath = 0;
                    for (int s = 0; s < steps.length; s++) {
                        double us = sums[s] / count / 1e3;
                        b.put(steps[s] + "_us", us);
                        if (s == 0 || s == 1 || s == 2 || s == 6 || s == 7 || s == 9) {
                            learnPath += us;
                        }
                    }
                    b.put("per_sample_us", learnPath);
                    b.put("samples_per_s", 1e6 / learnPath);
                    Arrays.fill(sums, 0);
                    from = i + 1;
                }
            }
            out.put("state_row_bytes_mean", (double) rowBytes / n);
            out.put("state_row_bytes_last", learner.state().record(n - 1).toBytes().length);
            out.put("feature_values_per_sample", store.valuesPerSample());
            out.put("per_sample_note", "per_sample_us = decode_json + event_serde + learn_one + row_serialize + "
                    + "rocksdb_put + meta_scores: the operator's own work per sample, without Kafka, Flink's runtime or "
                    + "checkpoints");
        } finally {
            deleteRecursively(dbDir);
        }
        return out;
    }

    private static byte[] intKey(int i) {
        return new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
    }

    // ------------------------------------------------------------------ helpers

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    private static Thread thread(String name, AtomicReference<Throwable> failure, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    private static void rethrow(AtomicReference<Throwable> failure) {
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    static List<int[]> parseLearn(List<String> specs) {
        List<int[]> out = new ArrayList<>();
        for (String s : specs) {
            String[] parts = s.trim().toLowerCase(Locale.ROOT).split("x");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                int t = Integer.parseInt(parts[0]);
                int n = Integer.parseInt(parts[1]);
                if (t < 1 || n < 1) {
                    throw new NumberFormatException();
                }
                out.add(new int[] {t, n});
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--learn: expected TASKSxSAMPLES with positive numbers (e.g. 10x200),"
                        + " got '" + s + "'");
            }
        }
        return out;
    }

    static Architecture widths(String spec) {
        String[] parts = spec.split(",");
        if (parts.length < 2) {
            throw new IllegalArgumentException("--arch-widths: expected input,hidden...,output (e.g. 784,512,512,10), got '"
                    + spec + "'");
        }
        int[] w = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                w[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                w[i] = -1;
            }
            if (w[i] < 1) {
                throw new IllegalArgumentException("--arch-widths: '" + parts[i] + "' is not a positive width");
            }
        }
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 1; i < w.length; i++) {
            layers.add(new LayerSpec.Dense(w[i], true));
            if (i < w.length - 1) {
                layers.add(new LayerSpec.Elementwise(Activation.RELU));
            }
        }
        return new Architecture(w[0], Parametrization.NTK, 1.0, 0.1, layers);
    }

    private static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return new double[0];
        }
    }

    private static void deleteRecursively(Path dir) {
        org.apache.flink.util.FileUtils.deleteDirectoryQuietly(dir.toFile()); // quietly: a temp dir
    }
}
