package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.BatchNormLayer;
import io.ntkstream.network.ConvGeometry;
import io.ntkstream.network.ConvLayer;
import io.ntkstream.network.DenseLayer;
import io.ntkstream.network.EmbeddingLayer;
import io.ntkstream.network.ForwardTrace;
import io.ntkstream.network.Layer;
import io.ntkstream.network.LayerNormLayer;
import io.ntkstream.network.Network;
import io.ntkstream.network.PositionalEmbeddingLayer;
import io.ntkstream.network.PositionwiseDenseLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Structured derivatives: Θ = Σ_l Θ_l with each parameterized layer's share computed by its
 * {@link StructureRule} from per-sample activations and cotangents — never the Jacobian.
 */
public final class StructuredNtk implements NtkAlgorithm {
    /** One rule per parameterized layer kind; kinds without parameters only transform cotangents. */
    private static final Map<Class<? extends Layer>, StructureRule> RULES = Map.of(
            DenseLayer.class, new DenseRule(),
            ConvLayer.class, new ConvRule(),
            LayerNormLayer.class, new NormRule(),
            BatchNormLayer.class, new NormRule(),
            PositionwiseDenseLayer.class, new PositionwiseDenseRule(),
            EmbeddingLayer.class, new EmbeddingRule(),
            PositionalEmbeddingLayer.class, new PositionalEmbeddingRule());

    @Override
    public NtkMethod method() {
        return NtkMethod.STRUCTURED;
    }

    /** Forward traces and cotangents of all layers held at once while computing features (bytes). */
    static final long PASS_BYTES = 128L << 20;

    /**
     * One forward pass and one backward pass of g cotangents per sample (x: input_dim x b). The
     * features keep the forward pass's outputs f(x) ({@link NtkFeatures#networkOutput()}). The
     * passes run on chunks of {@link #passSamples} samples, so only the kept features grow with b.
     */
    public static NtkFeatures features(Network network, NtkMode mode, Matrix x) {
        return features(network, mode, x, passSamples(NetworkShape.of(network), mode));
    }

    /** {@link #features} with passes of {@code chunk} samples. */
    static NtkFeatures features(Network network, NtkMode mode, Matrix x, int chunk) {
        if (x.cols() <= chunk) {
            return passes(network, mode, x);
        }
        List<NtkFeatures> parts = new ArrayList<>();
        try {
            for (int c0 = 0; c0 < x.cols(); c0 += chunk) {
                parts.add(passes(network, mode, x.columns(c0, Math.min(x.cols(), c0 + chunk))));
            }
            return concatenate(parts, x);
        } finally {
            parts.forEach(NtkFeatures::close);
        }
    }

    /** Samples per forward/backward pass: those whose traces and cotangents fit {@link #PASS_BYTES}. */
    static int passSamples(NetworkShape s, NtkMode mode) {
        long perSample = (1L + mode.cotangentsPerSample(s.outputs())) * s.activationsPerSample() * s.bytes();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, PASS_BYTES / Math.max(1, perSample)));
    }

    /** The features of consecutive chunks of x as one block (first-layer inputs stay the caller's x). */
    private static NtkFeatures concatenate(List<NtkFeatures> parts, Matrix x) {
        NtkFeatures first = parts.get(0);
        int g = first.mode().cotangentsPerSample(first.outputs());
        List<LayerFeatures> layers = new ArrayList<>();
        for (int l = 0; l < first.layers().size(); l++) {
            LayerFeatures f = first.layers().get(l);
            Matrix inputs = f.ownsInputs() ? Matrix.zeros(f.inputs().precision(), f.inputs().rows(), x.cols()) : x;
            Matrix cotangents = Matrix.zeros(f.cotangents().precision(), f.cotangents().rows(), x.cols() * g);
            int at = 0;
            for (NtkFeatures part : parts) {
                LayerFeatures p = part.layers().get(l);
                if (f.ownsInputs()) {
                    inputs.setColumns(at, p.inputs());
                }
                cotangents.setColumns(at * g, p.cotangents());
                at += part.samples();
            }
            layers.add(new LayerFeatures(f.layer(), inputs, cotangents, f.ownsInputs()));
        }
        Matrix output = Matrix.zeros(first.networkOutput().precision(), first.outputs(), x.cols());
        int at = 0;
        for (NtkFeatures part : parts) {
            output.setColumns(at, part.networkOutput());
            at += part.samples();
        }
        return new NtkFeatures(first.mode(), first.outputs(), x.cols(), layers, output);
    }

    private static NtkFeatures passes(Network network, NtkMode mode, Matrix x) {
        ForwardTrace trace = network.forward(x);
        int outputs = network.outputDim();
        List<Matrix> cotangents = network.backpropagate(trace,
                mode.seed(network.precision(), outputs, x.cols()), mode.cotangentsPerSample(outputs));
        List<LayerFeatures> layers = new ArrayList<>();
        List<Matrix> kept = new ArrayList<>();
        for (int l = 0; l < network.layers().size(); l++) {
            Layer layer = network.layers().get(l);
            if (layer.paramCount() > 0) {
                Matrix inputs = trace.inputOf(l);
                layers.add(new LayerFeatures(layer, inputs, cotangents.get(l), inputs != x));
                kept.add(inputs);
                kept.add(cotangents.get(l));
            }
        }
        kept.add(trace.output());
        // free what the features do not keep: pre-activations, their cotangents
        trace.closeExcept(kept);
        for (Matrix c : cotangents) {
            if (kept.stream().noneMatch(k -> k == c)) {
                c.close();
            }
        }
        return new NtkFeatures(mode, outputs, x.cols(), layers, trace.output());
    }

    /** Θ between two feature blocks, float64, in the mode's layout. */
    public static KernelBlock kernel(NtkFeatures f1, NtkFeatures f2) {
        KernelBlock block = KernelBlock.zeros(f1.samples(), f2.samples(), f1.mode().valuesPerPair(f1.outputs()));
        addKernel(f1, f2, block);
        return block;
    }

    private static void addKernel(NtkFeatures f1, NtkFeatures f2, KernelBlock target) {
        if (f1.mode() != f2.mode() || f1.layers().size() != f2.layers().size()) {
            throw new IllegalArgumentException("feature blocks differ: mode " + f1.mode() + " vs " + f2.mode());
        }
        for (int l = 0; l < f1.layers().size(); l++) {
            LayerFeatures a = f1.layers().get(l);
            StructureRule rule = RULES.get(a.layer().getClass());
            if (rule == null) {
                throw new IllegalStateException("no structure rule for layer kind " + a.layer().getClass().getSimpleName());
            }
            rule.accumulate(a, f2.layers().get(l), f1.mode(), f1.outputs(), target);
        }
    }

    @Override
    public Prepared prepare(Network network, NtkMode mode, Matrix x) {
        return features(network, mode, x);
    }

    @Override
    public void accumulate(Prepared block1, Prepared block2, KernelBlock target) {
        addKernel((NtkFeatures) block1, (NtkFeatures) block2, target);
    }

    @Override
    public long blockBytes(NetworkShape s, NtkMode mode, int b1, int b2) {
        int g = mode.cotangentsPerSample(s.outputs());
        // the two blocks' features (preparedBytes), the passes computing one of them (passBytes), the Gram
        long gram = (long) b1 * b2 * (1 + (long) (mode == NtkMode.FULL ? g * g : 1)) * s.bytes();
        // a convolution's temporaries: weight gradients of both blocks, or one sample's patch Gram
        long conv = 0;
        for (ConvGeometry c : s.convs()) {
            long gradients = (long) (b1 + b2) * g * c.patchSize() * c.outChannels();
            long patches = (long) c.patchSize() * c.outPositions() * (b2 + 1) + (long) c.outPositions() * c.outPositions() * b2;
            conv = Math.max(conv, Math.max(gradients, patches) * s.bytes());
        }
        int v = mode.valuesPerPair(s.outputs());
        for (int[] p : s.positionwise()) {
            conv = Math.max(conv, PositionwiseDenseRule.bytes(p[0], p[1], p[2], g, mode, v, b1, b2, s.bytes()));
        }
        for (int[] e : s.embeddings()) { // per sample and cotangent: at most L tokens' summed cotangents
            conv = Math.max(conv, (long) (b1 + b2) * g * e[0] * (e[1] + 1L) * Double.BYTES);
        }
        return preparedBytes(s, mode, b1) + preparedBytes(s, mode, b2) + passBytes(s, mode, Math.max(b1, b2)) + gram + conv;
    }

    @Override
    public long preparedBytes(NetworkShape s, NtkMode mode, int b) {
        int g = mode.cotangentsPerSample(s.outputs());
        // features: inputs + cotangents of every parameterized layer
        return (s.sumFanIn() + (long) g * s.sumFanOut()) * s.bytes() * b;
    }

    /** The passes computing one block's features: traces and cotangents of all layers for one chunk. */
    private static long passBytes(NetworkShape s, NtkMode mode, int b) {
        long chunk = Math.min(b, passSamples(s, mode));
        return chunk * (1L + mode.cotangentsPerSample(s.outputs())) * s.activationsPerSample() * s.bytes();
    }

    @Override
    public double flops(NetworkShape s, NtkMode mode, long n1, long n2, boolean symmetric) {
        long samples = symmetric ? n1 : n1 + n2; // a symmetric kernel passes each sample through the network once
        int g = mode.cotangentsPerSample(s.outputs());
        double passes = 2.0 * samples * s.macsPerSample() * (1 + g); // forward + g backward per sample
        double perPair = 0;
        for (int[] f : s.denseFans()) {
            perPair += 2.0 * f[0] + 2.0 * (mode == NtkMode.FULL ? (double) g * g : g) * f[1];
        }
        double conv = 0;
        for (ConvGeometry c : s.convs()) {
            conv += ConvRule.flops(c, g, mode, n1, n2);
        }
        for (int[] norm : s.norms()) { // form 2·C sums per cotangent, then contract them per pair
            conv += 4.0 * (symmetric ? n1 : n1 + n2) * g * norm[0]
                    + 2.0 * n1 * n2 * 2 * norm[1] * (mode == NtkMode.FULL ? (double) g * g : g);
        }
        for (int[] p : s.positionwise()) {
            conv += PositionwiseDenseRule.flops(p[0], p[1], p[2], g, mode, n1, n2);
        }
        for (int[] e : s.embeddings()) {
            conv += EmbeddingRule.flops(e[0], e[1], g, mode, n1, n2);
        }
        for (int[] e : s.positional()) { // an unshared bias of L·D values: one cotangent Gram
            conv += PositionalEmbeddingRule.flops(e[0], e[1], g, mode, n1, n2);
        }
        return passes + perPair * n1 * n2 + conv;
    }
}
