package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.ForwardTrace;
import io.ntkstream.network.Network;
import java.util.List;

/**
 * Jacobian contraction: materialize J(x) (P x b·g, one column per sample and output, built by
 * reverse mode from each output's cotangent) and contract Θ = J1ᵀJ2. Memory P·g per sample.
 */
final class JacobianNtk implements NtkAlgorithm {

    record Jacobian(Matrix columns, NtkMode mode, int outputs, int samples) implements Prepared {
        @Override
        public void close() {
            columns.close();
        }
    }

    @Override
    public NtkMethod method() {
        return NtkMethod.JACOBIAN;
    }

    @Override
    public Prepared prepare(Network network, NtkMode mode, Matrix x) {
        int outputs = network.outputDim();
        int g = mode.cotangentsPerSample(outputs);
        ForwardTrace trace = network.forward(x);
        List<Matrix> cotangents = network.backpropagate(trace, mode.seed(network.precision(), outputs, x.cols()), g);
        Matrix jacobian = Matrix.zeros(network.precision(), network.paramCount(), x.cols() * g);
        network.parameterCotangents(trace, cotangents, g, jacobian, 0);
        trace.close();
        Network.closeAll(cotangents, null);
        return new Jacobian(jacobian, mode, outputs, x.cols());
    }

    @Override
    public void accumulate(Prepared block1, Prepared block2, KernelBlock target) {
        Jacobian j1 = (Jacobian) block1;
        Jacobian j2 = (Jacobian) block2;
        CotangentGram.accumulate(j1.columns(), j2.columns(), j1.mode(), j1.outputs(), null, target);
    }

    @Override
    public long blockBytes(NetworkShape s, NtkMode mode, int b1, int b2) {
        long gram = (long) b1 * b2 * (mode == NtkMode.FULL ? (long) g(s, mode) * g(s, mode) : 1) * s.bytes();
        return preparedBytes(s, mode, b1) + preparedBytes(s, mode, b2) + gram;
    }

    @Override
    public long preparedBytes(NetworkShape s, NtkMode mode, int b) {
        int g = g(s, mode);
        return (s.params() * g + (1L + g) * s.activationsPerSample()) * s.bytes() * b;
    }

    private static int g(NetworkShape s, NtkMode mode) {
        return mode.cotangentsPerSample(s.outputs());
    }

    @Override
    public double flops(NetworkShape s, NtkMode mode, long n1, long n2, boolean symmetric) {
        long samples = symmetric ? n1 : n1 + n2; // a symmetric kernel passes each sample through the network once
        int g = mode.cotangentsPerSample(s.outputs());
        double passes = 2.0 * samples * s.macsPerSample() * (1 + g) + (double) samples * g * s.params();
        double contraction = 2.0 * n1 * n2 * s.params() * (mode == NtkMode.FULL ? (double) g * g : g);
        return passes + contraction;
    }
}
