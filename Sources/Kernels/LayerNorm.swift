import Foundation

/// LayerNorm over the last dimension (BERT: eps 1e-12). Saves mean and 1/std per row for the backward.
public enum LayerNorm {
    public static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                               rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                               rows: Int, dim: Int, eps: Float) {
        Parallel.forEachChunk(rows * dim) { elements in
        for t in (elements.lowerBound / dim)..<(elements.upperBound / dim) {
            let x = inp + t * dim, o = out + t * dim
            var m: Float = 0
            for i in 0..<dim { m += x[i] }
            m /= Float(dim)
            var v: Float = 0
            for i in 0..<dim { let d = x[i] - m; v += d * d }
            v /= Float(dim)
            let s = 1 / (v + eps).squareRoot()
            for i in 0..<dim { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[t] = m
            rstd[t] = s
        }
        }
    }

    /// Accumulates into dinp, dweight, dbias.
    public static func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                                dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, dim: Int) {
        for t in 0..<rows {
            let x = inp + t * dim, dy = dout + t * dim, dx = dinp + t * dim
            let m = mean[t], s = rstd[t]
            var dnormMean: Float = 0, dnormNormMean: Float = 0
            for i in 0..<dim {
                let n = (x[i] - m) * s
                let dn = weight[i] * dy[i]
                dnormMean += dn
                dnormNormMean += dn * n
            }
            dnormMean /= Float(dim)
            dnormNormMean /= Float(dim)
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
