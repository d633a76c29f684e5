package io.ntkstream.kafka;

/**
 * A new model checkpoint version (topic models): the architecture JSON inline and the URI of the
 * parameter file (safetensors or .npz), read through Flink's FileSystem so checkpoints never
 * travel inside Kafka messages. A Flink POJO.
 */
public class ModelEvent {
    public long version;
    /** The architecture as JSON text (see {@code io.ntkstream.network.Architecture}). */
    public String arch;
    public String paramsUri;
    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;
    public String raw;

    public ModelEvent() {
    }

    public ModelEvent(long version, String arch, String paramsUri) {
        this.version = version;
        this.arch = arch;
        this.paramsUri = paramsUri;
    }

    public DeadLetter deadLetter(String error) {
        return new DeadLetter(sourceTopic, sourcePartition, sourceOffset, raw, error);
    }

    @Override
    public String toString() {
        return "model v" + version + " (" + paramsUri + ")";
    }
}
