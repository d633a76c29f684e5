package io.ntkstream.cli;

import java.util.SplittableRandom;

/**
 * The records {@code bench stream} produces, as JSON text, built fast and without storing them:
 * an input vector is the concatenation of {@value #PARTS} chunks, each picked from
 * {@value #VARIANTS} pre-formatted random chunks, so that inputs are practically unique
 * (64⁸ combinations) while a record costs only string concatenation. Values are Gaussian,
 * rounded to 3 decimals (short JSON, about 6 bytes a value). Thread-safe.
 */
final class StreamBenchData {
    static final int PARTS = 8;
    static final int VARIANTS = 64;

    private final int outputs;
    private final String[][] chunks;
    private final SplittableRandom random;

    StreamBenchData(int inputDim, int outputs, long seed) {
        this.outputs = outputs;
        this.random = new SplittableRandom(seed);
        int parts = Math.min(PARTS, inputDim);
        chunks = new String[parts][VARIANTS];
        for (int p = 0; p < parts; p++) {
            int from = (int) ((long) inputDim * p / parts);
            int to = (int) ((long) inputDim * (p + 1) / parts);
            for (int v = 0; v < VARIANTS; v++) {
                StringBuilder b = new StringBuilder((to - from) * 7);
                for (int i = from; i < to; i++) {
                    if (i > from) {
                        b.append(',');
                    }
                    b.append(Math.round(gaussian() * 1000) / 1000.0);
                }
                chunks[p][v] = b.toString();
            }
        }
    }

    /** Whether samples carry a class index ({@code "label"}, O ≥ 2) or a target vector ({@code "y"}). */
    boolean classification() {
        return outputs >= 2;
    }

    /** {@code {"task":..,"id":..,"x":[...],"label":k}} (or {@code "y":[...]} for a single output). */
    synchronized String sample(String task, String id) {
        StringBuilder b = new StringBuilder(8_192);
        b.append("{\"task\":\"").append(task).append("\",\"id\":\"").append(id).append("\",\"x\":");
        appendX(b);
        if (classification()) {
            b.append(",\"label\":").append(random.nextInt(outputs));
        } else {
            b.append(",\"y\":[");
            for (int o = 0; o < outputs; o++) {
                b.append(o == 0 ? "" : ",").append(Math.round(gaussian() * 1000) / 1000.0);
            }
            b.append(']');
        }
        return b.append('}').toString();
    }

    /** {@code {"task":..,"id":..,"x":[...]}}. */
    synchronized String query(String task, String id) {
        StringBuilder b = new StringBuilder(8_192);
        b.append("{\"task\":\"").append(task).append("\",\"id\":\"").append(id).append("\",\"x\":");
        appendX(b);
        return b.append('}').toString();
    }

    private void appendX(StringBuilder b) {
        b.append('[');
        for (int p = 0; p < chunks.length; p++) {
            if (p > 0) {
                b.append(',');
            }
            b.append(chunks[p][random.nextInt(VARIANTS)]);
        }
        b.append(']');
    }

    private double gaussian() {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
