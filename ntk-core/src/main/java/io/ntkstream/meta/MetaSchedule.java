package io.ntkstream.meta;

/**
 * When a growing task scores the meta grid: every {@code every} labels while n ≤ {@code denseUntil},
 * then only at n = every·2^k. A score costs an n × n eigendecomposition (O(n³)), so scoring every
 * {@code every} labels would cost O(n²) per label amortized; at the doublings the total cost of all
 * scores up to n stays within a constant factor of the last one (Σ (n/2^j)³ ≤ 8/7·n³), O(n²) per
 * label on average, with the constant cut by the spacing. A function of n only, so a replay
 * after a restart scores at the same points.
 */
public record MetaSchedule(int every, int denseUntil) {
    public MetaSchedule {
        if (every < 0) {
            throw new IllegalArgumentException("every: expected 0 (never) or a positive number of labels, got " + every);
        }
        if (denseUntil < 0) {
            throw new IllegalArgumentException("denseUntil: expected >= 0 labels, got " + denseUntil);
        }
    }

    /** Whether a task that has just reached n labels scores the grid. */
    public boolean isDue(int n) {
        if (every == 0 || n < 2 || n % every != 0) {
            return false;
        }
        if (n <= denseUntil) {
            return true;
        }
        int multiple = n / every;
        return (multiple & (multiple - 1)) == 0; // a power of two
    }
}
