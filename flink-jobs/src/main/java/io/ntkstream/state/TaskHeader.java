package io.ntkstream.state;

/**
 * A task's small per-key record (one ValueState): which model version its rows were computed
 * with, how many rows it has, whether it classifies, and counters. A Flink POJO.
 */
public class TaskHeader {
    /** Not yet known: no labeled sample seen. */
    public static final int CLASSES_UNKNOWN = -1;

    /** The model version the stored rows belong to (−1 = none yet). */
    public long modelVersion = -1;
    /** Number of stored sample rows (row keys 0..n−1). */
    public int n;
    /** 0 = regression, C = classification into C classes, −1 = unknown yet. */
    public int classes = CLASSES_UNKNOWN;
    /** Next pool sequence number (the pool is kept in arrival order). */
    public long poolSeq;
    /** Labels learned since the last automatic pick. */
    public int labelsSincePick;
    /** The task's ridge λ, fixed when it starts (NaN = not started: the configured or meta-learned one applies). */
    public double ridge = Double.NaN;
    /** The task's gradient-flow time η·t (+∞ = the ridge solution). */
    public double flowTime = Double.POSITIVE_INFINITY;

    public TaskHeader() {
    }
}
