package io.ntkstream.checkpoint;

/** A model checkpoint could not be loaded; the message names the URI and the cause. */
public class CheckpointLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String uri;

    public CheckpointLoadException(String uri, String message, Throwable cause) {
        super(message, cause);
        this.uri = uri;
    }

    /** The parameter file's URI ({@code params_uri}). */
    public String uri() {
        return uri;
    }
}
