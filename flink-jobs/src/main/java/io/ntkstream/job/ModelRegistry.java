package io.ntkstream.job;

import io.ntkstream.checkpoint.ModelLoader;
import io.ntkstream.kafka.ModelEvent;
import io.ntkstream.kernel.EmpiricalNtkKernel;
import io.ntkstream.kernel.FeatureKernel;
import io.ntkstream.linalg.Precision;
import io.ntkstream.ntk.NtkMode;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernels of the model versions this operator instance has loaded (heap only: after a restore
 * they are loaded again from their URIs). Only the current version is kept.
 */
final class ModelRegistry {
    private final Precision precision;
    private final NtkMode mode;
    private final Map<Long, FeatureKernel> kernels = new HashMap<>();

    ModelRegistry(Precision precision, NtkMode mode) {
        this.precision = precision;
        this.mode = mode;
    }

    /** The kernel of this model version, loading the checkpoint if needed (throws on an unreadable one). */
    FeatureKernel kernel(ModelEvent model) {
        FeatureKernel k = kernels.get(model.version);
        if (k == null) {
            k = new EmpiricalNtkKernel(ModelLoader.load(model, precision).network(), mode);
            kernels.clear(); // only the current version is used
            kernels.put(model.version, k);
        }
        return k;
    }
}
