package io.ntkstream.ntk;

import java.util.Locale;

/**
 * The three algorithms of "Fast Finite Width Neural Tangent Kernel" (Novak, Sohl-Dickstein,
 * Schoenholz, ICML 2022), plus AUTO. All give the same numbers; which is fastest depends on the
 * batch sizes, outputs, widths and depth.
 */
public enum NtkMethod {
    /** Picks by the cost model in {@link CostModel}: the default, because no method wins everywhere. */
    AUTO,
    /** Materialize J(x) per block (P x N·O), contract J1ᵀJ2. Wins only for tiny networks. */
    JACOBIAN,
    /** NTK-vector products: a column of Θ from one VJP and one JVP; no Jacobian of x1 is stored. */
    NTVP,
    /** Structured derivatives: per layer, (s_w²⟨a1,a2⟩ + s_b²)·⟨δ1,δ2⟩. Wins for wide dense layers. */
    STRUCTURED;

    public static NtkMethod parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("method: expected auto, jacobian, ntvp or structured, got '" + s + "'");
        }
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
