package io.ntkstream.network.checkpoint;

/** TEMPORARY stub until the io branch lands. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String m) { super(m); }
}
