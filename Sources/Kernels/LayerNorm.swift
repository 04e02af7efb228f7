import Foundation

/// LayerNorm over the last dimension (BERT: eps 1e-12). Saves mean and 1/std per row for the backward.
/// Rows are split over the engine's threads; row sums run eight lanes at a time.
public enum LayerNorm {
    public static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                               rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                               rows: Int, dim: Int, eps: Float) {
        Parallel.forEachChunk(rows * dim) { elements in
        for t in (elements.lowerBound / dim)..<(elements.upperBound / dim) {
            let x = inp + t * dim, o = out + t * dim
            let m = sum(dim) { FastMath.load(x + $0, $1) } / Float(dim)
            let v = sum(dim) { let d = FastMath.load(x + $0, $1) - m; return d * d } / Float(dim)
            let s = 1 / (v + eps).squareRoot()
            for i in 0..<dim { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[t] = m
            rstd[t] = s
        }
        }
    }

    /// Σ over `count` elements of `lanes(offset, n)` (n ≤ 8 valid lanes, the rest must be 0).
    @inline(__always)
    static func sum(_ count: Int, _ lanes: (Int, Int) -> FastMath.V) -> Float {
        var acc = FastMath.V(repeating: 0)
        var i = 0
        while i + 8 <= count { acc += lanes(i, 8); i += 8 }
        var total = acc.sum()
        if i < count { let tail = lanes(i, count - i); for j in 0..<(count - i) { total += tail[j] } }
        return total
    }

    /// Accumulates into dinp, dweight, dbias. Rows are split over the threads; each block sums its own dweight and
    /// dbias, then the blocks are added in order (deterministic for a fixed thread count). With `overwrite`, dinp
    /// is stored instead: 0 + value, the bits of accumulating into a zeroed dinp, without zeroing it first.
    public static func backward(dinp: UnsafeMutablePointer<Float>, overwrite: Bool = false,
                                dweight: UnsafeMutablePointer<Float>,
                                dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, dim: Int) {
        let workers = max(1, min(Blas.threads, 8, rows * dim / Parallel.grain))
        if workers == 1 {
            backwardRows(0..<rows, dinp: dinp, overwrite: overwrite, dweight: dweight, dbias: dbias, dout: dout,
                         inp: inp, weight: weight, mean: mean, rstd: rstd, dim: dim)
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * workers * dim) { partial in
            let part = partial.baseAddress!
            part.update(repeating: 0, count: 2 * workers * dim)
            let step = (rows + workers - 1) / workers
            Parallel.run(workers) { w in
                let lo = w * step, hi = min(rows, lo + step)
                if lo < hi {
                    backwardRows(lo..<hi, dinp: dinp, overwrite: overwrite, dweight: part + 2 * w * dim,
                                 dbias: part + (2 * w + 1) * dim, dout: dout, inp: inp, weight: weight, mean: mean,
                                 rstd: rstd, dim: dim)
                }
            }
            for w in 0..<workers {
                let dw = part + 2 * w * dim, db = part + (2 * w + 1) * dim
                for i in 0..<dim { dweight[i] += dw[i]; dbias[i] += db[i] }
            }
        }
    }

    private static func backwardRows(_ range: Range<Int>, dinp: UnsafeMutablePointer<Float>, overwrite: Bool,
                                     dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
                                     dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                                     weight: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                     rstd: UnsafePointer<Float>, dim: Int) {
        for t in range {
            let x = inp + t * dim, dy = dout + t * dim, dx = dinp + t * dim
            let m = mean[t], s = rstd[t]
            let dnormMean = sum(dim) { FastMath.load(weight + $0, $1) * FastMath.load(dy + $0, $1) } / Float(dim)
            let dnormNormMean = sum(dim) {
                (FastMath.load(x + $0, $1) - m) * s * FastMath.load(weight + $0, $1) * FastMath.load(dy + $0, $1)
            } / Float(dim)
            // The flag is tested once per row, not per element, so each loop stays a straight line.
            if overwrite {
                for i in 0..<dim {
                    let n = (x[i] - m) * s
                    let dn = weight[i] * dy[i]
                    dbias[i] += dy[i]
                    dweight[i] += n * dy[i]
                    dx[i] = 0 + (dn - dnormMean - n * dnormNormMean) * s
                }
            } else {
                for i in 0..<dim {
                    let n = (x[i] - m) * s
                    let dn = weight[i] * dy[i]
                    dbias[i] += dy[i]
                    dweight[i] += n * dy[i]
                    dx[i] += (dn - dnormMean - n * dnormNormMean) * s
                }
            }
        }
    }
}

/// RMSNorm (T5/Switch: no mean, no bias; eps 1e-6). Saves 1/rms per row.
public enum RMSNorm {
    public static func forward(out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                               inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               rows: Int, dim: Int, eps: Float) {
        for t in 0..<rows {
            let x = inp + t * dim, o = out + t * dim
            var ms: Float = 0
            for i in 0..<dim { ms += x[i] * x[i] }
            let s = 1 / (ms / Float(dim) + eps).squareRoot()
            for i in 0..<dim { o[i] = x[i] * s * weight[i] }
            rstd[t] = s
        }
    }

    public static func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                                dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                                weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, dim: Int) {
        for t in 0..<rows {
            let x = inp + t * dim, dy = dout + t * dim, dx = dinp + t * dim
            let s = rstd[t]
            var dot: Float = 0  // Σ_i w_i dy_i n_i
            for i in 0..<dim { dot += weight[i] * dy[i] * x[i] * s }
            dot /= Float(dim)
            for i in 0..<dim {
                let n = x[i] * s
                dweight[i] += n * dy[i]
                dx[i] += s * (weight[i] * dy[i] - n * dot)
            }
        }
    }
}
