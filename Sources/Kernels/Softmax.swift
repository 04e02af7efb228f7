import Foundation

/// Row softmax and log-sum-exp, numerically stabilised by the row max.
public enum Softmax {
    /// probs[t, :] = softmax(logits[t, :]); returns nothing, writes lse[t] if given.
    public static func forward(probs: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                               rows: Int, cols: Int, lse: UnsafeMutablePointer<Float>? = nil) {
        for t in 0..<rows {
            let z = logits + t * cols, p = probs + t * cols
            var mx = -Float.infinity
            for j in 0..<cols { mx = max(mx, z[j]) }
            var sum: Float = 0
            for j in 0..<cols { let e = expf(z[j] - mx); p[j] = e; sum += e }
            let inv = 1 / sum
            for j in 0..<cols { p[j] *= inv }
            lse?[t] = mx + logf(sum)
        }
    }

    /// dlogits += p ⊙ (dp − Σ_j p_j dp_j), for one row.
    @inline(__always)
    public static func backwardRow(dlogits: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>,
                                   dprobs: UnsafePointer<Float>, cols: Int) {
        var dot: Float = 0
        for j in 0..<cols { dot += probs[j] * dprobs[j] }
        for j in 0..<cols { dlogits[j] += probs[j] * (dprobs[j] - dot) }
    }

    /// In place: x[t, :] ← log softmax(x[t, :]) (beam search scores).
    public static func logSoftmax(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for t in 0..<rows {
            let z = x + t * cols
            var mx = -Float.infinity
            for j in 0..<cols { mx = max(mx, z[j]) }
            var sum: Float = 0
            for j in 0..<cols { sum += expf(z[j] - mx) }
            let lse = mx + logf(sum)
            for j in 0..<cols { z[j] -= lse }
        }
    }
}
