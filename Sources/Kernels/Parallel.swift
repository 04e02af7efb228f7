import CThreadPool

/// The engine's parallel regions. Every region (a split matmul, element-wise chunks, attention blocks, the
/// HyperExpert's groups, LayerNorm's backward) runs on one persistent pool (`CThreadPool`): its workers spin
/// for ~120 µs after a region before they sleep, where GCD's `concurrentPerform` woke a parked thread for each
/// of a step's hundreds of short regions. Each index writes disjoint memory and the split is chosen by the
/// caller from `Blas.threads`, never by the pool, so results do not depend on which thread ran an index:
/// a given thread count always gives the same numbers.
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

    /// body(range) over contiguous blocks of 0..<count, one per thread when count is at least `grain` per thread.
    public static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        forEachBlock(count, elements: count, body)
    }

    /// body(rows) over contiguous blocks of rows, split when rows × rowSize is at least `grain` per thread.
    public static func forEachRowBlock(rows: Int, rowSize: Int, _ body: (Range<Int>) -> Void) {
        forEachBlock(rows, elements: rows * rowSize, body)
    }

    /// body(columns) over contiguous blocks of columns (each block reads every row): a reduction over rows
    /// keeps its order per column, so it is split without changing a bit.
    public static func forEachColumnBlock(rows: Int, columns: Int, _ body: (Range<Int>) -> Void) {
        forEachBlock(columns, elements: rows * columns, body)
    }

    private static func forEachBlock(_ count: Int, elements: Int, _ body: (Range<Int>) -> Void) {
        let threads = max(1, min(Blas.threads, count, elements / grain))
        if threads == 1 { if count > 0 { body(0..<count) }; return }
        let step = (count + threads - 1) / threads
        run(threads) { i in
            let lo = i * step, hi = min(count, lo + step)
            if lo < hi { body(lo..<hi) }
        }
    }

    /// dst[i] = src[i] for i in 0..<count.
    public static func copy(_ dst: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>, count: Int) {
        forEachChunk(count) { r in (dst + r.lowerBound).update(from: src + r.lowerBound, count: r.count) }
    }

    /// dst[i] = value for i in 0..<count.
    public static func fill(_ dst: UnsafeMutablePointer<Float>, with value: Float, count: Int) {
        forEachChunk(count) { r in (dst + r.lowerBound).update(repeating: value, count: r.count) }
    }

    /// copy[i] = src[i] and masked[i] = src[i] · mask[i], in one pass: a residual's gradient goes on unchanged
    /// along the skip path and through the dropout mask into the branch.
    public static func copyAndMask(copy: UnsafeMutablePointer<Float>, masked: UnsafeMutablePointer<Float>,
                                   from src: UnsafePointer<Float>, mask: UnsafePointer<Float>, count: Int) {
        forEachChunk(count) { r in for i in r { let s = src[i]; copy[i] = s; masked[i] = s * mask[i] } }
    }

    /// out[i] = a[i] · b[i] for i in 0..<count.
    public static func multiply(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                                _ b: UnsafePointer<Float>, count: Int) {
        forEachChunk(count) { r in for i in r { out[i] = a[i] * b[i] } }
    }
}
