package io.ntkstream.ntk;

import io.ntkstream.network.ConvGeometry;
import io.ntkstream.network.ConvLayer;
import io.ntkstream.network.DenseLayer;
import io.ntkstream.network.EmbeddingLayer;
import io.ntkstream.network.Layer;
import io.ntkstream.network.Network;
import io.ntkstream.network.NormLayer;
import io.ntkstream.network.PoolLayer;
import io.ntkstream.network.PositionalEmbeddingLayer;
import io.ntkstream.network.PositionalEncodingLayer;
import io.ntkstream.network.PositionwiseDenseLayer;
import io.ntkstream.network.ResidualAdd;
import io.ntkstream.network.ScaledDotProductAttention;
import java.util.List;

/**
 * The sizes the cost and memory models need: per dense layer (fan_in, fan_out), per convolution
 * its geometry, per norm layer with parameters (features, channels), per per-position dense map
 * (positions, fan_in, fan_out), per embedding (positions, dim), per learned positional embedding
 * (positions, dim), all layer widths, outputs O,
 * parameters P and bytes per number.
 */
public record NetworkShape(List<int[]> denseFans, List<ConvGeometry> convs, List<int[]> norms, List<int[]> positionwise,
                           List<int[]> embeddings, List<int[]> positional, long activationsPerSample, int outputs, long params, int bytes,
                           double macsPerSample) {

    public static NetworkShape of(Network network) {
        List<int[]> fans = network.denseLayers().stream().map(d -> new int[] {d.inDim(), d.outDim()}).toList();
        List<ConvGeometry> convs = network.layers().stream().filter(ConvLayer.class::isInstance)
                .map(l -> ((ConvLayer) l).geometry()).toList();
        List<int[]> norms = network.layers().stream()
                .filter(l -> l instanceof NormLayer n && n.paramCount() > 0)
                .map(l -> new int[] {((NormLayer) l).dim(), ((NormLayer) l).channels()}).toList();
        List<int[]> positionwise = network.layers().stream().filter(PositionwiseDenseLayer.class::isInstance)
                .map(l -> (PositionwiseDenseLayer) l).map(p -> new int[] {p.positions(), p.fanIn(), p.fanOut()}).toList();
        List<int[]> embeddings = network.layers().stream().filter(EmbeddingLayer.class::isInstance)
                .map(l -> (EmbeddingLayer) l).map(e -> new int[] {e.positions(), e.dim()}).toList();
        List<int[]> positional = network.layers().stream().filter(PositionalEmbeddingLayer.class::isInstance)
                .map(l -> (PositionalEmbeddingLayer) l).map(e -> new int[] {e.positions(), e.dim()}).toList();
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
            } else if (l instanceof PositionwiseDenseLayer p) {
                macs += (double) p.positions() * p.fanIn() * p.fanOut();
            } else if (l instanceof EmbeddingLayer e) {
                macs += e.outDim();
            } else if (l instanceof PositionalEmbeddingLayer || l instanceof PositionalEncodingLayer) {
                macs += l.outDim(); // one addition per value
            } else if (l instanceof ScaledDotProductAttention a) {
                macs += 2.0 * a.positions() * a.positions() * a.dim() + 4.0 * a.positions() * a.positions() * a.heads();
            }
        }
        return new NetworkShape(fans, convs, norms, positionwise, embeddings, positional, acts, network.outputDim(), network.paramCount(),
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
                + norms.stream().mapToLong(f -> f[0]).sum()
                + positionwise.stream().mapToLong(f -> (long) f[0] * f[1]).sum()
                + embeddings.stream().mapToLong(f -> f[0]).sum()
                + positional.stream().mapToLong(f -> (long) f[0] * f[1]).sum();
    }

    /** Numbers per sample and cotangent leaving the parameterized layers (their stored cotangents). */
    public long sumFanOut() {
        return denseFans.stream().mapToLong(f -> f[1]).sum() + convs.stream().mapToLong(ConvGeometry::outSize).sum()
                + norms.stream().mapToLong(f -> f[0]).sum()
                + positionwise.stream().mapToLong(f -> (long) f[0] * f[2]).sum()
                + embeddings.stream().mapToLong(f -> (long) f[0] * f[1]).sum()
                + positional.stream().mapToLong(f -> (long) f[0] * f[1]).sum();
    }
}
