package io.ntkstream.linalg;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.blas.BlasException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dense float64 factorizations and solves for the Gram/Cholesky and kernel-regression code:
 * Cholesky, triangular solves, Cholesky solves and the symmetric eigendecomposition.
 *
 * <p>Inputs are never modified (LAPACK works on copies). Like LAPACK, {@link #cholesky} and
 * {@link #symmetricEigen} read only the lower triangle of their (symmetric) argument, and the
 * triangular solves read only the lower triangle of {@code l}.
 *
 * <p>Backend notes (ND4J 1.0.0-M2.1 on OpenBLAS, measured): {@code lapack().potrf} and
 * {@code lapack().syev} are used. Not used: the {@code Cholesky} custom op (rejects genuine SPD
 * matrices from n ≈ 170 on as "not positive-defined" and takes seconds to tens of seconds doing so),
 * the {@code TriangularSolve} custom op (correct but 50–100× slower than the blocked solve here:
 * ≈18 s for n = k = 1000) and {@code level3().trsm} (silently wrong). The triangular solve is a
 * blocked substitution: small diagonal blocks in Java, the O(n²k) off-diagonal updates as GEMM.
 */
public final class Decompositions {
    /** Diagonal block size of the blocked triangular solve. */
    private static final int BLOCK = 128;
    /** Work (multiply-adds) above which the Java part of a block solve is split across threads. */
    private static final long PARALLEL_WORK = 1L << 18;

    private Decompositions() {}

    /**
     * Eigenvalues in ascending order and the matching orthonormal eigenvectors as the columns of
     * {@code vectors} (column i belongs to {@code values[i]}). Owns {@code vectors}: close it, or
     * this, to free the native buffer.
     */
    public record SymmetricEigen(double[] values, Matrix vectors) implements AutoCloseable {
        @Override
        public void close() {
            vectors.close();
        }
    }

    /**
     * The Cholesky factor: lower-triangular L with A = L·Lᵀ, its upper triangle exactly 0.
     * Reads only the lower triangle of {@code a}.
     *
     * @throws IllegalArgumentException if {@code a} is not square float64, or is not (numerically)
     *     positive definite; the message names the first leading minor that is not
     */
    public static Matrix cholesky(Matrix a) {
        BackendCheck.ensure();
        requireFloat64("cholesky", "a", a);
        requireSquare("cholesky", "a", a);
        int n = a.rows();
        Matrix l = a.copy();
        boolean ok = false;
        try {
            try {
                Nd4j.getBlasWrapper().lapack().potrf(l.nd4j(), true);
            } catch (BlasException e) {
                int info = e.getErrorCode();
                if (info > 0) {
                    throw notPositiveDefinite(n, info);
                }
                if (info == -4) { // LAPACKE's input check: argument 4 (A) holds a NaN
                    throw new IllegalArgumentException("cholesky: a (" + n + "x" + n
                            + ") has a NaN in its lower triangle (LAPACKE info -4)");
                }
                throw new IllegalStateException("cholesky: LAPACK dpotrf failed (info " + info + ") for " + a, e);
            }
            // LAPACKE rejects NaN input (info -4), but infinities pass its check and the factor is not
            // otherwise validated: check the pivots ourselves (O(n)).
            for (int i = 0; i < n; i++) {
                double d = l.get(i, i);
                if (!(d > 0.0) || Double.isInfinite(d)) {
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw new IllegalArgumentException("cholesky: matrix is not positive definite (leading minor "
                                + (i + 1) + " of " + n + " gave a non-finite pivot " + d
                                + "; does the input contain NaN or infinity?)");
                    }
                    throw new IllegalArgumentException("cholesky: matrix is not positive definite (leading minor "
                            + (i + 1) + " of " + n + ": pivot " + d + ")");
                }
            }
            ok = true;
            return l;
        } finally {
            if (!ok) {
                l.close();
            }
        }
    }

    private static IllegalArgumentException notPositiveDefinite(int n, int minor) {
        return new IllegalArgumentException("cholesky: matrix is not positive definite (leading minor " + minor
                + " of " + n + ", LAPACK info " + minor + ")");
    }

    /**
     * X with L·X = B, or Lᵀ·X = B when {@code transpose}; L is n×n lower triangular (its upper
     * triangle is ignored), B is n×k. A new matrix.
     *
     * @throws IllegalArgumentException on shapes, precision or a zero/non-finite diagonal of L
     */
    public static Matrix solveLowerTriangular(Matrix l, Matrix b, boolean transpose) {
        BackendCheck.ensure();
        checkSolveArguments("solveLowerTriangular", l, b);
        Matrix xt = transposed(b);
        try {
            solveTransposedInPlace(l, xt, transpose);
            return transposed(xt);
        } finally {
            xt.close();
        }
    }

    /**
     * (L·Lᵀ)⁻¹·B for a Cholesky factor L (n×n, upper triangle ignored) and B n×k: two triangular
     * solves. A new matrix.
     */
    public static Matrix choleskySolve(Matrix l, Matrix b) {
        checkSolveArguments("choleskySolve", l, b);
        Matrix xt = transposed(b);
        try {
            solveTransposedInPlace(l, xt, false);
            solveTransposedInPlace(l, xt, true);
            return transposed(xt);
        } finally {
            xt.close();
        }
    }

    /**
     * Eigendecomposition of a symmetric matrix (LAPACK dsyev, lower triangle read): ascending
     * eigenvalues, orthonormal eigenvectors as columns.
     *
     * @throws IllegalArgumentException if {@code a} is not square float64 or has a non-finite value
     *     in its lower triangle
     * @throws IllegalStateException if LAPACK does not converge
     */
    public static SymmetricEigen symmetricEigen(Matrix a) {
        BackendCheck.ensure();
        requireFloat64("symmetricEigen", "a", a);
        requireSquare("symmetricEigen", "a", a);
        int n = a.rows();
        for (int c = 0; c < n; c++) {
            for (int r = c; r < n; r++) {
                double v = a.get(r, c);
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("symmetricEigen: a (" + n + "x" + n + ") has the non-finite value "
                            + v + " at (" + r + ", " + c + ")");
                }
            }
        }
        Matrix vectors = a.copy();
        INDArray w = Nd4j.create(DataType.DOUBLE, n);
        boolean ok = false;
        try {
            // jobz 'V': vectors too; uplo 'L'. On a column-major array ND4J calls
            // LAPACKE_dsyev(LAPACK_COL_MAJOR, ...): the eigenvectors overwrite the copy as columns.
            int info = Nd4j.getBlasWrapper().lapack().syev('V', 'L', vectors.nd4j(), w);
            if (info != 0) {
                throw new IllegalStateException("symmetricEigen: LAPACK dsyev failed for " + n + "x" + n + " (info "
                        + info + (info > 0 ? ": " + info + " off-diagonal elements did not converge)" : ")"));
            }
            double[] values = w.toDoubleVector();
            ok = true;
            return new SymmetricEigen(values, vectors);
        } finally {
            w.close();
            if (!ok) {
                vectors.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static void checkSolveArguments(String op, Matrix l, Matrix b) {
        requireFloat64(op, "l", l);
        requireFloat64(op, "b", b);
        requireSquare(op, "l", l);
        if (b.rows() != l.rows()) {
            throw new IllegalArgumentException(op + ": l is " + l.rows() + "x" + l.cols() + " but b is " + b.rows() + "x"
                    + b.cols() + " (b needs " + l.rows() + " rows)");
        }
        int n = l.rows();
        for (int i = 0; i < n; i++) {
            double d = l.get(i, i);
            if (d == 0.0 || !Double.isFinite(d)) {
                throw new IllegalArgumentException(op + ": l (" + n + "x" + n + ") is singular or non-finite: diagonal "
                        + i + " is " + d);
            }
        }
    }

    private static void requireFloat64(String op, String name, Matrix m) {
        if (m.precision() != Precision.FLOAT64) {
            throw new IllegalArgumentException(op + ": " + name + " is " + m.precision() + " (" + m.rows() + "x"
                    + m.cols() + "); only FLOAT64 is supported");
        }
    }

    private static void requireSquare(String op, String name, Matrix m) {
        if (m.rows() != m.cols()) {
            throw new IllegalArgumentException(op + ": " + name + " must be square, got " + m.rows() + "x" + m.cols());
        }
    }

    /** A new float64 matrix holding mᵀ. */
    private static Matrix transposed(Matrix m) {
        int r = m.rows();
        int c = m.cols();
        double[] src = m.toColumnMajor();
        double[] dst = new double[src.length];
        final int tile = 32;
        for (int c0 = 0; c0 < c; c0 += tile) {
            int c1 = Math.min(c, c0 + tile);
            for (int r0 = 0; r0 < r; r0 += tile) {
                int r1 = Math.min(r, r0 + tile);
                for (int j = c0; j < c1; j++) {
                    for (int i = r0; i < r1; i++) {
                        dst[i * c + j] = src[j * r + i];
                    }
                }
            }
        }
        return Matrix.fromColumnMajor(Precision.FLOAT64, c, r, dst);
    }

    /**
     * Solves on Xᵀ (k×n, one right-hand side per row, so a block of unknowns is a block of
     * contiguous columns): Xᵀ·Lᵀ = Bᵀ (forward, {@code transpose} false) or Xᵀ·L = Bᵀ (backward).
     * Per diagonal block J: substitution in Java on the k×|J| block, then the rest of Xᵀ is
     * updated by one GEMM with a copied panel of L.
     */
    private static void solveTransposedInPlace(Matrix l, Matrix xt, boolean transpose) {
        int n = l.rows();
        int k = xt.rows();
        Matrix scratch = n > BLOCK ? Matrix.uninitialized(Precision.FLOAT64, Math.max(n - 1, 1), Math.min(BLOCK, n))
                : null;
        try {
            int blocks = (n + BLOCK - 1) / BLOCK;
            for (int bi = 0; bi < blocks; bi++) {
                int blk = transpose ? blocks - 1 - bi : bi;
                int j0 = blk * BLOCK;
                int j1 = Math.min(n, j0 + BLOCK);
                int nb = j1 - j0;
                double[] diag = new double[nb * nb]; // L[J, J] column-major
                for (int c = 0; c < nb; c++) {
                    for (int r = c; r < nb; r++) {
                        diag[c * nb + r] = l.get(j0 + r, j0 + c);
                    }
                }
                Matrix xj = xt.columns(j0, j1);
                double[] x = xj.toColumnMajor(); // k x nb, column c = unknown j0 + c for every RHS
                solveDiagonalBlock(diag, nb, x, k, transpose);
                xj.setColumnMajor(x);
                if (!transpose && j1 < n) {
                    // Xᵀ[:, j1:n] -= Xᵀ[:, J] · L[j1:n, J]ᵀ
                    int m = n - j1;
                    double[] p = new double[m * nb];
                    for (int c = 0; c < nb; c++) {
                        long base = (long) (j0 + c) * n + j1;
                        for (int r = 0; r < m; r++) {
                            p[c * m + r] = l.getLinear(base + r);
                        }
                    }
                    Matrix panel = scratch.block(0, m, nb);
                    panel.setColumnMajor(p);
                    Matrix.gemm(xj, false, panel, true, -1.0, 1.0, xt.columns(j1, n));
                } else if (transpose && j0 > 0) {
                    // Xᵀ[:, 0:j0] -= Xᵀ[:, J] · L[J, 0:j0]
                    double[] p = new double[nb * j0];
                    for (int c = 0; c < j0; c++) {
                        long base = (long) c * n + j0;
                        for (int r = 0; r < nb; r++) {
                            p[c * nb + r] = l.getLinear(base + r);
                        }
                    }
                    Matrix panel = scratch.block(0, nb, j0);
                    panel.setColumnMajor(p);
                    Matrix.gemm(xj, false, panel, false, -1.0, 1.0, xt.columns(0, j0));
                }
            }
        } finally {
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    /**
     * Substitution with the nb×nb lower-triangular block D (column-major) on x (k×nb column-major,
     * a row per right-hand side): x ← x·D⁻ᵀ (forward: D·y = b per row) or x ← x·D⁻¹ (backward:
     * Dᵀ·y = b per row). Rows are independent: split across threads when large.
     */
    private static void solveDiagonalBlock(double[] d, int nb, double[] x, int k, boolean transpose) {
        long work = (long) k * nb * nb / 2;
        int parts = (int) Math.min(k, ForkJoinPool.getCommonPoolParallelism() + 1L);
        if (parts <= 1 || work < PARALLEL_WORK) {
            solveDiagonalRows(d, nb, x, k, 0, k, transpose);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> solveDiagonalRows(d, nb, x, k,
                (int) ((long) k * p / parts), (int) ((long) k * (p + 1) / parts), transpose));
    }

    private static void solveDiagonalRows(double[] d, int nb, double[] x, int k, int from, int to,
            boolean transpose) {
        if (!transpose) {
            for (int j = 0; j < nb; j++) {
                double djj = d[j * nb + j];
                int cj = j * k;
                for (int s = from; s < to; s++) {
                    x[cj + s] /= djj;
                }
                for (int i = j + 1; i < nb; i++) {
                    double dij = d[j * nb + i];
                    if (dij == 0.0) {
                        continue;
                    }
                    int ci = i * k;
                    for (int s = from; s < to; s++) {
                        x[ci + s] -= dij * x[cj + s];
                    }
                }
            }
        } else {
            for (int i = nb - 1; i >= 0; i--) {
                int ci = i * k;
                for (int j = i + 1; j < nb; j++) {
                    double dji = d[i * nb + j]; // L[j, i]
                    if (dji == 0.0) {
                        continue;
                    }
                    int cj = j * k;
                    for (int s = from; s < to; s++) {
                        x[ci + s] -= dji * x[cj + s];
                    }
                }
                double dii = d[i * nb + i];
                for (int s = from; s < to; s++) {
                    x[ci + s] /= dii;
                }
            }
        }
    }
}
