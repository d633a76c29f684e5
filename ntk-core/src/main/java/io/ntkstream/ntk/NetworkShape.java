package io.ntkstream.ntk;

import io.ntkstream.network.ConvGeometry;
import io.ntkstream.network.ConvLayer;
import io.ntkstream.network.DenseLayer;
import io.ntkstream.network.Layer;
import io.ntkstream.network.Network;
import io.ntkstream.network.NormLayer;
import io.ntkstream.network.PoolLayer;
import io.ntkstream.network.ResidualAdd;
import java.util.List;

/**
 * The sizes the cost and memory models need: per dense layer (fan_in, fan_out), per convolution
 * its geometry, per norm layer with parameters (features, channels), all layer widths, outputs O,
 * parameters P and bytes per number.
 */
public record NetworkShape(List<int[]> denseFans, List<ConvGeometry> convs, List<int[]> norms, long activationsPerSample,
                           int outputs, long params, int bytes, double macsPerSample) {

    public static NetworkShape of(Network network) {
        List<int[]> fans = network.denseLayers().stream().map(d -> new int[] {d.inDim(), d.outDim()}).toList();
        List<ConvGeometry> convs = network.layers().stream().filter(ConvLayer.class::isInstance)
                .map(l -> ((ConvLayer) l).geometry()).toList();
        List<int[]> norms = network.layers().stream()
                .filter(l -> l instanceof NormLayer n && n.paramCount() > 0)
                .map(l -> new int[] {((NormLayer) l).dim(), ((NormLayer) l).channels()}).toList();
        long acts = network.inputDim();
        double macs = 0;
        for (Layer l : network.layers()) {
            acts += l.outDim();
            if (l instanceof DenseLayer d) {
                macs += (double) d.inDim() * d.outDim();
            } else if (l instanceof ConvLayer c) {
                ConvGeometry g = c.geometry();
                macs += (double) g.outChannels() * g.patchSize() * g.outPositions();
            } else if (l instanceof PoolLayer p) {
                macs += (double) p.outDim() * p.geometry().kernelH() * p.geometry().kernelW();
            } else if (l instanceof NormLayer n) {
                macs += 4.0 * n.dim(); // normalize, scale, shift
            } else if (l instanceof ResidualAdd r) {
                macs += r.dim();
            }
        }
        return new NetworkShape(fans, convs, norms, acts, network.outputDim(), network.paramCount(),
                network.precision().bytes(), macs);
    }

    /** Σ_l fan_in·fan_out over dense layers, C_out·patch·positions over convolutions: the multiply-adds of one forward pass per sample. */
    @Override
    public double macsPerSample() {
        return macsPerSample;
    }

    /** Numbers per sample entering the parameterized layers (their stored inputs). */
    public long sumFanIn() {
        return denseFans.stream().mapToLong(f -> f[0]).sum() + convs.stream().mapToLong(ConvGeometry::inSize).sum()
                + norms.stream().mapToLong(f -> f[0]).sum();
    }

    /** Numbers per sample and cotangent leaving the parameterized layers (their stored cotangents). */
    public long sumFanOut() {
        return denseFans.stream().mapToLong(f -> f[1]).sum() + convs.stream().mapToLong(ConvGeometry::outSize).sum()
                + norms.stream().mapToLong(f -> f[0]).sum();
    }
}
