package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.ForwardTrace;
import io.ntkstream.network.Layer;
import io.ntkstream.network.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * NTK-vector products: Θ(x1, x2)·e = J(x1)·(J(x2)ᵀ e). For each column e (a sample of x2 and
 * one output cotangent) one VJP gives a parameter vector, one JVP of all of x1 along it gives
 * the column. J(x1) is never formed; the VJPs are processed a chunk of columns at a time.
 */
final class NtvpNtk implements NtkAlgorithm {
    /** Parameter vectors held at once: bounds memory at chunk·P numbers. */
    private final int maxChunk;

    NtvpNtk(int maxChunk) {
        this.maxChunk = maxChunk;
    }

    record Passes(Network network, NtkMode mode, ForwardTrace trace, List<Matrix> cotangents, int samples)
            implements Prepared {
        @Override
        public void close() {
            trace.close();
            Network.closeAll(cotangents, null);
        }
    }

    @Override
    public NtkMethod method() {
        return NtkMethod.NTVP;
    }

    @Override
    public Prepared prepare(Network network, NtkMode mode, Matrix x) {
        int outputs = network.outputDim();
        ForwardTrace trace = network.forward(x);
        List<Matrix> cotangents = network.backpropagate(trace, mode.seed(network.precision(), outputs, x.cols()),
                mode.cotangentsPerSample(outputs));
        return new Passes(network, mode, trace, cotangents, x.cols());
    }

    @Override
    public void accumulate(Prepared block1, Prepared block2, KernelBlock target) {
        Passes p1 = (Passes) block1;
        Passes p2 = (Passes) block2;
        Network network = p1.network();
        int outputs = network.outputDim();
        NtkMode mode = p1.mode();
        int g = mode.cotangentsPerSample(outputs);
        int b1 = p1.samples();
        int samplesPerChunk = Math.max(1, Math.min(p2.samples(), maxChunk / g));
        for (int s0 = 0; s0 < p2.samples(); s0 += samplesPerChunk) {
            int s1 = Math.min(p2.samples(), s0 + samplesPerChunk);
            int columns = (s1 - s0) * g;
            // VJPs: one parameter vector J(x2_s)ᵀ e_k per column (sample s, cotangent k)
            Matrix tangents = Matrix.zeros(network.precision(), network.paramCount(), columns);
            network.parameterCotangents(p2.trace().slice(s0, s1), sliceColumns(p2.cotangents(), s0 * g, s1 * g), g,
                    tangents, 0);
            // JVPs: J(x1)·v for every vector at once: O x (columns·b1), column t·b1 + i
            Matrix products = network.jvp(p1.trace(), tangents);
            tangents.close();
            double[] column = new double[outputs];
            for (int t = 0; t < columns; t++) {
                int j = s0 + t / g;
                int k = t % g;
                for (int i = 0; i < b1; i++) {
                    products.readColumn(t * b1 + i, column);
                    switch (mode) {
                        case FULL -> {
                            for (int o = 0; o < outputs; o++) {
                                target.values()[target.index(i, j, o * outputs + k)] += column[o];
                            }
                        }
                        case TRACE -> target.values()[target.index(i, j, 0)] += column[k];
                        case DIAGONAL -> target.values()[target.index(i, j, k)] += column[k];
                        case PSEUDO -> {
                            // tangent is J2ᵀ(1/√O)·1, so (1/√O)·Σ_o of the product is (1/O)·Σ_{o,o'} Θ[o,o']
                            double sum = 0;
                            for (int o = 0; o < outputs; o++) {
                                sum += column[o];
                            }
                            target.values()[target.index(i, j, 0)] += sum / Math.sqrt(outputs);
                        }
                        default -> throw new IllegalStateException(mode.toString());
                    }
                }
            }
            products.close();
        }
    }

    private static List<Matrix> sliceColumns(List<Matrix> cotangents, int from, int to) {
        List<Matrix> out = new ArrayList<>();
        for (Matrix m : cotangents) {
            out.add(m.columns(from, to));
        }
        return out;
    }

    int chunkFor(NetworkShape s, NtkMode mode) {
        int g = mode.cotangentsPerSample(s.outputs());
        return Math.max(g, maxChunk / g * g);
    }

    @Override
    public long blockBytes(NetworkShape s, NtkMode mode, int b1, int b2) {
        int g = mode.cotangentsPerSample(s.outputs());
        long columns = Math.min((long) b2 * g, chunkFor(s, mode));
        long passes = preparedBytes(s, mode, b1) + preparedBytes(s, mode, b2);
        long vjp = columns * s.params() * s.bytes();
        long jvp = columns * b1 * 2L * s.activationsPerSample() * s.bytes(); // tangent activations, in and out
        return passes + vjp + jvp;
    }

    @Override
    public long preparedBytes(NetworkShape s, NtkMode mode, int b) {
        return (long) b * (1L + mode.cotangentsPerSample(s.outputs())) * s.activationsPerSample() * s.bytes();
    }

    @Override
    public double flops(NetworkShape s, NtkMode mode, long n1, long n2, boolean symmetric) {
        long samples = symmetric ? n1 : n1 + n2; // a symmetric kernel passes each sample through the network once
        int g = mode.cotangentsPerSample(s.outputs());
        double passes = 2.0 * samples * s.macsPerSample() * (1 + g);
        double vjps = (double) n2 * g * s.params() * (double) Math.max(1, (n1 + 255) / 256); // recomputed per row block
        double jvps = 4.0 * n1 * n2 * g * s.macsPerSample(); // W·ȧ and Ẇ·a per direction and sample
        return passes + vjps + jvps;
    }
}
