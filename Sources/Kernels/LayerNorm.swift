import CVecMath

/// LayerNorm over the last dimension (BERT: eps 1e-12). Saves mean and 1/std per row for the backward.
/// Rows are split over the engine's threads. The rows run from C (`CVecMath`, AVX-512/AVX2 copies): lane for lane
/// the 8-lane Swift loops they replaced (kept in the tests as the definition), so the bits are the same.
public enum LayerNorm {
    public static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                               rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                               rows: Int, dim: Int, eps: Float) {
        Parallel.forEachChunk(rows * dim) { elements in
            let lo = elements.lowerBound / dim, hi = elements.upperBound / dim
            cvm_layernorm_forward(out + lo * dim, mean + lo, rstd + lo, inp + lo * dim, weight, bias, hi - lo, dim, eps)
        }
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
        let lo = range.lowerBound
        cvm_layernorm_backward(dinp + lo * dim, overwrite ? 1 : 0, dweight, dbias, dout + lo * dim, inp + lo * dim, weight,
                               mean + lo, rstd + lo, range.count, dim)
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
