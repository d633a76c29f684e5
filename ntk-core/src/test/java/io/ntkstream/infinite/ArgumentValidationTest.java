package io.ntkstream.infinite;

import static io.ntkstream.infinite.Nonlinearity.RELU;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class ArgumentValidationTest {

    @Test
    void mlpRejectsBadFields() {
        assertThatThrownBy(() -> new InfiniteMlp(0, 1.0, 0.0, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("inputDim must be >= 1, got 0");
        assertThatThrownBy(() -> new InfiniteMlp(3, -1.0, 0.0, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("sigmaW must be > 0, got -1.0");
        assertThatThrownBy(() -> new InfiniteMlp(3, 0.0, 0.0, List.of()))
                .hasMessage("sigmaW must be > 0, got 0.0");
        assertThatThrownBy(() -> new InfiniteMlp(3, Double.NaN, 0.0, List.of()))
                .hasMessage("sigmaW must be > 0, got NaN");
        assertThatThrownBy(() -> new InfiniteMlp(3, Double.POSITIVE_INFINITY, 0.0, List.of()))
                .hasMessage("sigmaW must be finite, got Infinity");
        assertThatThrownBy(() -> new InfiniteMlp(3, 1.0, -0.5, List.of()))
                .hasMessage("sigmaB must be >= 0, got -0.5");
        assertThatThrownBy(() -> new InfiniteMlp(3, 1.0, Double.POSITIVE_INFINITY, List.of()))
                .hasMessage("sigmaB must be finite, got Infinity");
        assertThatThrownBy(() -> new InfiniteMlp(3, 1.0, 0.0, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("hiddenActivations must not be null");
        assertThatThrownBy(() -> InfiniteMlp.of(3, 1.0, 0.0, RELU, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("hiddenActivations[1] must not be null");
    }

    @Test
    void mlpCopiesActivationsAndReportsDepth() {
        List<Nonlinearity> acts = new ArrayList<>(List.of(RELU, Nonlinearity.ERF));
        InfiniteMlp net = new InfiniteMlp(3, 1.0, 0.1, acts);
        acts.clear();
        assertThat(net.hiddenActivations()).containsExactly(RELU, Nonlinearity.ERF);
        assertThat(net.depth()).isEqualTo(3);
        assertThatThrownBy(() -> net.hiddenActivations().add(RELU)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(InfiniteMlp.of(2, 1.0, 0.0).depth()).isEqualTo(1);
    }

    @Test
    void kernelRejectsBadInputs() {
        InfiniteMlp net = InfiniteMlp.of(3, 1.0, 0.0, RELU);
        double[][] ok = {{1, 2, 3}, {4, 5, 6}};
        assertThatThrownBy(() -> InfiniteWidthKernel.compute(net, new double[][] {{1, 2, 3}, {1, 2}}, null,
                InfiniteKernelKind.NTK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("x1 row 1 has length 2, expected inputDim = 3");
        assertThatThrownBy(() -> InfiniteWidthKernel.compute(net, ok, new double[][] {{1, 2, 3, 4}},
                InfiniteKernelKind.NNGP))
                .hasMessage("x2 row 0 has length 4, expected inputDim = 3");
        assertThatThrownBy(() -> InfiniteWidthKernel.compute(net, new double[][] {{1, 2, 3}, null}, null,
                InfiniteKernelKind.NTK))
                .hasMessage("x1 row 1 is null");
        assertThatThrownBy(() -> InfiniteWidthKernel.computeBoth(net, new double[][] {{1, Double.NaN, 3}}, null))
                .hasMessage("x1[0][1] is NaN; inputs must be finite");
        assertThatThrownBy(() -> InfiniteWidthKernel.compute(net, null, null, InfiniteKernelKind.NTK))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("x1 must not be null");
        assertThatThrownBy(() -> InfiniteWidthKernel.compute(null, ok, null, InfiniteKernelKind.NTK))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("net must not be null");
        assertThatThrownBy(() -> InfiniteWidthKernel.compute(net, ok, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("kind must not be null");
    }

    @Test
    void unsupportedActivationMessage() {
        UnsupportedActivationException e = UnsupportedActivationException.forName("tanh");
        assertThat(e).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("infinite-width kernel: activation 'tanh' has no closed form here; "
                        + "supported: relu, erf, identity");
        assertThat(e.activation()).isEqualTo("tanh");
        assertThat(UnsupportedActivationException.SUPPORTED).isEqualTo("relu, erf, identity");
    }

    @Test
    void nonlinearityFromName() {
        assertThat(Nonlinearity.fromName("relu")).isEqualTo(RELU);
        assertThat(Nonlinearity.fromName(" ERF ")).isEqualTo(Nonlinearity.ERF);
        assertThat(Nonlinearity.fromName("Identity")).isEqualTo(Nonlinearity.IDENTITY);
        assertThat(Arrays.stream(Nonlinearity.values()).map(Nonlinearity::displayName))
                .containsExactly("relu", "erf", "identity");
        assertThatThrownBy(() -> Nonlinearity.fromName("gelu"))
                .isInstanceOf(UnsupportedActivationException.class)
                .hasMessage("infinite-width kernel: activation 'gelu' has no closed form here; "
                        + "supported: relu, erf, identity");
        assertThatThrownBy(() -> Nonlinearity.fromName(null)).isInstanceOf(UnsupportedActivationException.class);
    }
}
