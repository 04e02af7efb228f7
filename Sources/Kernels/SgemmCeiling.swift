import Foundation

/// The machine's own matmul ceiling, measured in the same run as a benchmark so that figures are ratios
/// (MFU) rather than absolute numbers on a noisy shared machine.
public enum SgemmCeiling {
    /// Best GFLOP/s over a few GEMM shapes that the engine actually runs (tokens × width × ffn).
    public static func measure(seconds: Double = 0.6) -> Double {
        let shapes = [(4096, 1024, 256), (4096, 256, 1024), (1024, 1024, 1024)]
        var best = 0.0
        for (m, n, k) in shapes {
            let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
            var rng = Rng(seed: 1)
            for i in 0..<a.count { a[i] = rng.uniform(-1, 1) }
            for i in 0..<b.count { b[i] = rng.uniform(-1, 1) }
            Blas.sgemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n, c: c.pointer, ldc: n)  // warm-up
            var reps = 0
            let start = Date()
            while Date().timeIntervalSince(start) < seconds / Double(shapes.count) {
                Blas.sgemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
                reps += 1
            }
            let elapsed = Date().timeIntervalSince(start)
            best = max(best, 2.0 * Double(m * n * k) * Double(reps) / elapsed / 1e9)
        }
        return best
    }
}
