package io.ntkstream.active;

import java.util.List;

/**
 * What a {@link QueryStrategy} asks to label: candidate ids in the order they were picked, and
 * each pick's utility score at the moment it was picked (for a greedy batch: given the earlier
 * picks of the batch).
 */
public record Query(List<String> ids, double[] scores) {
    public Query {
        ids = List.copyOf(ids);
        scores = scores.clone();
        if (ids.size() != scores.length) {
            throw new IllegalArgumentException("query: " + ids.size() + " ids but " + scores.length + " scores");
        }
    }

    public int size() {
        return ids.size();
    }
}
