import CBLAS

/// Every matmul in the engine goes through here: row-major `cblas_sgemm`.
/// C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C, with leading dimensions given explicitly so
/// strided sub-matrices (one attention head inside a [T, 3h] QKV buffer) need no copy.
///
/// Threading is the engine's own, not OpenBLAS's: OpenBLAS runs single-threaded and a large product is cut into
/// `threads` blocks of rows (or columns) of C, computed concurrently on the same pool (`Parallel`) as the element-wise
/// kernels. OpenBLAS's workers spin in `sched_yield` for a while after each call, and with only two cores that
/// spinning competed with the element-wise work in between (25–35 % of a step in `perf`). Each element of C is
/// still one uninterrupted dot product, so results are deterministic for a given thread count.
public enum Blas {
    /// Below this many multiply-adds a second thread costs more than it saves (~40 µs of work).
    public static let splitMACs = 1 << 21

    private static let state: ThreadCount = {
        let n = Int(openblas_get_num_threads())   // OpenBLAS's default: the number of cores
        openblas_set_num_threads(1)
        return ThreadCount(max(1, n))
    }()

    @inline(__always)
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        parallel: Bool = true
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {  // BLAS leaves C untouched for k = 0 only when beta = 1; make it explicit.
            if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
            return
        }
        let t = parallel ? threads : 1
        if t > 1, m * n * k >= splitMACs, max(m, n) >= 32 * t {
            // Split the larger side of C: the other operand (read whole by every block) is then the smaller.
            let rows = m >= n, side = rows ? m : n
            let step = ((side + t - 1) / t + 15) / 16 * 16
            let parts = (side + step - 1) / step
            Parallel.run(parts) { i in
                let lo = i * step, len = min(side, lo + step) - lo
                if rows {
                    call(transA, transB, len, n, k, alpha, transA ? a + lo : a + lo * lda, lda, b, ldb, beta,
                         c + lo * ldc, ldc)
                } else {
                    call(transA, transB, m, len, k, alpha, a, lda, transB ? b + lo * ldb : b + lo, ldb, beta,
                         c + lo, ldc)
                }
            }
            return
        }
        call(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    @inline(__always)
    private static func call(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The engine's thread count (matmuls and element-wise kernels). Results are deterministic for a fixed
    /// count, so it is part of a run's configuration (and of the checkpoint's resume contract).
    public static func setThreads(_ n: Int) { state.value = max(1, n) }
    public static var threads: Int { state.value }
}

/// A process-wide setting written by a run's configuration before any step and only read during steps.
final class ThreadCount: @unchecked Sendable {
    var value: Int
    init(_ value: Int) { self.value = value }
}
