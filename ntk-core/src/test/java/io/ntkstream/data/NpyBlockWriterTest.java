package io.ntkstream.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyBlockWriterTest {
    @TempDir
    Path tmp;

    @Test
    void blocksOfRowsReadBackEqual() throws IOException {
        int[] shape = {10, 3, 2, 2};
        double[] all = new double[10 * 12];
        for (int i = 0; i < all.length; i++) {
            all[i] = Math.sin(i) * 100;
        }
        Path p = tmp.resolve("ntk.npy");
        try (NpyBlockWriter w = new NpyBlockWriter(p, shape, DType.FLOAT64)) {
            w.appendRows(Arrays.copyOfRange(all, 0, 36)); // rows 0..2
            w.appendRows(all, 36, 12); // row 3
            w.appendRows(Arrays.copyOfRange(all, 48, 120)); // rows 4..9
            assertThat(w.valuesWritten()).isEqualTo(120);
            assertThat(w.totalValues()).isEqualTo(120);
        }
        assertThat(Npy.read(p)).isEqualTo(new NdArray(shape, all, DType.FLOAT64));

        // block-written file is byte-identical to a one-shot write
        Path q = tmp.resolve("once.npy");
        Npy.write(q, shape, all, DType.FLOAT64);
        assertThat(Files.readAllBytes(p)).isEqualTo(Files.readAllBytes(q));
    }

    @Test
    void blocksLargerThanTheScratchBuffer() {
        int rows = 300;
        int cols = 4000; // 1.2M doubles = 9.6 MB > 4 MB scratch
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5;
        }
        Path p = tmp.resolve("wide.npy");
        try (NpyBlockWriter w = new NpyBlockWriter(p, new int[] {rows, cols}, DType.FLOAT64)) {
            w.appendRows(v, 0, 200 * cols);
            w.appendRows(v, 200 * cols, 100 * cols);
        }
        assertThat(Npy.read(p).values()).isEqualTo(v);
    }

    @Test
    void tooFewValuesFailOnClose() {
        Path p = tmp.resolve("short.npy");
        NpyBlockWriter w = new NpyBlockWriter(p, new int[] {3, 4}, DType.FLOAT64);
        w.appendRows(new double[8]);
        assertThatThrownBy(w::close).isInstanceOf(DataFileException.class)
                .hasMessageContaining("short.npy: incomplete .npy file: 8 of 12 values written for shape (3, 4)");
        // the partial file is detectably truncated
        assertThatThrownBy(() -> Npy.read(p)).hasMessageContaining("is truncated");
    }

    @Test
    void tooManyValuesFailOnAppend() {
        Path p = tmp.resolve("long.npy");
        try (NpyBlockWriter w = new NpyBlockWriter(p, new int[] {2, 2}, DType.FLOAT32)) {
            w.appendRows(new double[4]);
            assertThatThrownBy(() -> w.appendRows(new double[2])).isInstanceOf(DataFileException.class)
                    .hasMessageContaining("appending 2 values after 4 exceeds the declared shape (2, 2)");
        }
    }

    @Test
    void partialRowsAreRejected() {
        Path p = tmp.resolve("rows.npy");
        try (NpyBlockWriter w = new NpyBlockWriter(p, new int[] {2, 3}, DType.FLOAT64)) {
            assertThatThrownBy(() -> w.appendRows(new double[4]))
                    .hasMessageContaining("not a whole number of rows of 3 values");
            w.appendRows(new double[6]);
        }
    }

    @Test
    void missingDirectoryIsReported() {
        Path p = tmp.resolve("no/such/dir/out.npy");
        assertThatThrownBy(() -> new NpyBlockWriter(p, new int[] {1}, DType.FLOAT64))
                .isInstanceOf(DataFileException.class).hasMessageContaining("out.npy: cannot create the file");
    }
}
