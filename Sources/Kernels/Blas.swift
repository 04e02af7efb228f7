import CBLAS

/// Every matmul in the engine goes through here: row-major `cblas_sgemm`.
/// C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C, with leading dimensions given explicitly so
/// strided sub-matrices (one attention head inside a [T, 3h] QKV buffer) need no copy.
public enum Blas {
    @inline(__always)
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {  // BLAS leaves C untouched for k = 0 only when beta = 1; make it explicit.
            if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS keeps one global thread pool. Results are deterministic for a fixed thread count,
    /// so the count is part of a run's configuration (and of the checkpoint's resume contract).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
