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
        double sw = dense.weightScale();
        Matrix inputGram = Matrix.multiply(f1.inputs(), true, f2.inputs(), false, sw * sw);
        double sb = dense.biasScale();
        if (dense.hasBias() && sb != 0.0) {
            inputGram.addConstant(sb * sb);
        }
        CotangentGram.accumulate(f1.cotangents(), f2.cotangents(), mode, outputs, inputGram, target);
        inputGram.close();
    }
}
