package io.ntkstream.ntk;

import io.ntkstream.network.DenseLayer;
import io.ntkstream.network.Layer;
import io.ntkstream.network.Network;
import java.util.List;

/**
 * The sizes the cost and memory models need: per dense layer (fan_in, fan_out), all layer widths,
 * outputs O, parameters P and bytes per number.
 */
public record NetworkShape(List<int[]> denseFans, long activationsPerSample, int outputs, long params, int bytes) {

    public static NetworkShape of(Network network) {
        List<int[]> fans = network.denseLayers().stream().map(d -> new int[] {d.inDim(), d.outDim()}).toList();
        long acts = network.inputDim();
        for (Layer l : network.layers()) {
            acts += l.outDim();
        }
        return new NetworkShape(fans, acts, network.outputDim(), network.paramCount(), network.precision().bytes());
    }

    /** Σ_l fan_in·fan_out: the multiply-adds of one forward pass per sample. */
    public double macsPerSample() {
        double s = 0;
        for (int[] f : denseFans) {
            s += (double) f[0] * f[1];
        }
        return s;
    }

    public long sumFanIn() {
        return denseFans.stream().mapToLong(f -> f[0]).sum();
    }

    public long sumFanOut() {
        return denseFans.stream().mapToLong(f -> f[1]).sum();
    }
}
