package io.ntkstream.active;

import java.util.Locale;

/** How a look-ahead utility summarizes ‖Δf(u)‖ over the pool's u. */
public enum Aggregation {
    /** max over u (MLMOC, Mohamadi–Bae–Sutherland 2022): the largest change anywhere. */
    MAX,
    /** mean over u: the average change, favouring candidates that move many pool points. */
    MEAN;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
