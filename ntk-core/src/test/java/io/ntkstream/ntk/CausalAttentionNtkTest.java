package io.ntkstream.ntk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ntkstream.network.Network;
import io.ntkstream.network.ScaledDotProductAttention;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The NTK methods on transformers with causal attention ({@code "causal":true}), float64, through the
 * checks of {@link AttentionNtkTest}: every method and mode against the forward-mode Jacobian (1e-10),
 * the concrete methods against finite differences, and the per-position dense and embedding rules
 * against their layers' shares.
 */
class CausalAttentionNtkTest {

    /** {@link AttentionNtkTest#ENCODER} with a causal attention (a decoder-only block). */
    static final String CAUSAL_ENCODER = AttentionNtkTest.ENCODER.replace("\"num_heads\":2}", "\"num_heads\":2,\"causal\":true}");

    /** Two pre-LN blocks, both causal (one without biases), NTK parametrization, real-valued inputs. */
    static final String TWO_CAUSAL = """
            {"input_shape":[4,6],"parametrization":"ntk","sigma_w":1.3,"sigma_b":0.2,"layers":[
             {"type":"residual","layers":[{"type":"layer_norm","over":"last"},{"type":"attention","num_heads":3,"bias":false,"causal":true}]},
             {"type":"residual","layers":[{"type":"layer_norm","over":"last"},{"type":"attention","num_heads":2,"causal":true}]},
             {"type":"dense","out":2},{"type":"gelu"},{"type":"flatten"},{"type":"dense","out":2}]}""";

    /** A causal block then an unmasked one, on 5 tokens, standard parametrization. */
    static final String MIXED = """
            {"input_shape":[5],"parametrization":"standard","sigma_w":1.0,"sigma_b":0.3,"layers":[
             {"type":"embedding","num_embeddings":7,"embedding_dim":4},
             {"type":"residual","layers":[{"type":"attention","num_heads":2,"causal":true}]},
             {"type":"layer_norm","over":"last"},
             {"type":"residual","layers":[{"type":"attention","num_heads":1}]},
             {"type":"flatten"},
             {"type":"dense","out":3}]}""";

    static Stream<Arguments> networks() {
        return Stream.of(Arguments.of("causal encoder", CAUSAL_ENCODER), Arguments.of("two causal pre-LN blocks", TWO_CAUSAL),
                Arguments.of("causal then unmasked", MIXED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void networksHaveCausalCores(String name, String json) {
        Network net = AttentionNtkTest.network(json);
        assertThat(net.layers().stream().filter(l -> l instanceof ScaledDotProductAttention a && a.causal())).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void everyMethodAndModeMatchesForwardModeJacobian(String name, String json) {
        Network net = AttentionNtkTest.network(json);
        NtkAgreement.assertEveryMethodAndModeMatchesForwardMode(name, net, (n, seed) -> AttentionNtkTest.inputs(net, n, seed), true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void methodsMatchFiniteDifferenceJacobian(String name, String json) {
        Network net = AttentionNtkTest.network(json);
        NtkAgreement.assertMatchesFiniteDifferences(name, net, (n, seed) -> AttentionNtkTest.inputs(net, n, seed),
                NtkAgreement.CONCRETE_METHODS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void rulesMatchTheLayersShare(String name, String json) {
        Network net = AttentionNtkTest.network(json);
        int checked = NtkAgreement.assertRulesMatchLayersShare(name, net, (n, seed) -> AttentionNtkTest.inputs(net, n, seed), AttentionNtkTest::transformerRules, null);
        assertThat(checked).isPositive();
    }
}
