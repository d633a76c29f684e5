package io.ntkstream.kafka;

/**
 * The meta-learned adaptation hyper-parameters for one model version (a {@code "kind":"global"}
 * record of the meta topic, fed back into the job): ridge λ and the gradient-flow time η·t
 * ({@code Double.POSITIVE_INFINITY} = t = ∞, the ridge solution), aggregated over {@code tasks}
 * tasks. New tasks start from them. A Flink POJO.
 */
public class HyperEvent {
    public long modelVersion;
    public double ridge;
    public double flowTime = Double.POSITIVE_INFINITY;
    public int tasks;

    public HyperEvent() {
    }

    public HyperEvent(long modelVersion, double ridge, double flowTime, int tasks) {
        this.modelVersion = modelVersion;
        this.ridge = ridge;
        this.flowTime = flowTime;
        this.tasks = tasks;
    }

    @Override
    public String toString() {
        return "hyper-parameters for model v" + modelVersion + ": ridge " + ridge + ", flow time " + flowTime
                + " (" + tasks + " tasks)";
    }
}
