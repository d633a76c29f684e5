package io.ntkstream.state;

import io.ntkstream.kafka.TaskEvent;
import io.ntkstream.kernel.SampleRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * A task's keyed state, row-wise so that a RocksDB incremental checkpoint writes only what changed:
 * <ul>
 *   <li>{@code header} (ValueState): model version, row count, task kind, counters;</li>
 *   <li>{@code rows} (MapState row index → bytes of a {@link SampleRecord}: id, raw x, target, f0,
 *       NTK features, Gram row, Cholesky row) — adding a sample writes one entry;</li>
 *   <li>{@code pool} (MapState id → {@link PoolEntry}) — unlabeled candidates;</li>
 *   <li>{@code pending} (ListState) — records not processed yet: those that arrived before the first
 *       model, and the current micro-batch; {@code pendingCount} (ValueState) counts the batch.</li>
 * </ul>
 * All calls act on the current key (the task) of the operator.
 */
public final class TaskStateStore {
    public static final ListStateDescriptor<TaskEvent> PENDING =
            new ListStateDescriptor<>("pending", TaskEvent.class);

    private final ValueState<TaskHeader> header;
    private final MapState<Integer, byte[]> rows;
    private final MapState<String, PoolEntry> pool;
    private final ListState<TaskEvent> pending;
    private final ValueState<Integer> pendingCount;

    public TaskStateStore(RuntimeContext context) {
        this.header = context.getState(new ValueStateDescriptor<>("header", TaskHeader.class));
        this.rows = context.getMapState(new MapStateDescriptor<>("rows", Integer.class, byte[].class));
        this.pool = context.getMapState(new MapStateDescriptor<>("pool", Types.STRING, Types.POJO(PoolEntry.class)));
        this.pending = context.getListState(PENDING);
        this.pendingCount = context.getState(new ValueStateDescriptor<>("pendingCount", Types.INT));
    }

    public TaskHeader header() throws Exception {
        TaskHeader h = header.value();
        return h == null ? new TaskHeader() : h;
    }

    public void saveHeader(TaskHeader h) throws Exception {
        header.update(h);
    }

    /** Rows 0..n−1 in order. */
    public List<SampleRecord> readRows(int n) throws Exception {
        List<SampleRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = rows.get(i);
            if (b == null) {
                throw new IllegalStateException("task state is missing row " + i + " of " + n);
            }
            out.add(SampleRecord.fromBytes(b));
        }
        return out;
    }

    public void writeRow(int index, SampleRecord row) throws Exception {
        rows.put(index, row.toBytes());
    }

    /** Replaces every row (after a window eviction or a rebuild under a new model). */
    public void rewriteRows(List<SampleRecord> newRows, int oldCount) throws Exception {
        for (int i = 0; i < newRows.size(); i++) {
            writeRow(i, newRows.get(i));
        }
        for (int i = newRows.size(); i < oldCount; i++) {
            rows.remove(i);
        }
    }

    public boolean inPool(String id) throws Exception {
        return pool.contains(id);
    }

    public void addToPool(String id, PoolEntry entry) throws Exception {
        pool.put(id, entry);
    }

    public boolean removeFromPool(String id) throws Exception {
        if (!pool.contains(id)) {
            return false;
        }
        pool.remove(id);
        return true;
    }

    /** The pool in arrival order (so picks do not depend on the backend's key order). */
    public List<Map.Entry<String, PoolEntry>> poolInOrder() throws Exception {
        List<Map.Entry<String, PoolEntry>> out = new ArrayList<>();
        for (Map.Entry<String, PoolEntry> e : pool.entries()) {
            out.add(Map.entry(e.getKey(), e.getValue()));
        }
        out.sort(Comparator.comparingLong(e -> e.getValue().seq));
        return out;
    }

    /** Appends a record to the task's pending list; returns how many are pending now. */
    public int buffer(TaskEvent event) throws Exception {
        pending.add(event);
        Integer c = pendingCount.value();
        int now = (c == null ? 0 : c) + 1;
        pendingCount.update(now);
        return now;
    }

    /** The task's pending records in arrival order, removed from state. */
    public List<TaskEvent> drainPending() throws Exception {
        List<TaskEvent> out = new ArrayList<>();
        Iterable<TaskEvent> it = pending.get();
        if (it != null) {
            it.forEach(out::add);
        }
        pending.clear();
        pendingCount.clear();
        return out;
    }
}
