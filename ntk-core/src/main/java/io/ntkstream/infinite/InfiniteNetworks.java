package io.ntkstream.infinite;

import io.ntkstream.network.Architecture;
import io.ntkstream.network.LayerSpec;
import io.ntkstream.network.Parametrization;
import java.util.ArrayList;
import java.util.List;

/** Maps an architecture to the infinite-width network whose kernels it converges to as widths grow. */
public final class InfiniteNetworks {
    private InfiniteNetworks() {}

    /**
     * The closed-form infinite-width kernel of {@code arch}: an MLP (flat input, dense and activation
     * layers only) uses {@link InfiniteWidthKernel} on {@link #of(Architecture)}; a network with
     * convolutions, pooling, flatten or residual blocks (residual MLPs too) uses the CNTK recursion
     * {@link InfiniteConvNet}.
     *
     * @throws IllegalArgumentException naming the layer when the architecture has no closed form here
     *         (max_pool, norms, attention, embedding, grouped convolutions, residual blocks whose
     *         paths are correlated, ...)
     */
    public static InfiniteKernel kernel(Architecture arch) {
        if (isMlp(arch)) {
            InfiniteMlp mlp = of(arch);
            return new InfiniteKernel() {
                @Override
                public int inputDim() {
                    return mlp.inputDim();
                }

                @Override
                public InfiniteWidthKernel.Kernels computeBoth(double[][] x1, double[][] x2) {
                    return InfiniteWidthKernel.computeBoth(mlp, x1, x2);
                }

                @Override
                public double[][] compute(double[][] x1, double[][] x2, InfiniteKernelKind kind) {
                    return InfiniteWidthKernel.compute(mlp, x1, x2, kind);
                }
            };
        }
        return InfiniteConvNet.of(arch);
    }

    /** Flat samples and only dense and activation layers. */
    static boolean isMlp(Architecture arch) {
        return arch.inputShape().isFlat() && arch.layers().stream()
                .allMatch(l -> l instanceof LayerSpec.Dense || l instanceof LayerSpec.Elementwise);
    }

    /**
     * The limit network of {@code arch}: NTK parametrization, layers dense, act, dense, ..., dense.
     * Layers declared without bias contribute σ_b = 0 (all or none may have a bias).
     */
    public static InfiniteMlp of(Architecture arch) {
        if (arch.parametrization() != Parametrization.NTK) {
            throw new IllegalArgumentException("infinite-width kernel: needs \"parametrization\": \"ntk\" "
                    + "(in standard parametrization the NTK has no finite limit), got standard");
        }
        List<Nonlinearity> acts = new ArrayList<>();
        List<LayerSpec> layers = arch.layers();
        Boolean bias = null;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec spec = layers.get(i);
            if (!(spec instanceof LayerSpec.Dense) && !(spec instanceof LayerSpec.Elementwise)) {
                throw new IllegalArgumentException("infinite-width kernel: layers[" + i + "] is a " + spec.type()
                        + " layer; this closed form covers MLPs only (dense layers and activations); "
                        + "InfiniteNetworks.kernel(arch) also covers convolutional and residual networks");
            }
            boolean expectDense = i % 2 == 0;
            if (spec instanceof LayerSpec.Dense d) {
                if (!expectDense) {
                    throw new IllegalArgumentException("infinite-width kernel: layers[" + i
                            + "] is dense but an activation was expected (layers must alternate dense, activation, ..., dense)");
                }
                if (bias != null && bias != d.bias()) {
                    throw new IllegalArgumentException("infinite-width kernel: layers[" + i
                            + "]: either every dense layer has a bias or none has");
                }
                bias = d.bias();
            } else if (spec instanceof LayerSpec.Elementwise e) {
                if (expectDense) {
                    throw new IllegalArgumentException("infinite-width kernel: layers[" + i
                            + "] is an activation but a dense layer was expected (layers must alternate dense, activation, ..., dense)");
                }
                acts.add(Nonlinearity.fromName(e.activation().jsonName()));
            }
        }
        if (layers.size() % 2 == 0) {
            throw new IllegalArgumentException("infinite-width kernel: the last layer must be dense");
        }
        return new InfiniteMlp(arch.inputDim(), arch.sigmaW(), Boolean.TRUE.equals(bias) ? arch.sigmaB() : 0.0, acts);
    }
}
