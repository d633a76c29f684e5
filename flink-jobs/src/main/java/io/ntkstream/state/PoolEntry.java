package io.ntkstream.state;

/** An unlabeled pool candidate as stored (MapState id → entry): its arrival number and input. A Flink POJO. */
public class PoolEntry {
    public long seq;
    public double[] x;

    public PoolEntry() {
    }

    public PoolEntry(long seq, double[] x) {
        this.seq = seq;
        this.x = x;
    }
}
