package io.ntkstream.ntk;

import io.ntkstream.network.EmbeddingLayer;

/**
 * Embedding, y_l = E[id_l]. ∂f_o/∂E[v] = Σ_{l : id_l = v} δ[o]_l, so
 * Θ_l(x1,x2)[o,o'] = Σ_v ⟨G1[o]_v, G2[o']_v⟩ over the tokens v both samples hold, G_v the summed
 * cotangent of token v's positions — a sparse contraction: per pair at most L shared tokens of D
 * numbers, never the vocabulary-sized gradient.
 */
final class EmbeddingRule implements StructureRule {

    /** Operations for a b1 x b2 block: forming the sums, then per pair at most L shared tokens. */
    static double flops(int positions, int dim, int g, NtkMode mode, long b1, long b2) {
        double perPair = mode == NtkMode.FULL ? (double) g * g : g;
        return (b1 + b2) * (double) positions * dim * g + (double) b1 * b2 * (positions + 2.0 * positions * dim * perPair);
    }

    @Override
    public void accumulate(LayerFeatures f1, LayerFeatures f2, NtkMode mode, int outputs, KernelBlock target) {
        EmbeddingLayer layer = (EmbeddingLayer) f1.layer();
        int g = mode.cotangentsPerSample(outputs);
        int dim = layer.dim();
        EmbeddingLayer.TokenGradients t1 = layer.tokenGradients(f1.inputs(), f1.cotangents(), g);
        EmbeddingLayer.TokenGradients t2 = f1 == f2 ? t1 : layer.tokenGradients(f2.inputs(), f2.cotangents(), g);
        int b1 = f1.inputs().cols();
        int b2 = f2.inputs().cols();
        double[] t = target.values();
        for (int i = 0; i < b1; i++) {
            int[] keys1 = t1.ids()[i * g];
            for (int j = 0; j < b2; j++) {
                int[] keys2 = t2.ids()[j * g];
                int a = 0;
                int b = 0;
                while (a < keys1.length && b < keys2.length) {
                    if (keys1[a] < keys2[b]) {
                        a++;
                    } else if (keys1[a] > keys2[b]) {
                        b++;
                    } else {
                        addToken(t1, t2, i, j, a * dim, b * dim, dim, g, mode, t, target);
                        a++;
                        b++;
                    }
                }
            }
        }
    }

    /** One shared token's ⟨G1[k1], G2[k2]⟩ in the mode's layout. */
    private static void addToken(EmbeddingLayer.TokenGradients t1, EmbeddingLayer.TokenGradients t2, int i, int j, int at1,
                                 int at2, int dim, int g, NtkMode mode, double[] t, KernelBlock target) {
        for (int k1 = 0; k1 < g; k1++) {
            double[] s1 = t1.sums()[i * g + k1];
            for (int k2 = 0; k2 < g; k2++) {
                if (mode != NtkMode.FULL && k1 != k2) {
                    continue;
                }
                double[] s2 = t2.sums()[j * g + k2];
                double dot = 0;
                for (int e = 0; e < dim; e++) {
                    dot += s1[at1 + e] * s2[at2 + e];
                }
                int k = switch (mode) {
                    case FULL -> k1 * g + k2;
                    case TRACE, PSEUDO -> 0;
                    case DIAGONAL -> k1;
                };
                t[target.index(i, j, k)] += dot;
            }
        }
    }
}
