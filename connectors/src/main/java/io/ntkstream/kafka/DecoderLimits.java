package io.ntkstream.kafka;

import java.io.Serializable;

/**
 * Size limits the {@link RecordDecoder} enforces; a record over a limit goes to the dead-letter
 * topic.
 *
 * @param maxVectorLength most entries in {@code x} or {@code y}
 * @param maxPick         largest {@code pick} count of a pick request
 * @param maxIdLength     most characters in a {@code task} or {@code id}
 */
public record DecoderLimits(int maxVectorLength, int maxPick, int maxIdLength) implements Serializable {

    public DecoderLimits {
        if (maxVectorLength < 1 || maxPick < 1 || maxIdLength < 1) {
            throw new IllegalArgumentException("decoder limits must be positive: maxVectorLength=" + maxVectorLength
                    + ", maxPick=" + maxPick + ", maxIdLength=" + maxIdLength);
        }
    }

    /** 100,000 entries per vector, 1,000 picks per request, 256 characters per id. */
    public static DecoderLimits defaults() {
        return new DecoderLimits(100_000, 1000, 256);
    }
}
