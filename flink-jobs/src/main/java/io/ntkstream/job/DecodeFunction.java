package io.ntkstream.job;

import io.ntkstream.kafka.DeadLetter;
import io.ntkstream.kafka.Decoded;
import io.ntkstream.kafka.BroadcastEvent;
import io.ntkstream.kafka.RawRecord;
import io.ntkstream.kafka.RecordDecoder;
import io.ntkstream.kafka.TaskEvent;
import org.apache.flink.metrics.Counter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes and validates raw Kafka records: task events on the main output; models and
 * meta-learned hyper-parameters (to be broadcast) and dead letters on side outputs; per-task meta
 * records are ignored. Never throws on bad input.
 */
public class DecodeFunction extends ProcessFunction<RawRecord, TaskEvent> {
    private static final long serialVersionUID = 1L;
    /** Models and meta-learned hyper-parameters, for the broadcast side. */
    public static final OutputTag<BroadcastEvent> BROADCAST = new OutputTag<>("broadcast") { };
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") { };

    private final RecordDecoder decoder;
    private transient Counter deadLetters;

    public DecodeFunction(RecordDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public void open(OpenContext openContext) {
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<TaskEvent> out) {
        Decoded d = decoder.decode(record);
        if (d instanceof Decoded.Task t) {
            out.collect(t.event());
        } else if (d instanceof Decoded.Model m) {
            ctx.output(BROADCAST, BroadcastEvent.of(m.event()));
        } else if (d instanceof Decoded.Hyper h) {
            ctx.output(BROADCAST, BroadcastEvent.of(h.event()));
        } else if (d instanceof Decoded.Bad b) {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, b.deadLetter());
        }
    }
}
