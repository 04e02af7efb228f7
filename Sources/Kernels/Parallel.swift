import CThreadPool

/// The engine's parallel regions. Every region (a split matmul, element-wise chunks, attention blocks, the
/// HyperExpert's groups, LayerNorm's backward) runs on one persistent pool (`CThreadPool`): its workers spin
/// for ~50 µs after a region before they sleep, where GCD's `concurrentPerform` woke a parked thread for each
/// of a step's hundreds of short regions. Each index writes disjoint memory and the split is chosen by the
/// caller from `Blas.threads`, never by the pool, so results do not depend on which thread ran an index
/// (determinism holds for any thread count).
public enum Parallel {
    /// Below this many elements a second thread costs more than it saves.
    public static let grain = 1 << 15

    /// Runs `body(i)` for i in 0..<iterations, concurrently on up to `Blas.threads` threads (the caller's among
    /// them); returns when all have run.
    public static func run(_ iterations: Int, _ body: (Int) -> Void) {
        if iterations <= 1 { if iterations == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { escaping in
            var task = escaping
            withUnsafeMutablePointer(to: &task) { pointer in
                ctp_run(iterations, Blas.threads - 1, { context, index in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
                }, pointer)
            }
        }
    }

    public static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        let threads = max(1, min(Blas.threads, count / grain))
        if threads == 1 { body(0..<count); return }
        let step = (count + threads - 1) / threads
        run(threads) { i in
            let lo = i * step, hi = min(count, lo + step)
            if lo < hi { body(lo..<hi) }
        }
    }
}
