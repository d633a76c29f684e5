package io.ntkstream.state;

import io.ntkstream.kernel.NtkRegressor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bounded heap cache of hot tasks' learners (least recently used evicted and closed). It is
 * only a cache: RocksDB keyed state is the truth, and a learner missing here (after eviction, a
 * restore or a new model version) is rebuilt from the stored rows.
 */
public final class LearnerCache implements AutoCloseable {
    /** A cached learner and what it was built from, to check it is still current. */
    public record Entry(long modelVersion, NtkRegressor learner) {
    }

    private final LinkedHashMap<String, Entry> entries;

    public LearnerCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity: expected >= 1, got " + capacity);
        }
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                if (size() > capacity) {
                    eldest.getValue().learner().close();
                    return true;
                }
                return false;
            }
        };
    }

    /** The task's learner if cached for this model version and row count, else null (a stale one is closed). */
    public NtkRegressor get(String task, long modelVersion, int n) {
        Entry e = entries.get(task);
        if (e == null) {
            return null;
        }
        if (e.modelVersion() == modelVersion && e.learner().size() == n) {
            return e.learner();
        }
        invalidate(task);
        return null;
    }

    public void put(String task, long modelVersion, NtkRegressor learner) {
        Entry old = entries.put(task, new Entry(modelVersion, learner));
        if (old != null && old.learner() != learner) {
            old.learner().close();
        }
    }

    public void invalidate(String task) {
        Entry e = entries.remove(task);
        if (e != null) {
            e.learner().close();
        }
    }

    public int size() {
        return entries.size();
    }

    @Override
    public void close() {
        entries.values().forEach(e -> e.learner().close());
        entries.clear();
    }
}
