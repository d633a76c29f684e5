package io.ntkstream.network.checkpoint;

/** A checkpoint file is missing, malformed or of an unsupported kind; the message names file and tensor. */
public class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
