package io.ntkstream.meta;

import io.ntkstream.kernel.TrainingTime;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.network.ForwardTrace;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;
import io.ntkstream.ntk.EmpiricalNtk;
import io.ntkstream.ntk.KernelBlock;
import io.ntkstream.ntk.NtkMethod;
import io.ntkstream.ntk.NtkMode;

/**
 * The science check of the linearization (Tensor Programs IIb): trains the actual network by
 * full-batch gradient descent on (1/2n)·Σ_i‖f(x_i) − y_i‖², θ ← θ − η·∇L for S steps, in float64
 * with {@link Network#vjp}, and compares its test predictions with the NTK regression μ_t of the
 * same checkpoint at the same training time.
 *
 * <p>Convention (the one of {@link TrainingTime}): S steps of size η are the Euler steps of the
 * gradient flow dθ/dt = −η·∇L with dt = 1, so they correspond to t = S at learning rate η, η·t = η·S,
 * and the linearized network follows f_t − Y = exp(−ηtΘ/n)(f0 − Y) on the training set:
 * μ_t(x) = f0(x) + Θ(x,X)Θ⁻¹(I − exp(−ηtΘ/n))(Y − f0(X)). Θ is the full NTK (nO x nO blocks
 * J(x)J(x')ᵀ), so the check is exact for any O (for O = 1 it equals the trace/pseudo kernels).
 * The report also gives the gap to the linearized network after S discrete GD steps
 * (K⁻¹(I − (I − ηK/n)^S)), which removes the flow's time-discretization error and leaves the
 * non-linearity alone.
 *
 * <p>Gap = ‖f_GD − μ_t‖ / ‖μ_t − f0‖ over the test predictions (Frobenius norms): the error of
 * the linearization relative to how far fine-tuning moved the predictions. In NTK
 * parametrization it shrinks like 1/√width.
 *
 * <p>Lives in {@code meta} rather than {@code kernel}: it needs the full-NTK flow on an
 * nO x nO Gram matrix with the rate divisor n ≠ nO, which {@link TaskSpectrum} provides and the
 * kernel package's scalar {@code KernelState} does not.
 */
public final class FineTuneCheck {
    private FineTuneCheck() {}

    /**
     * @param f0             network outputs at the checkpoint on the test inputs, m x O
     * @param finetuned      the gradient-descent-trained network's outputs, m x O
     * @param linearized     μ_t, m x O
     * @param linearizedSteps the linearized network after S discrete steps, m x O
     * @param gap            ‖f_GD − μ_t‖ / ‖μ_t − f0‖
     * @param discreteGap    ‖f_GD − f_lin,S‖ / ‖f_lin,S − f0‖
     * @param lossStart      training loss (1/2n)Σ‖f − y‖² at the checkpoint
     * @param lossEnd        training loss after S steps
     */
    public record Result(double learningRate, int steps, double flowTime, double[][] f0, double[][] finetuned,
                         double[][] linearized, double[][] linearizedSteps, double gap, double discreteGap,
                         double lossStart, double lossEnd) {
    }

    /**
     * Runs the check: x (input_dim x n), y (n x O), test inputs (input_dim x m), learning rate
     * η > 0, S >= 0 steps. The network is used in float64 whatever its precision.
     */
    public static Result run(Network network, Matrix trainX, double[][] trainY, Matrix testX, double learningRate,
                             int steps) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate η must be finite and > 0, got " + learningRate);
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        Network net = float64(network);
        int n = trainX.cols();
        int outputs = net.outputDim();
        if (trainY.length != n) {
            throw new IllegalArgumentException("y: expected " + n + " rows (one per training sample), got "
                    + trainY.length);
        }
        for (int i = 0; i < n; i++) {
            if (trainY[i].length != outputs) {
                throw new IllegalArgumentException("y: row " + i + " has " + trainY[i].length + " values, expected O = "
                        + outputs);
            }
        }
        if (testX.rows() != net.inputDim()) {
            throw new IllegalArgumentException("test x: expected input_dim = " + net.inputDim() + " rows, got "
                    + testX.rows());
        }
        TrainingTime time = TrainingTime.of(steps, learningRate);
        double[][] f0Test = outputs(net, testX);
        double[][] f0Train = outputs(net, trainX);

        // the linearized network: full NTK, flow and discrete steps
        EmpiricalNtk ntk = new EmpiricalNtk(net, NtkMode.FULL, NtkMethod.AUTO);
        KernelBlock kTrain = ntk.compute(trainX);
        KernelBlock kTest = ntk.compute(testX, trainX);
        double[][] gram = new double[n * outputs][n * outputs];
        double[][] residual = new double[n * outputs][1];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < outputs; o++) {
                residual[i * outputs + o][0] = trainY[i][o] - f0Train[i][o];
                for (int j = 0; j < n; j++) {
                    for (int p = 0; p < outputs; p++) {
                        gram[i * outputs + o][j * outputs + p] = kTrain.get(i, j, o * outputs + p);
                    }
                }
            }
        }
        TaskSpectrum spectrum = TaskSpectrum.of(gram, residual, n);
        double[][] mu = predict(f0Test, kTest, spectrum.coefficients(new HyperParameters(0.0, time)), outputs);
        double[][] muSteps = predict(f0Test, kTest, spectrum.discreteCoefficients(learningRate, steps), outputs);

        // the network itself, by gradient descent
        double lossStart = loss(f0Train, trainY);
        double[] theta = Networks.flatten(net);
        Network current = net;
        double[][] fTrain = f0Train;
        for (int s = 0; s < steps; s++) {
            double[] cotangent = new double[n * outputs]; // (f − y)/n, O x n column-major
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < outputs; o++) {
                    cotangent[i * outputs + o] = (fTrain[i][o] - trainY[i][o]) / n;
                }
            }
            double[] grad;
            try (Matrix c = Matrix.fromColumnMajor(Precision.FLOAT64, outputs, n, cotangent);
                 Matrix g = current.vjp(trainX, c)) {
                grad = g.toColumnMajor();
            }
            for (int p = 0; p < theta.length; p++) {
                theta[p] -= learningRate * grad[p];
            }
            current = Networks.fromTensors(net.architecture(), Networks.toTensors(net, theta), Precision.FLOAT64);
            fTrain = outputs(current, trainX);
        }
        double lossEnd = loss(fTrain, trainY);
        double[][] trained = outputs(current, testX);
        return new Result(learningRate, steps, time.flowTime(), f0Test, trained, mu, muSteps,
                relativeGap(trained, mu, f0Test), relativeGap(trained, muSteps, f0Test), lossStart, lossEnd);
    }

    /** ‖a − b‖ / ‖b − base‖, Frobenius. */
    public static double relativeGap(double[][] a, double[][] b, double[][] base) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            for (int o = 0; o < a[i].length; o++) {
                double d = a[i][o] - b[i][o];
                double e = b[i][o] - base[i][o];
                num += d * d;
                den += e * e;
            }
        }
        return Math.sqrt(num / den);
    }

    /** μ(x_j) = f0(x_j) + Σ_{i,o'} Θ(x_j, x_i)[o, o']·c[i·O + o']. */
    private static double[][] predict(double[][] f0, KernelBlock cross, double[][] c, int outputs) {
        int m = f0.length;
        int n = cross.cols();
        double[][] mu = new double[m][];
        for (int j = 0; j < m; j++) {
            mu[j] = f0[j].clone();
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < outputs; o++) {
                    for (int p = 0; p < outputs; p++) {
                        mu[j][o] += cross.get(j, i, o * outputs + p) * c[i * outputs + p][0];
                    }
                }
            }
        }
        return mu;
    }

    /** (1/2n)·Σ_i‖f(x_i) − y_i‖². */
    static double loss(double[][] f, double[][] y) {
        double s = 0;
        for (int i = 0; i < f.length; i++) {
            for (int o = 0; o < f[i].length; o++) {
                double d = f[i][o] - y[i][o];
                s += d * d;
            }
        }
        return s / (2.0 * f.length);
    }

    /** Outputs n x O of x (input_dim x n). */
    static double[][] outputs(Network network, Matrix x) {
        try (ForwardTrace trace = network.forward(x)) {
            Matrix out = trace.output();
            double[] v = out.toColumnMajor();
            int o = out.rows();
            double[][] f = new double[out.cols()][o];
            for (int i = 0; i < f.length; i++) {
                System.arraycopy(v, i * o, f[i], 0, o);
            }
            return f;
        }
    }

    private static Network float64(Network network) {
        if (network.precision() == Precision.FLOAT64) {
            return network;
        }
        return Networks.fromTensors(network.architecture(), Networks.toTensors(network, Networks.flatten(network)),
                Precision.FLOAT64);
    }
}
