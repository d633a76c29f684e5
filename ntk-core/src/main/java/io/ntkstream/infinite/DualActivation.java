package io.ntkstream.infinite;

/**
 * Gaussian expectations of activations ("dual activations"): for (u, v) ~ N(0, [[k11, k12], [k12, k22]])
 * the pair E[φ(u)φ(v)] and E[φ'(u)φ'(v)].
 *
 * <ul>
 *   <li>ReLU (arc-cosine kernels of degree 1 and 0, Cho &amp; Saul 2009), with c = cos θ =
 *       k12/√(k11·k22) clamped to [−1, 1]:
 *       E[φφ] = √(k11·k22)/(2π)·(sin θ + (π − θ)·cos θ), E[φ'φ'] = (π − θ)/(2π).
 *       If k11·k22 = 0 one of u, v is almost surely 0; then E[φφ] = 0 and, with φ'(0) = 0,
 *       E[φ'φ'] = 0.</li>
 *   <li>Erf (Williams 1997): E[erf(u)erf(v)] = (2/π)·arcsin(2·k12/√((1+2k11)(1+2k22))) with the
 *       argument clamped to [−1, 1]; since erf'(x) = (2/√π)·e^{−x²},
 *       E[erf'(u)erf'(v)] = (4/π)·E[e^{−u²−v²}] = (4/π)·det(I + 2Σ)^{−1/2}
 *       = (4/π)·((1+2k11)(1+2k22) − 4k12²)^{−1/2}.</li>
 *   <li>Identity: E[uv] = k12, E[1·1] = 1.</li>
 * </ul>
 */
final class DualActivation {

    private static final double INV_TWO_PI = 1.0 / (2.0 * Math.PI);
    private static final double TWO_OVER_PI = 2.0 / Math.PI;
    private static final double FOUR_OVER_PI = 4.0 / Math.PI;

    private DualActivation() {
    }

    /**
     * Writes out[0] = E[φ(u)φ(v)] and, if {@code withDerivative}, out[1] = E[φ'(u)φ'(v)].
     * Arguments must satisfy k11, k22 ≥ 0 (k12 is clamped through the cosine).
     */
    static void expectations(Nonlinearity f, double k11, double k12, double k22,
                             boolean withDerivative, double[] out) {
        switch (f) {
            case RELU -> {
                double s = Math.sqrt(k11 * k22);
                if (!(s > 0)) {
                    out[0] = 0.0;
                    if (withDerivative) {
                        out[1] = 0.0;
                    }
                    return;
                }
                double c = clamp(k12 / s);
                double theta = Math.acos(c);
                double sin = Math.sqrt(Math.max(0.0, 1.0 - c * c));
                out[0] = s * INV_TWO_PI * (sin + (Math.PI - theta) * c);
                if (withDerivative) {
                    out[1] = (Math.PI - theta) * INV_TWO_PI;
                }
            }
            case ERF -> {
                double a = 1.0 + 2.0 * k11;
                double b = 1.0 + 2.0 * k22;
                out[0] = TWO_OVER_PI * Math.asin(clamp(2.0 * k12 / Math.sqrt(a * b)));
                if (withDerivative) {
                    // det(I + 2Σ) ≥ 1 + 2k11 + 2k22 > 0 for any PSD Σ; guard rounding anyway.
                    double det = Math.max(a * b - 4.0 * k12 * k12, Math.ulp(1.0));
                    out[1] = FOUR_OVER_PI / Math.sqrt(det);
                }
            }
            case IDENTITY -> {
                out[0] = k12;
                if (withDerivative) {
                    out[1] = 1.0;
                }
            }
            default -> throw new AssertionError(f);
        }
    }

    /** E[φ(u)φ(v)] for (u, v) ~ N(0, [[k11, k12], [k12, k22]]). */
    static double phiPhi(Nonlinearity f, double k11, double k12, double k22) {
        double[] out = new double[2];
        expectations(f, k11, k12, k22, false, out);
        return out[0];
    }

    /** E[φ'(u)φ'(v)] for (u, v) ~ N(0, [[k11, k12], [k12, k22]]). */
    static double dphiDphi(Nonlinearity f, double k11, double k12, double k22) {
        double[] out = new double[2];
        expectations(f, k11, k12, k22, true, out);
        return out[1];
    }

    private static double clamp(double c) {
        return c > 1.0 ? 1.0 : (c < -1.0 ? -1.0 : c);
    }
}
