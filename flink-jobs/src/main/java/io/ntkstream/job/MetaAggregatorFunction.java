package io.ntkstream.job;

import io.ntkstream.kafka.OutputFormats;
import io.ntkstream.kafka.OutputRecord;
import io.ntkstream.meta.HyperParameters;
import io.ntkstream.meta.MetaLearner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The meta aggregator (keyed by model version: a checkpoint's grid is in its kernel's units). It
 * keeps every task's latest leave-one-out scores of the meta grid and their sum, so the mean over
 * tasks — an estimate of the error a new task would get at each grid point — updates in O(grid)
 * per record. When the arg-min changes it emits a {@code "kind":"global"} record to the meta topic,
 * which the job reads back and broadcasts: new tasks start from it.
 */
public class MetaAggregatorFunction extends KeyedProcessFunction<Long, TaskScores, OutputRecord> {
    private static final long serialVersionUID = 1L;

    private final String metaTopic;
    private transient List<HyperParameters> grid;
    private transient MapState<String, double[]> latest;
    private transient ValueState<double[]> sums;
    private transient ValueState<Integer> chosen;

    public MetaAggregatorFunction(String metaTopic) {
        this.metaTopic = metaTopic;
    }

    @Override
    public void open(OpenContext openContext) {
        grid = MetaLearner.defaultGrid();
        latest = getRuntimeContext().getMapState(new MapStateDescriptor<>("latest-scores", String.class,
                double[].class));
        sums = getRuntimeContext().getState(new ValueStateDescriptor<>("score-sums", double[].class));
        chosen = getRuntimeContext().getState(new ValueStateDescriptor<>("chosen", Integer.class));
    }

    @Override
    public void processElement(TaskScores s, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (s.scores.length != grid.size()) {
            throw new IllegalStateException("task " + s.task + " scored " + s.scores.length + " grid points, the grid has "
                    + grid.size());
        }
        double[] sum = sums.value() == null ? new double[grid.size()] : sums.value();
        double[] old = latest.get(s.task);
        for (int g = 0; g < sum.length; g++) {
            sum[g] += s.scores[g] - (old == null ? 0 : old[g]);
        }
        latest.put(s.task, s.scores.clone());
        sums.update(sum);
        int tasks = 0;
        for (String ignored : latest.keys()) {
            tasks++;
        }
        int best = MetaLearner.argMin(sum);
        Integer previous = chosen.value();
        if (previous == null || previous != best) {
            chosen.update(best);
            HyperParameters hp = grid.get(best);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "global");
            m.put("model_version", s.modelVersion);
            m.put("ridge", hp.ridge());
            m.put("flow_time", hp.isRidge() ? null : hp.time().flowTime());
            m.put("tasks", tasks);
            m.put("mean_score", sum[best] / tasks);
            out.collect(new OutputRecord(metaTopic, "global", OutputFormats.json(m)));
        }
    }

}
