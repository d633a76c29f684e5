package io.ntkstream.network;

/** One entry of an architecture's {@code layers} list. */
public sealed interface LayerSpec permits LayerSpec.Dense, LayerSpec.Elementwise {

    /** {@code {"type":"dense","out":512}}; {@code "bias":false} drops the bias (nn.Linear(bias=False)). */
    record Dense(int out, boolean bias) implements LayerSpec {
        public Dense {
            if (out <= 0) {
                throw new IllegalArgumentException("dense layer: \"out\" must be a positive integer, got " + out);
            }
        }
    }

    /** {@code {"type":"relu"}} and the other activations. */
    record Elementwise(Activation activation) implements LayerSpec {}
}
