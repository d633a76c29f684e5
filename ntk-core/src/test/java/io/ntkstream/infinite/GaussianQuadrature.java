package io.ntkstream.infinite;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;

/**
 * Test-only numerical references for bivariate Gaussian expectations E[g(u, v)],
 * (u, v) ~ N(0, [[k11, k12], [k12, k22]]), independent of the closed forms under test.
 */
final class GaussianQuadrature {

    private static final GaussIntegratorFactory FACTORY = new GaussIntegratorFactory();

    private GaussianQuadrature() {
    }

    /**
     * Tensor-product Gauss–Hermite rule with n×n nodes. With Σ = L·Lᵀ (2×2 Cholesky) and
     * z ~ N(0, I), (u, v) = L·z; ∫ g e^{−t²} dt rules give E[g] = (1/π)·Σ_ij w_i w_j g(L·√2·(t_i, t_j)).
     * Exact for polynomials of degree &lt; 2n in each variable; converges geometrically for smooth g
     * and only algebraically for g with kinks or jumps.
     */
    static double hermite2d(int n, double k11, double k12, double k22, DoubleBinaryOperator g) {
        GaussIntegrator rule = FACTORY.hermite(n);
        double[] t = new double[n];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = Math.sqrt(2.0) * rule.getPoint(i);
            w[i] = rule.getWeight(i);
        }
        double[] l = cholesky(k11, k12, k22);
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            double inner = 0.0;
            for (int j = 0; j < n; j++) {
                double u = l[0] * t[i];
                double v = l[1] * t[i] + l[2] * t[j];
                inner += w[j] * g.applyAsDouble(u, v);
            }
            sum += w[i] * inner;
        }
        return sum / Math.PI;
    }

    /** {l11, l21, l22} with [[l11, 0], [l21, l22]]·[[l11, l21], [0, l22]] = Σ; needs k11 &gt; 0. */
    static double[] cholesky(double k11, double k12, double k22) {
        double l11 = Math.sqrt(k11);
        double l21 = k12 / l11;
        double l22 = Math.sqrt(Math.max(0.0, k22 - l21 * l21));
        return new double[] {l11, l21, l22};
    }

    /**
     * E[relu(u)·relu(v)] by a 1-D integral over the angle. Writing z = r·(cos α, sin α),
     * u = a·z, v = b·z (rows of the Cholesky factor), relu(u)relu(v) = r²·h(α) with
     * h(α) = relu(a·e_α)·relu(b·e_α); the N(0, I) density is (1/2π)e^{−r²/2} r dr dα and
     * ∫₀^∞ r³ e^{−r²/2} dr = 2, so E = (1/π)·∫₀^{2π} h(α) dα. h is a trigonometric polynomial
     * between the zeros of a·e_α and b·e_α, so Gauss–Legendre on each piece is exact to rounding.
     */
    static double reluAngular(double k11, double k12, double k22) {
        double[] l = cholesky(k11, k12, k22);
        double a1 = l[0], a2 = 0.0, b1 = l[1], b2 = l[2];
        DoubleUnaryOperator h = alpha -> {
            double c = Math.cos(alpha), s = Math.sin(alpha);
            return Math.max(0.0, a1 * c + a2 * s) * Math.max(0.0, b1 * c + b2 * s);
        };
        return integratePiecewise(h, breakpoints(a1, a2, b1, b2), 24) / Math.PI;
    }

    /**
     * E[step(u)·step(v)] (the ReLU derivative, step(t) = 1 for t &gt; 0) by the same angular
     * decomposition: the radial factor integrates to 1, so E = (1/2π)·|{α : a·e_α &gt; 0, b·e_α &gt; 0}|,
     * the measure being summed over the pieces between breakpoints.
     */
    static double stepAngular(double k11, double k12, double k22) {
        double[] l = cholesky(k11, k12, k22);
        double a1 = l[0], a2 = 0.0, b1 = l[1], b2 = l[2];
        DoubleUnaryOperator h = alpha -> {
            double c = Math.cos(alpha), s = Math.sin(alpha);
            return (a1 * c + a2 * s > 0 && b1 * c + b2 * s > 0) ? 1.0 : 0.0;
        };
        return integratePiecewise(h, breakpoints(a1, a2, b1, b2), 4) / (2.0 * Math.PI);
    }

    /** 0, 2π and the zeros in [0, 2π) of a·e_α and b·e_α, sorted. */
    private static double[] breakpoints(double a1, double a2, double b1, double b2) {
        double twoPi = 2.0 * Math.PI;
        double pa = Math.atan2(a2, a1);
        double pb = Math.atan2(b2, b1);
        double[] pts = {0.0, twoPi,
                mod(pa + Math.PI / 2, twoPi), mod(pa - Math.PI / 2, twoPi),
                mod(pb + Math.PI / 2, twoPi), mod(pb - Math.PI / 2, twoPi)};
        Arrays.sort(pts);
        return pts;
    }

    private static double integratePiecewise(DoubleUnaryOperator h, double[] pts, int nodes) {
        double total = 0.0;
        for (int k = 0; k + 1 < pts.length; k++) {
            double lo = pts[k], hi = pts[k + 1];
            if (hi - lo < 1e-300) {
                continue;
            }
            GaussIntegrator rule = FACTORY.legendre(nodes, lo, hi);
            total += rule.integrate(h::applyAsDouble);
        }
        return total;
    }

    private static double mod(double x, double m) {
        double r = x % m;
        return r < 0 ? r + m : r;
    }
}
