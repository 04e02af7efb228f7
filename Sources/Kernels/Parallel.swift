import Dispatch

/// Splits element-wise work over the engine's threads (`Blas.threads`). Each chunk writes a disjoint
/// range, so results do not depend on scheduling (determinism holds for any thread count).
public enum Parallel {
    /// Below this many elements a second thread costs more than it saves.
    public static let grain = 1 << 15

    public static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        let threads = max(1, min(Blas.threads, count / grain))
        if threads == 1 { body(0..<count); return }
        let step = (count + threads - 1) / threads
        DispatchQueue.concurrentPerform(iterations: threads) { i in
            let lo = i * step, hi = min(count, lo + step)
            if lo < hi { body(lo..<hi) }
        }
    }
}
