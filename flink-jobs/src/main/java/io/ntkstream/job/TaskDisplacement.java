package io.ntkstream.job;

/**
 * A task's linearized fine-tune displacement Δθ = J(X)ᵀ(K + λI)⁻¹(Y − f0(X)) under a model
 * version (for the Reptile meta-update of the checkpoint), with what is needed to load that
 * version's parameters. A Flink POJO.
 */
public class TaskDisplacement {
    public String task;
    public long modelVersion;
    public String arch;
    public String paramsUri;
    public int nTrain;
    public double[] delta;

    public TaskDisplacement() {
    }
}
