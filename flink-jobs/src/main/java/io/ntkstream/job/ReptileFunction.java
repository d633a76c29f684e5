package io.ntkstream.job;

import io.ntkstream.checkpoint.ModelLoader;
import io.ntkstream.data.DType;
import io.ntkstream.kafka.ModelEvent;
import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.OutputRecord;
import io.ntkstream.linalg.Precision;
import io.ntkstream.meta.CheckpointUpdate;
import io.ntkstream.meta.Reptile;
import io.ntkstream.network.Network;
import io.ntkstream.network.checkpoint.Safetensors;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The first-order meta-update of the checkpoint (Reptile with the inner loop in closed form;
 * {@link Reptile}), keyed by model version: it keeps each task's latest displacement Δθ and, once
 * {@code tasks-per-update} distinct tasks reported, writes θ' = θ0 + ε·mean(Δθ) as
 * {@code model-v<version+1>.safetensors} under {@code meta.reptile.checkpoint-dir} (any Flink
 * file system) and publishes it on the models topic — the job reads it back like any new version,
 * and tasks rebuild their kernels under it. One update per version.
 */
public class ReptileFunction extends KeyedProcessFunction<Long, TaskDisplacement, OutputRecord> {
    private static final long serialVersionUID = 1L;

    private final JobConfig.Reptile settings;
    private final String modelsTopic;
    private final String metaTopic;
    private transient MapState<String, double[]> pending;
    private transient ValueState<Boolean> published;

    public ReptileFunction(JobConfig.Reptile settings, String modelsTopic, String metaTopic) {
        this.settings = settings;
        this.modelsTopic = modelsTopic;
        this.metaTopic = metaTopic;
    }

    @Override
    public void open(OpenContext openContext) {
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("displacements", String.class,
                double[].class));
        published = getRuntimeContext().getState(new ValueStateDescriptor<>("published", Boolean.class));
    }

    @Override
    public void processElement(TaskDisplacement d, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (Boolean.TRUE.equals(published.value())) {
            return; // this version has had its update; tasks move to the next one
        }
        pending.put(d.task, d.delta);
        List<double[]> deltas = new ArrayList<>();
        for (double[] v : pending.values()) {
            deltas.add(v);
        }
        if (deltas.size() < settings.tasksPerUpdate) {
            return;
        }
        Network base = ModelLoader.load(new ModelEvent(d.modelVersion, d.arch, d.paramsUri), Precision.FLOAT64)
                .network();
        Reptile reptile = new Reptile(base, d.modelVersion, settings.stepSize);
        deltas.forEach(reptile::accumulate);
        CheckpointUpdate update = reptile.step();
        String uri = write(update);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("version", update.version());
        model.put("arch", new com.fasterxml.jackson.databind.ObjectMapper().readTree(d.arch));
        model.put("params_uri", uri);
        out.collect(new OutputRecord(modelsTopic, null, OutputFormats.json(model)));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("kind", "checkpoint");
        meta.put("model_version", update.version());
        meta.put("from_version", d.modelVersion);
        meta.put("tasks", deltas.size());
        meta.put("step_size", settings.stepSize);
        meta.put("params_uri", uri);
        out.collect(new OutputRecord(metaTopic, "checkpoint", OutputFormats.json(meta)));
        published.update(true);
        pending.clear();
    }

    /** Writes the new version's tensors (float64 safetensors) through Flink's FileSystem; returns its URI. */
    private String write(CheckpointUpdate update) throws Exception {
        java.nio.file.Path local = Files.createTempFile("ntkstream-reptile-", ".safetensors");
        try {
            Safetensors.write(local, update.tensors(), DType.FLOAT64);
            Path target = new Path(settings.checkpointDir, "model-v" + update.version() + ".safetensors");
            FileSystem fs = target.getFileSystem();
            fs.mkdirs(target.getParent());
            try (OutputStream os = fs.create(target, FileSystem.WriteMode.OVERWRITE)) {
                Files.copy(local, os); // same content on a replay after a failure: overwriting is idempotent
            }
            return target.toUri().toString();
        } finally {
            Files.deleteIfExists(local);
        }
    }
}
