package io.ntkstream.data;

/** A data file (e.g. {@code .npy}) is missing, malformed or of an unsupported kind. */
public class DataFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataFileException(String message) {
        super(message);
    }

    public DataFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
