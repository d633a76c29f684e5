package io.ntkstream.kafka;

/**
 * What is broadcast to every task instance: a new model version or new meta-learned
 * hyper-parameters (exactly one of the two is set). A Flink POJO.
 */
public class BroadcastEvent {
    public ModelEvent model;
    public HyperEvent hyper;

    public BroadcastEvent() {
    }

    public static BroadcastEvent of(ModelEvent model) {
        BroadcastEvent e = new BroadcastEvent();
        e.model = model;
        return e;
    }

    public static BroadcastEvent of(HyperEvent hyper) {
        BroadcastEvent e = new BroadcastEvent();
        e.hyper = hyper;
        return e;
    }

    @Override
    public String toString() {
        return model != null ? model.toString() : String.valueOf(hyper);
    }
}
