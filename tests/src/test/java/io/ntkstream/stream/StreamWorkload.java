package io.ntkstream.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ntkstream.data.DType;
import io.ntkstream.network.Activation;
import io.ntkstream.network.Architecture;
import io.ntkstream.network.Networks;
import io.ntkstream.network.Parametrization;
import io.ntkstream.network.checkpoint.CheckpointFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded streaming workload: one checkpoint, several tasks (classification and regression),
 * each with a pool, labeled samples (the first ones answer pool candidates), queries and pick
 * requests — as the JSON records the job reads, and as the data the batch reference needs.
 */
final class StreamWorkload {
    static final int D = 4;
    static final int O = 3;
    static final Architecture ARCH = Architecture.mlp(D, 48, 2, O, Activation.RELU, Parametrization.NTK, 1.4, 0.1);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One record to produce: topic, key (the task) and JSON value. */
    record Message(String topic, String key, String value) {
    }

    record Sample(String id, double[] x, double[] y, Integer label) {
    }

    record PoolItem(String id, double[] x) {
    }

    record PickRequest(String id, int count, String strategy) {
    }

    /** One task's data, in the order it is produced. */
    static final class Task {
        final String name;
        final boolean classification;
        final List<PoolItem> pool = new ArrayList<>();
        final List<Sample> samples = new ArrayList<>();
        final Map<String, double[]> queries = new LinkedHashMap<>();
        final List<PickRequest> picks = new ArrayList<>();
        /** Phase-2 messages of this task, in order. */
        final List<Message> stream = new ArrayList<>();

        Task(String name, boolean classification) {
            this.name = name;
            this.classification = classification;
        }
    }

    final Architecture arch;
    /** Features per input (the network's input_dim: C·H·W for a convolutional one). */
    final int d;
    final String modelUri;
    final List<Task> tasks = new ArrayList<>();

    private StreamWorkload(Architecture arch, String modelUri) {
        this.arch = arch;
        this.d = arch.inputDim();
        this.modelUri = modelUri;
    }

    /**
     * {@code tasks} tasks (every third one regression), each with {@code poolSize} candidates and
     * {@code samples} labeled samples; a query every 5 samples and a pick request every 30.
     */
    static StreamWorkload generate(Path dir, int tasks, int poolSize, int samples, long seed) {
        return generate(dir, ARCH, tasks, poolSize, samples, seed);
    }

    /**
     * The same on network {@code arch} (any architecture with {@link #O} outputs; inputs are flat
     * vectors of its input_dim numbers, C·H·W for an image network), its checkpoint float32
     * safetensors with random weights from {@code seed}.
     */
    static StreamWorkload generate(Path dir, Architecture arch, int tasks, int poolSize, int samples, long seed) {
        if (arch.outputDim() != O) {
            throw new IllegalArgumentException("the workload's targets have " + O + " outputs, the network "
                    + arch.outputDim());
        }
        Path params = dir.resolve("model-v1.safetensors");
        CheckpointFiles.write(params, Networks.randomTensors(arch, seed), DType.FLOAT32);
        StreamWorkload w = new StreamWorkload(arch, params.toUri().toString());
        int d = w.d;
        // the score's spread does not grow with d (at d = 4 it is the plain dot product)
        double norm = Math.sqrt(d / 4.0);
        SplittableRandom r = new SplittableRandom(seed);
        for (int t = 0; t < tasks; t++) {
            Task task = new Task("task-" + t, t % 3 != 2);
            double[] w0 = gaussian(r, d);
            for (int i = 0; i < poolSize; i++) {
                task.pool.add(new PoolItem("u-" + i, gaussian(r, d)));
            }
            for (int i = 0; i < samples; i++) {
                boolean answersPool = i < poolSize / 2;
                String id = answersPool ? "u-" + (2 * i) : "s-" + i;
                double[] x = answersPool ? task.pool.get(2 * i).x() : gaussian(r, d);
                double score = dot(w0, x) / norm;
                Sample s = task.classification
                        ? new Sample(id, x, null, score < -0.5 ? 0 : score < 0.5 ? 1 : 2)
                        : new Sample(id, x, new double[] {Math.sin(score), x[0] * x[1], score}, null);
                task.samples.add(s);
                task.stream.add(new Message("ntk.samples", task.name, sampleJson(task.name, s)));
                if (i % 5 == 4) {
                    String q = "q-" + i;
                    double[] qx = gaussian(r, d);
                    task.queries.put(q, qx);
                    task.stream.add(new Message("ntk.queries", task.name, json(Map.of("task", task.name, "id", q, "x", qx))));
                }
                if (i % 30 == 29) {
                    // mid-stream picks: "variance" works at any n (a look-ahead needs the task's kind, known
                    // only after its first label, and the control topic may be read ahead of the samples)
                    PickRequest p = new PickRequest("p-" + i, 3, "variance");
                    task.picks.add(p);
                    task.stream.add(new Message("ntk.control", task.name, json(Map.of("task", task.name, "id", p.id(),
                            "pick", p.count(), "strategy", p.strategy()))));
                }
            }
            w.tasks.add(task);
        }
        return w;
    }

    String modelJson() {
        try {
            return json(Map.of("version", 1, "arch", JSON.readTree(arch.toJson()), "params_uri", modelUri));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Phase 1: every task's pool. */
    List<Message> poolMessages() {
        List<Message> out = new ArrayList<>();
        for (Task t : tasks) {
            for (PoolItem p : t.pool) {
                out.add(new Message("ntk.pool", t.name, json(Map.of("task", t.name, "id", p.id(), "x", p.x()))));
            }
        }
        return out;
    }

    /**
     * A barrier pick request ("start-k"): its answer's pool_size shows whether the task's whole pool
     * is in (the pool and control topics are read independently, so only an answer can tell).
     */
    static Message barrierPick(String task, int k) {
        return new Message("ntk.control", task, json(Map.of("task", task, "id", "start-" + k, "pick", 1,
                "strategy", "variance")));
    }

    /** Phase 2: the tasks' streams, interleaved round robin. */
    List<Message> streamMessages() {
        List<Message> out = new ArrayList<>();
        int longest = tasks.stream().mapToInt(t -> t.stream.size()).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            for (Task t : tasks) {
                if (i < t.stream.size()) {
                    out.add(t.stream.get(i));
                }
            }
        }
        return out;
    }

    int queryCount() {
        return tasks.stream().mapToInt(t -> t.queries.size()).sum();
    }

    /** A barrier query ("barrier-k"): its answer's n_train shows how many samples the task has learned. */
    Message barrierQuery(String task, int k) {
        return new Message("ntk.queries", task, json(Map.of("task", task, "id", "barrier-" + k, "x", new double[d])));
    }

    /** Pick outputs expected (barrier picks not counted; after {@link #finalPicks()}, those included). */
    int pickCount() {
        return tasks.stream().mapToInt(t -> t.picks.size()).sum();
    }

    /**
     * Phase 3, once every sample is learned: a look-ahead pick for classification tasks (MLMOC), a
     * variance pick for regression ones.
     */
    List<Message> finalPicks() {
        List<Message> out = new ArrayList<>();
        for (Task t : tasks) {
            PickRequest p = new PickRequest("final", 4, t.classification ? "lookahead" : "variance");
            t.picks.add(p);
            out.add(new Message("ntk.control", t.name, json(Map.of("task", t.name, "id", p.id(), "pick", p.count(),
                    "strategy", p.strategy()))));
        }
        return out;
    }

    Task task(String name) {
        return tasks.stream().filter(t -> t.name.equals(name)).findFirst().orElseThrow();
    }

    static String sampleJson(String task, Sample s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("id", s.id());
        m.put("x", s.x());
        if (s.label() != null) {
            m.put("label", s.label());
        } else {
            m.put("y", s.y());
        }
        return json(m);
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double[] gaussian(SplittableRandom r, int d) {
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
        }
        return v;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
