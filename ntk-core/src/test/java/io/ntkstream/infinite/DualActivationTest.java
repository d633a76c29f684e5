package io.ntkstream.infinite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.Stream;

import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The per-layer Gaussian expectations against numerical integration (no closed form used in the
 * references): 2-D Gauss–Hermite quadrature for smooth integrands, 1-D angular integration for ReLU.
 */
class DualActivationTest {

    /** Covariances {k11, k12, k22}: generic, anti-correlated, nearly/fully (anti)collinear, small/large scales. */
    static Stream<Arguments> covariances() {
        return Stream.of(
                Arguments.of(1.0, 0.3, 2.0),
                Arguments.of(0.5, -0.4, 0.7),
                Arguments.of(2.0, 1.99, 2.0),
                Arguments.of(1.0, 1.0, 1.0),
                Arguments.of(1.0, -1.0, 1.0),
                Arguments.of(3.0, 0.0, 0.2),
                Arguments.of(0.01, 0.005, 4.0),
                Arguments.of(0.3, -0.05, 0.1),
                Arguments.of(1.7, 1.2, 1.1));
    }

    private static double erfDeriv(double x) {
        return 2.0 / Math.sqrt(Math.PI) * Math.exp(-x * x);
    }

    /**
     * Erf against 150×150 Gauss–Hermite. The integrands are entire, so the rule converges
     * geometrically, but for variances of 2–4 (steep erf, narrow e^{−u²−v²} on the node scale)
     * 60×60 nodes still leave errors up to ~1e-6 on E[erf'erf'] and ~4e-8 on E[erf erf];
     * at 150×150 all cases here agree to ~1e-15, so 1e-10 is a safe margin.
     */
    @ParameterizedTest
    @MethodSource("covariances")
    void erfExpectationsMatchGaussHermite(double k11, double k12, double k22) {
        double refPhi = GaussianQuadrature.hermite2d(150, k11, k12, k22, (u, v) -> Erf.erf(u) * Erf.erf(v));
        double refDphi = GaussianQuadrature.hermite2d(150, k11, k12, k22, (u, v) -> erfDeriv(u) * erfDeriv(v));
        assertThat(DualActivation.phiPhi(Nonlinearity.ERF, k11, k12, k22)).isCloseTo(refPhi, within(1e-10));
        assertThat(DualActivation.dphiDphi(Nonlinearity.ERF, k11, k12, k22)).isCloseTo(refDphi, within(1e-10));
    }

    @ParameterizedTest
    @MethodSource("covariances")
    void identityExpectationsMatchGaussHermite(double k11, double k12, double k22) {
        double ref = GaussianQuadrature.hermite2d(60, k11, k12, k22, (u, v) -> u * v);
        assertThat(DualActivation.phiPhi(Nonlinearity.IDENTITY, k11, k12, k22)).isCloseTo(ref, within(1e-12));
        assertThat(DualActivation.dphiDphi(Nonlinearity.IDENTITY, k11, k12, k22)).isEqualTo(1.0);
    }

    /** ReLU against the angular 1-D integral, which is exact up to rounding (piecewise smooth pieces). */
    @ParameterizedTest
    @MethodSource("covariances")
    void reluExpectationsMatchAngularIntegral(double k11, double k12, double k22) {
        assertThat(DualActivation.phiPhi(Nonlinearity.RELU, k11, k12, k22))
                .isCloseTo(GaussianQuadrature.reluAngular(k11, k12, k22), within(1e-10));
        assertThat(DualActivation.dphiDphi(Nonlinearity.RELU, k11, k12, k22))
                .isCloseTo(GaussianQuadrature.stepAngular(k11, k12, k22), within(1e-10));
    }

    /**
     * ReLU against 2-D Gauss–Hermite as a second, cruder reference: the kink of relu(u)relu(v) and
     * the jump of step(u)step(v) along lines through the origin make the tensor rule converge only
     * algebraically, so the tolerances are loose: 1e-3·√(k11·k22) for E[φφ] and 2e-2 for E[φ'φ']
     * (observed with 200×200 nodes: up to 5e-4 and 9e-3; a jump line nearly parallel to a node row
     * can stall the step case at ~4e-3). The angular test above is the tight check.
     */
    @ParameterizedTest
    @MethodSource("covariances")
    void reluExpectationsRoughlyMatchGaussHermite(double k11, double k12, double k22) {
        double scale = Math.sqrt(k11 * k22);
        double refPhi = GaussianQuadrature.hermite2d(200, k11, k12, k22,
                (u, v) -> Math.max(0, u) * Math.max(0, v));
        double refDphi = GaussianQuadrature.hermite2d(200, k11, k12, k22,
                (u, v) -> (u > 0 ? 1.0 : 0.0) * (v > 0 ? 1.0 : 0.0));
        assertThat(DualActivation.phiPhi(Nonlinearity.RELU, k11, k12, k22)).isCloseTo(refPhi, within(1e-3 * scale));
        assertThat(DualActivation.dphiDphi(Nonlinearity.RELU, k11, k12, k22)).isCloseTo(refDphi, within(2e-2));
    }

    @Test
    void reluSpecialAnglesByHand() {
        // c = 1: E[relu(u)^2] = k/2, E[step^2] = 1/2
        assertThat(DualActivation.phiPhi(Nonlinearity.RELU, 3.0, 3.0, 3.0)).isCloseTo(1.5, within(1e-15));
        assertThat(DualActivation.dphiDphi(Nonlinearity.RELU, 3.0, 3.0, 3.0)).isEqualTo(0.5);
        // c = 0: independent, E[relu(u)] E[relu(v)] = sqrt(k11/2π) sqrt(k22/2π); E[step]^2 = 1/4
        assertThat(DualActivation.phiPhi(Nonlinearity.RELU, 2.0, 0.0, 0.5)).isCloseTo(1.0 / (2 * Math.PI), within(1e-15));
        assertThat(DualActivation.dphiDphi(Nonlinearity.RELU, 2.0, 0.0, 0.5)).isCloseTo(0.25, within(1e-15));
        // c = -1: v = -u·const, never both positive
        assertThat(DualActivation.phiPhi(Nonlinearity.RELU, 1.0, -1.0, 1.0)).isCloseTo(0.0, within(1e-15));
        assertThat(DualActivation.dphiDphi(Nonlinearity.RELU, 1.0, -1.0, 1.0)).isCloseTo(0.0, within(1e-15));
        // rounding pushes |c| past 1: clamped, no NaN
        assertThat(DualActivation.phiPhi(Nonlinearity.RELU, 1.0, 1.0 + 1e-15, 1.0)).isCloseTo(0.5, within(1e-15));
        // zero variance: u ≡ 0, relu(0) = relu'(0) = 0
        assertThat(DualActivation.phiPhi(Nonlinearity.RELU, 0.0, 0.0, 1.0)).isZero();
        assertThat(DualActivation.dphiDphi(Nonlinearity.RELU, 0.0, 0.0, 1.0)).isZero();
    }

    @Test
    void erfSpecialValuesByHand() {
        // k11 = k22 = k12 = 1/2: arcsin(1/(1+1)) = π/6, so E[erf^2] = 1/3; det = 2·2 − 1 = 3
        assertThat(DualActivation.phiPhi(Nonlinearity.ERF, 0.5, 0.5, 0.5)).isCloseTo(1.0 / 3.0, within(1e-15));
        assertThat(DualActivation.dphiDphi(Nonlinearity.ERF, 0.5, 0.5, 0.5))
                .isCloseTo(4.0 / (Math.PI * Math.sqrt(3.0)), within(1e-15));
        // independent: erf is odd, so E = 0; derivative factorizes: (2/√π)^2 / √((1+2k11)(1+2k22))
        assertThat(DualActivation.phiPhi(Nonlinearity.ERF, 1.0, 0.0, 2.0)).isZero();
        assertThat(DualActivation.dphiDphi(Nonlinearity.ERF, 1.0, 0.0, 2.0))
                .isCloseTo(4.0 / Math.PI / Math.sqrt(3.0 * 5.0), within(1e-15));
        // zero variance: erf(0) = 0, erf'(0)^2 = 4/π
        assertThat(DualActivation.phiPhi(Nonlinearity.ERF, 0.0, 0.0, 0.0)).isZero();
        assertThat(DualActivation.dphiDphi(Nonlinearity.ERF, 0.0, 0.0, 0.0)).isCloseTo(4.0 / Math.PI, within(1e-15));
    }
}
