import Foundation

/// Multi-head scaled dot-product attention over a fused QKV buffer.
/// qkv [B, L, 3h] (q | k | v along the last axis), out [B, L, h], probs [B, H, L, L] saved for backward.
/// `keyMask` [B, L] (1 = real token, 0 = padding) hides padded keys; `causal` hides future keys.
public struct AttentionShape: Sendable {
    public var batch: Int, length: Int, heads: Int, width: Int
    public var headDim: Int { width / heads }
    public init(batch: Int, length: Int, heads: Int, width: Int) {
        precondition(width % heads == 0, "width must divide into heads")
        self.batch = batch; self.length = length; self.heads = heads; self.width = width
    }
}

public enum Attention {
    public static func forward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                               qkv: UnsafePointer<Float>, keyMask: UnsafePointer<Float>?, causal: Bool,
                               shape s: AttentionShape) {
        let L = s.length, h = s.width, d = s.headDim, ld = 3 * h
        let scale = 1 / Float(d).squareRoot()
        for b in 0..<s.batch {
            let base = qkv + b * L * ld
            for head in 0..<s.heads {
                let q = base + head * d, k = base + h + head * d, v = base + 2 * h + head * d
                let p = probs + (b * s.heads + head) * L * L
                // scores = scale · Q Kᵀ
                Blas.sgemm(transB: true, m: L, n: L, k: d, alpha: scale, a: q, lda: ld, b: k, ldb: ld,
                           c: p, ldc: L)
                for i in 0..<L {
                    let row = p + i * L
                    for j in 0..<L where (causal && j > i) || (keyMask.map { $0[b * L + j] == 0 } ?? false) {
                        row[j] = -.infinity
                    }
                }
                Softmax.forward(probs: p, logits: p, rows: L, cols: L)
                // out_head = P V
                Blas.sgemm(m: L, n: d, k: L, a: p, lda: L, b: v, ldb: ld, c: out + b * L * h + head * d, ldc: h)
            }
        }
    }

    /// Accumulates into dqkv. `scratch` needs L·L floats.
    public static func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, shape s: AttentionShape) {
        let L = s.length, h = s.width, d = s.headDim, ld = 3 * h
        let scale = 1 / Float(d).squareRoot()
        for b in 0..<s.batch {
            let base = qkv + b * L * ld, dbase = dqkv + b * L * ld
            for head in 0..<s.heads {
                let q = base + head * d, k = base + h + head * d, v = base + 2 * h + head * d
                let dq = dbase + head * d, dk = dbase + h + head * d, dv = dbase + 2 * h + head * d
                let p = probs + (b * s.heads + head) * L * L
                let dO = dout + b * L * h + head * d
                // dP = dO Vᵀ ; dV += Pᵀ dO
                Blas.sgemm(transB: true, m: L, n: L, k: d, a: dO, lda: h, b: v, ldb: ld, c: scratch, ldc: L)
                Blas.sgemm(transA: true, m: L, n: d, k: L, a: p, lda: L, b: dO, ldb: h, beta: 1, c: dv, ldc: ld)
                // dS = softmax backward (in place in scratch); masked entries have p = 0 → dS = 0
                for i in 0..<L {
                    let pr = p + i * L, dp = scratch + i * L
                    var dot: Float = 0
                    for j in 0..<L { dot += pr[j] * dp[j] }
                    for j in 0..<L { dp[j] = pr[j] * (dp[j] - dot) }
                }
                // dQ += scale · dS K ; dK += scale · dSᵀ Q
                Blas.sgemm(m: L, n: d, k: L, alpha: scale, a: scratch, lda: L, b: k, ldb: ld, beta: 1, c: dq, ldc: ld)
                Blas.sgemm(transA: true, m: L, n: d, k: L, alpha: scale, a: scratch, lda: L, b: q, ldb: ld,
                           beta: 1, c: dk, ldc: ld)
            }
        }
    }
}
