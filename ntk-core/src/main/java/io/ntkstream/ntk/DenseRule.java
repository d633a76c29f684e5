package io.ntkstream.ntk;

import io.ntkstream.linalg.Matrix;
import io.ntkstream.network.DenseLayer;

/**
 * Dense layer, z = s_w·W·a + s_b·b. Since ∂f_o/∂W = s_w·δ[o] aᵀ and ∂f_o/∂b = s_b·δ[o]:
 * Θ_l(x1,x2)[o,o'] = (s_w²·⟨a(x1), a(x2)⟩ + s_b²)·⟨δ(x1)[o], δ(x2)[o']⟩
 * (Novak et al. 2022, §4 "structured derivatives", the dense rule).
 */
final class DenseRule implements StructureRule {

    @Override
    public void accumulate(LayerFeatures f1, LayerFeatures f2, NtkMode mode, int outputs, KernelBlock target) {
        DenseLayer dense = (DenseLayer) f1.layer();
        accumulate(f1.inputs(), f2.inputs(), f1.cotangents(), f2.cotangents(), dense.weightScale(),
                dense.hasBias() ? dense.biasScale() : 0.0, mode, outputs, target);
    }

    /**
     * The rule on inputs a (in x b) and cotangents δ (out x b·g) of any b "samples" — also the
     * positions of a per-position dense layer ({@link PositionwiseDenseRule}); sb = 0 without bias.
     */
    static void accumulate(Matrix a1, Matrix a2, Matrix d1, Matrix d2, double sw, double sb, NtkMode mode, int outputs,
                           KernelBlock target) {
        try (Matrix inputGram = Matrix.multiply(a1, true, a2, false, sw * sw)) {
            if (sb != 0.0) {
                inputGram.addConstant(sb * sb);
            }
            CotangentGram.accumulate(d1, d2, mode, outputs, inputGram, target);
        }
    }
}
