package io.ntkstream.infinite;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.network.Architecture;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

/**
 * The CNTK of {@link InfiniteConvNet} against a brute-force reference written here from first
 * principles for one hidden convolution layer, independent of the production recursion.
 *
 * <p>Network: x (C×H×W) → conv (n channels, kh×kw, stride s, padding p; NTK parametrization
 * z_k(q) = σ_w/√(C·kh·kw)·Σ_{c,a,b} W_k[c,a,b]·x_c(q·s − p + (a,b)) + σ_b·b_k) → φ → readout → dense
 * f = σ_w/√(n·R)·Σ_{k,r} v_{k,r}·g_k(r) + σ_b·c, where g_k(r) is the readout of channel k at its r-th
 * position (R of them). As n → ∞ the z_k are i.i.d. Gaussian fields with covariance
 * Σ(q, q') = σ_w²/(C·kh·kw)·Σ_{c,a,b} x_c(q·s − p + (a,b))·x'_c(q'·s − p + (a,b)) + σ_b² — the same
 * offset (a, b) on both sides because each offset has its own weight. Then
 * <ul>
 *   <li>NNGP: E[f(x)f(x')] = σ_w²·(1/R)·Σ_r E[g(r) g'(r)] + σ_b²;</li>
 *   <li>NTK: the dense layer's gradients give the NNGP again; the conv weights and biases give
 *       σ_w²·(1/R)·Σ_r E[∂g(r)/∂z · ∂g'(r)/∂z'] contracted with Σ, i.e. for a readout g(r) = Σ_q w_r(q)·φ(z(q)):
 *       σ_w²·(1/R)·Σ_r Σ_{q,q'} w_r(q)·w_r(q')·E[φ'(z(q))φ'(z'(q'))]·Σ(q, q').</li>
 * </ul>
 * Readouts: global_avg_pool (R = 1, w(q) = 1/P), flatten (R = P, w_r(q) = [q = r]), avg_pool 2×2 then
 * flatten (w_r(q) = 1/4 on window r). The Gaussian expectations are computed by quadrature
 * ({@link GaussianQuadrature}: angular integration for relu, Gauss–Hermite for erf), not by the arc-cosine
 * / arcsine formulas.
 */
class CntkReferenceTest {
    private static final double SW = 1.3;
    private static final double SB = 0.2;

    private enum Readout { GLOBAL_AVG, FLATTEN, AVG_POOL2 }

    private record Case(String name, int c, int h, int w, int k, int stride, int pad, int dil, String act,
                        Readout readout) {
        Case(String name, int c, int h, int w, int k, int stride, int pad, String act, Readout readout) {
            this(name, c, h, w, k, stride, pad, 1, act, readout);
        }
    }

    @Test
    void reluGlobalAvgPool() {
        check(new Case("relu, 3x3 pad 1, global_avg_pool", 1, 4, 4, 3, 1, 1, "relu", Readout.GLOBAL_AVG));
    }

    @Test
    void reluTwoChannelsNoPadding() {
        check(new Case("relu, 2 channels, 3x3 no padding, global_avg_pool", 2, 5, 4, 3, 1, 0, "relu",
                Readout.GLOBAL_AVG));
    }

    @Test
    void erfStridedFlatten() {
        check(new Case("erf, 3x3 stride 2 pad 1, flatten", 1, 4, 4, 3, 2, 1, "erf", Readout.FLATTEN));
    }

    @Test
    void reluAvgPoolThenFlatten() {
        check(new Case("relu, 3x3 pad 1, avg_pool 2, flatten", 2, 4, 4, 3, 1, 1, "relu", Readout.AVG_POOL2));
    }

    @Test
    void reluDilatedConv() {
        check(new Case("relu, 3x3 dilation 2 pad 2, global_avg_pool", 1, 5, 5, 3, 1, 2, 2, "relu",
                Readout.GLOBAL_AVG));
    }

    private static void check(Case cs) {
        String readout = switch (cs.readout()) {
            case GLOBAL_AVG -> "{\"type\":\"global_avg_pool\"},{\"type\":\"flatten\"},";
            case FLATTEN -> "{\"type\":\"flatten\"},";
            case AVG_POOL2 -> "{\"type\":\"avg_pool\",\"kernel\":2},{\"type\":\"flatten\"},";
        };
        Architecture arch = Architecture.parse("{\"input_shape\":[" + cs.c() + "," + cs.h() + "," + cs.w() + "],"
                + "\"parametrization\":\"ntk\",\"sigma_w\":" + SW + ",\"sigma_b\":" + SB + ",\"layers\":["
                + "{\"type\":\"conv2d\",\"out\":7,\"kernel\":" + cs.k() + ",\"stride\":" + cs.stride()
                + ",\"padding\":" + cs.pad() + ",\"dilation\":" + cs.dil() + "},{\"type\":\"" + cs.act() + "\"}," + readout
                + "{\"type\":\"dense\",\"out\":1}]}");
        int n = 3;
        double[][] x = new double[n][cs.c() * cs.h() * cs.w()];
        SplittableRandom r = new SplittableRandom(7 + cs.name().hashCode());
        for (double[] row : x) {
            for (int t = 0; t < row.length; t++) {
                row[t] = r.nextDouble(-1.5, 1.5);
            }
        }
        InfiniteKernel kernel = InfiniteNetworks.kernel(arch);
        assertThat(kernel).isInstanceOf(InfiniteConvNet.class);
        InfiniteWidthKernel.Kernels got = kernel.computeBoth(x, null);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double[] ref = reference(cs, x[i], x[j]);
                assertThat(got.nngp()[i][j]).as("%s NNGP[%d][%d]", cs.name(), i, j)
                        .isCloseTo(ref[0], org.assertj.core.data.Offset.offset(1e-9 * Math.abs(ref[0]) + 1e-12));
                assertThat(got.ntk()[i][j]).as("%s NTK[%d][%d]", cs.name(), i, j)
                        .isCloseTo(ref[1], org.assertj.core.data.Offset.offset(1e-9 * Math.abs(ref[1]) + 1e-12));
            }
        }
    }

    /** {NNGP, NTK} of the one-hidden-conv network for the pair (x, y), by brute force over positions. */
    private static double[] reference(Case cs, double[] x, double[] y) {
        int span = cs.dil() * (cs.k() - 1) + 1;
        int oh = (cs.h() + 2 * cs.pad() - span) / cs.stride() + 1;
        int ow = (cs.w() + 2 * cs.pad() - span) / cs.stride() + 1;
        int p = oh * ow;
        double sw2 = SW * SW;
        double sb2 = SB * SB;
        // weights w_r(q) of the readout
        int rCount;
        double[][] weight;
        switch (cs.readout()) {
            case GLOBAL_AVG -> {
                rCount = 1;
                weight = new double[1][p];
                java.util.Arrays.fill(weight[0], 1.0 / p);
            }
            case FLATTEN -> {
                rCount = p;
                weight = new double[p][p];
                for (int q = 0; q < p; q++) {
                    weight[q][q] = 1.0;
                }
            }
            default -> {
                int ph = oh / 2;
                int pw = ow / 2;
                rCount = ph * pw;
                weight = new double[rCount][p];
                for (int ry = 0; ry < ph; ry++) {
                    for (int rx = 0; rx < pw; rx++) {
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                weight[ry * pw + rx][(2 * ry + dy) * ow + 2 * rx + dx] = 0.25;
                            }
                        }
                    }
                }
            }
        }
        double nngp = 0.0;
        double ntkConv = 0.0;
        for (int rr = 0; rr < rCount; rr++) {
            for (int q1 = 0; q1 < p; q1++) {
                if (weight[rr][q1] == 0) {
                    continue;
                }
                for (int q2 = 0; q2 < p; q2++) {
                    if (weight[rr][q2] == 0) {
                        continue;
                    }
                    int y1 = q1 / ow, x1 = q1 % ow, y2 = q2 / ow, x2 = q2 % ow;
                    double kxx = sigma(cs, x, x, y1, x1, y1, x1);
                    double kyy = sigma(cs, y, y, y2, x2, y2, x2);
                    double kxy = sigma(cs, x, y, y1, x1, y2, x2);
                    double ww = weight[rr][q1] * weight[rr][q2];
                    nngp += ww * phiPhi(cs.act(), kxx, kxy, kyy);
                    ntkConv += ww * dphiDphi(cs.act(), kxx, kxy, kyy) * kxy;
                }
            }
        }
        double k = sw2 * nngp / rCount + sb2;
        double theta = k + sw2 * ntkConv / rCount;
        return new double[] {k, theta};
    }

    /** Σ(x, y) between output positions (y1, x1) of x and (y2, x2) of y. */
    private static double sigma(Case cs, double[] a, double[] b, int y1, int x1, int y2, int x2) {
        double s = 0.0;
        for (int c = 0; c < cs.c(); c++) {
            for (int da = 0; da < cs.k(); da++) {
                for (int db = 0; db < cs.k(); db++) {
                    int oa = da * cs.dil();
                    int ob = db * cs.dil();
                    s += pixel(cs, a, c, y1 * cs.stride() - cs.pad() + oa, x1 * cs.stride() - cs.pad() + ob)
                            * pixel(cs, b, c, y2 * cs.stride() - cs.pad() + oa, x2 * cs.stride() - cs.pad() + ob);
                }
            }
        }
        return SW * SW * s / (cs.c() * cs.k() * cs.k()) + SB * SB;
    }

    private static double pixel(Case cs, double[] v, int c, int row, int col) {
        if (row < 0 || row >= cs.h() || col < 0 || col >= cs.w()) {
            return 0.0;
        }
        return v[(c * cs.h() + row) * cs.w() + col];
    }

    private static double phiPhi(String act, double k11, double k12, double k22) {
        if (act.equals("relu")) {
            return GaussianQuadrature.reluAngular(k11, k12, k22);
        }
        return hermite((u, v) -> Erf.erf(u) * Erf.erf(v), k11, k12, k22);
    }

    private static double dphiDphi(String act, double k11, double k12, double k22) {
        if (act.equals("relu")) {
            return GaussianQuadrature.stepAngular(k11, k12, k22);
        }
        double c = 2.0 / Math.sqrt(Math.PI);
        return hermite((u, v) -> c * Math.exp(-u * u) * c * Math.exp(-v * v), k11, k12, k22);
    }

    /** Gauss–Hermite (smooth integrands converge geometrically; 80 nodes is far past rounding here). */
    private static double hermite(DoubleBinaryOperator g, double k11, double k12, double k22) {
        return GaussianQuadrature.hermite2d(80, k11, k12, k22, g);
    }
}
