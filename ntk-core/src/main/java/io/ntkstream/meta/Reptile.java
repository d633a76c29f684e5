package io.ntkstream.meta;

import io.ntkstream.kernel.KernelState;
import io.ntkstream.network.Network;
import io.ntkstream.network.Networks;

/**
 * First-order meta-update of the shared checkpoint (Reptile, Nichol et al. 2018, with the inner
 * loop in closed form): each task's linearized fine-tune displaces the parameters by
 * Δθ = J(X)ᵀC ({@link Displacement}); after a batch of tasks, θ0 ← θ0 + ε·mean(Δθ) is the next
 * checkpoint version. Tasks must have been adapted under the current version (their kernels
 * are that network's). Not thread-safe.
 */
public final class Reptile {
    private final double stepSize;
    private Network network;
    private double[] theta;
    private long version;
    private double[] sum;
    private int pending;

    /**
     * @param initial    the checkpoint θ0
     * @param version    θ0's version number
     * @param stepSize   ε > 0 (1 moves the checkpoint onto the mean fine-tuned parameters)
     */
    public Reptile(Network initial, long version, double stepSize) {
        if (!(stepSize > 0) || !Double.isFinite(stepSize)) {
            throw new IllegalArgumentException("step size ε must be finite and > 0, got " + stepSize);
        }
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
        this.stepSize = stepSize;
        this.network = initial;
        this.theta = Networks.flatten(initial);
        this.version = version;
        this.sum = new double[theta.length];
    }

    /** The current checkpoint's network. */
    public Network network() {
        return network;
    }

    public long version() {
        return version;
    }

    public double stepSize() {
        return stepSize;
    }

    /** Displacements accumulated since the last step. */
    public int pending() {
        return pending;
    }

    /** The current checkpoint as a versioned update. */
    public CheckpointUpdate checkpoint() {
        return new CheckpointUpdate(version, Networks.toTensors(network, theta));
    }

    /** Adds one task's Δθ (P values, {@link Networks#flatten} layout). */
    public void accumulate(double[] displacement) {
        if (displacement.length != theta.length) {
            throw new IllegalArgumentException("displacement: expected P = " + theta.length + " values, got "
                    + displacement.length);
        }
        for (double d : displacement) {
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("displacement contains NaN or infinite values");
            }
        }
        for (int p = 0; p < sum.length; p++) {
            sum[p] += displacement[p];
        }
        pending++;
    }

    /**
     * Adds the displacement of a task adapted under the current checkpoint with {@code hp};
     * returns it.
     */
    public double[] observeTask(KernelState task, HyperParameters hp) {
        if (Displacement.networkOf(task) != network) {
            throw new IllegalArgumentException("task: its kernel is not the current checkpoint's (version " + version
                    + "); rebuild the task's state under network()");
        }
        double[] d = Displacement.of(task, hp);
        accumulate(d);
        return d;
    }

    /**
     * θ0 ← θ0 + ε·mean(Δθ) over the pending displacements: the next version (also {@link #network()}
     * from now on). Requires at least one pending displacement.
     */
    public CheckpointUpdate step() {
        if (pending == 0) {
            throw new IllegalStateException("no task displacement since the last step");
        }
        double scale = stepSize / pending;
        double[] next = theta.clone();
        for (int p = 0; p < next.length; p++) {
            next[p] += scale * sum[p];
        }
        theta = next;
        var tensors = Networks.toTensors(network, theta);
        network = Networks.fromTensors(network.architecture(), tensors, network.precision());
        version++;
        sum = new double[theta.length];
        pending = 0;
        return new CheckpointUpdate(version, tensors);
    }
}
