package io.ntkstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ntkstream.data.DType;
import io.ntkstream.data.NdArray;
import io.ntkstream.data.Npy;
import io.ntkstream.linalg.Matrix;
import io.ntkstream.linalg.Precision;
import io.ntkstream.meta.FineTuneCheck;
import io.ntkstream.network.Network;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "finetune-check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "The science check of the linearization (Tensor Programs IIb).",
            "Trains the network itself by full-batch gradient descent on",
            "(1/2n)·Σ‖f(x_i) − y_i‖², θ ← θ − η·∇L for --steps S steps (float64,",
            "VJPs), and compares its --test-x predictions with the NTK regression of",
            "the same checkpoint at the same training time. S steps of size η are the",
            "Euler steps of the gradient flow dθ/dt = −η∇L: t = S at learning rate η,",
            "  μ_t(x) = f0(x) + Θ(x,X)Θ⁻¹(I − exp(−ηtΘ/n))(Y − f0(X)),  η·t = η·S,",
            "Θ the full NTK (O x O blocks; for one output equal to trace and pseudo).",
            "",
            "Prints one JSON line: gap = ‖f_GD − μ_t‖/‖μ_t − f0‖ over the test",
            "predictions, and discrete_gap, the same against the linearized network",
            "after S discrete steps (no time-discretization error). In NTK",
            "parametrization the gap shrinks like 1/√width."})
final class FinetuneCheckCommand implements Callable<Integer> {

    @Mixin
    NetworkOptions model;

    @Option(names = "--train-x", required = true, description = "Training inputs, .npy of shape (n, input_dim).")
    Path trainX;

    @Option(names = "--train-y", required = true,
            description = "Training targets, float .npy (n, O) (or (n,) when O = 1).")
    Path trainY;

    @Option(names = "--test-x", required = true, description = "Test inputs, .npy of shape (m, input_dim).")
    Path testX;

    @Option(names = "--lr", required = true, description = "Learning rate η > 0 of gradient descent.")
    double lr;

    @Option(names = "--steps", required = true, description = "Full-batch gradient-descent steps S >= 0.")
    int steps;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--out-gd", description = "Output .npy: the trained network's test predictions, float64 (m, O).")
    Path outGd;

    @Option(names = "--out-linear", description = "Output .npy: μ_t on the test inputs, float64 (m, O).")
    Path outLinear;

    @Override
    public Integer call() {
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("--lr: expected a finite learning rate > 0, got " + lr);
        }
        if (steps < 0) {
            throw new IllegalArgumentException("--steps: expected an integer >= 0, got " + steps);
        }
        threads.apply();
        long start = System.nanoTime();
        Network network = model.load(Precision.FLOAT64);
        int outputs = network.outputDim();
        try (Matrix x = Inputs.samples(trainX, network.inputDim(), Precision.FLOAT64, "--train-x");
             Matrix test = Inputs.samples(testX, network.inputDim(), Precision.FLOAT64, "--test-x")) {
            double[][] y = Inputs.regressionTargets(trainY, x.cols(), outputs, "--train-y");
            FineTuneCheck.Result r = FineTuneCheck.run(network, x, y, test, lr, steps);
            if (outGd != null) {
                Npy.writeMatrix(outGd, r.finetuned(), DType.FLOAT64);
            }
            if (outLinear != null) {
                Npy.writeMatrix(outLinear, r.linearized(), DType.FLOAT64);
            }
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("command", "finetune-check");
            json.put("network", network.architecture().shapeString());
            json.put("parametrization", network.architecture().parametrization().name().toLowerCase());
            json.put("params", network.paramCount());
            json.put("n_train", x.cols());
            json.put("n_test", test.cols());
            json.put("outputs", outputs);
            json.put("lr", lr);
            json.put("steps", steps);
            json.put("flow_time", r.flowTime());
            json.put("gap", r.gap());
            json.put("discrete_gap", r.discreteGap());
            json.put("loss_start", r.lossStart());
            json.put("loss_end", r.lossEnd());
            json.put("seconds", (System.nanoTime() - start) / 1e9);
            if (outGd != null) {
                json.put("out_gd", outGd.toString());
            }
            if (outLinear != null) {
                json.put("out_linear", outLinear.toString());
            }
            System.out.println(json);
        }
        return 0;
    }
}
