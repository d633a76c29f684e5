package io.ntkstream.kafka;

/** What a decoded input record asks a task to do. */
public enum EventKind {
    /** A labeled sample (topic samples): learn it; if its id is in the pool, remove it there. */
    SAMPLE,
    /** An unlabeled candidate (topic pool). */
    POOL_ADD,
    /** Withdraw a pool candidate (topic pool, {@code "remove": true}). */
    POOL_REMOVE,
    /** A prediction request (topic queries). */
    QUERY,
    /** A pick request (topic control). */
    PICK
}
