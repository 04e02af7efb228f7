import Foundation

/// Multi-head scaled dot-product attention. Queries and keys/values are addressed by strides, so one kernel
/// serves self-attention over a fused QKV buffer, cross-attention (queries from the decoder, keys/values from
/// the encoder) and cached decoding (one query against the keys kept so far).
public struct AttentionLayout: Sendable {
    public var batch: Int, queries: Int, keys: Int, heads: Int, width: Int
    /// Floats between consecutive query rows, and between sequences.
    public var qRow: Int, qBatch: Int
    /// Floats between consecutive key (and value) rows, and between sequences.
    public var kvRow: Int, kvBatch: Int
    /// Floats between sequences in the key mask [B, keys] (1 = real key, 0 = hidden).
    public var maskBatch: Int
    /// Query i sees keys j ≤ i + causalOffset; nil = no causal mask.
    public var causalOffset: Int?
    public var headDim: Int { width / heads }

    public init(batch: Int, queries: Int, keys: Int, heads: Int, width: Int, qRow: Int, qBatch: Int,
                kvRow: Int, kvBatch: Int, maskBatch: Int, causalOffset: Int?) {
        precondition(width % heads == 0, "width must divide into heads")
        self.batch = batch; self.queries = queries; self.keys = keys; self.heads = heads; self.width = width
        self.qRow = qRow; self.qBatch = qBatch; self.kvRow = kvRow; self.kvBatch = kvBatch
        self.maskBatch = maskBatch; self.causalOffset = causalOffset
    }
}

/// Self-attention over a fused qkv [B, L, 3h] buffer (q | k | v along the last axis).
public struct AttentionShape: Sendable {
    public var batch: Int, length: Int, heads: Int, width: Int
    public var headDim: Int { width / heads }
    public init(batch: Int, length: Int, heads: Int, width: Int) {
        precondition(width % heads == 0, "width must divide into heads")
        self.batch = batch; self.length = length; self.heads = heads; self.width = width
    }

    func layout(causal: Bool) -> AttentionLayout {
        let ld = 3 * width
        return AttentionLayout(batch: batch, queries: length, keys: length, heads: heads, width: width, qRow: ld,
                               qBatch: length * ld, kvRow: ld, kvBatch: length * ld, maskBatch: length,
                               causalOffset: causal ? 0 : nil)
    }
}

public enum Attention {
    /// out [B, Lq, h] (dense), probs [B, H, Lq, Lk] saved for backward.
    public static func forward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                               q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               keyMask: UnsafePointer<Float>?, layout s: AttentionLayout) {
        let Lq = s.queries, Lk = s.keys, h = s.width, d = s.headDim
        let scale = 1 / Float(d).squareRoot()
        for b in 0..<s.batch {
            for head in 0..<s.heads {
                let qh = q + b * s.qBatch + head * d, kh = k + b * s.kvBatch + head * d, vh = v + b * s.kvBatch + head * d
                let p = probs + (b * s.heads + head) * Lq * Lk
                // scores = scale · Q Kᵀ
                Blas.sgemm(transB: true, m: Lq, n: Lk, k: d, alpha: scale, a: qh, lda: s.qRow, b: kh, ldb: s.kvRow,
                           c: p, ldc: Lk)
                for i in 0..<Lq {
                    let row = p + i * Lk
                    for j in 0..<Lk where s.causalOffset.map({ j > i + $0 }) ?? false
                        || (keyMask.map { $0[b * s.maskBatch + j] == 0 } ?? false) {
                        row[j] = -.infinity
                    }
                }
                Softmax.forward(probs: p, logits: p, rows: Lq, cols: Lk)
                // out_head = P V
                Blas.sgemm(m: Lq, n: d, k: Lk, a: p, lda: Lk, b: vh, ldb: s.kvRow, c: out + b * Lq * h + head * d, ldc: h)
            }
        }
    }

    /// Accumulates into dq, dk, dv (same strides as q, k, v). `scratch` needs Lq·Lk floats.
    public static func backward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                                dv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                probs: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                layout s: AttentionLayout) {
        let Lq = s.queries, Lk = s.keys, h = s.width, d = s.headDim
        let scale = 1 / Float(d).squareRoot()
        for b in 0..<s.batch {
            for head in 0..<s.heads {
                let qo = b * s.qBatch + head * d, kvo = b * s.kvBatch + head * d
                let p = probs + (b * s.heads + head) * Lq * Lk
                let dO = dout + b * Lq * h + head * d
                // dP = dO Vᵀ ; dV += Pᵀ dO
                Blas.sgemm(transB: true, m: Lq, n: Lk, k: d, a: dO, lda: h, b: v + kvo, ldb: s.kvRow, c: scratch, ldc: Lk)
                Blas.sgemm(transA: true, m: Lk, n: d, k: Lq, a: p, lda: Lk, b: dO, ldb: h, beta: 1, c: dv + kvo,
                           ldc: s.kvRow)
                // dS = softmax backward (in place in scratch); masked entries have p = 0 → dS = 0
                for i in 0..<Lq {
                    let pr = p + i * Lk, dp = scratch + i * Lk
                    var dot: Float = 0
                    for j in 0..<Lk { dot += pr[j] * dp[j] }
                    for j in 0..<Lk { dp[j] = pr[j] * (dp[j] - dot) }
                }
                // dQ += scale · dS K ; dK += scale · dSᵀ Q
                Blas.sgemm(m: Lq, n: d, k: Lk, alpha: scale, a: scratch, lda: Lk, b: k + kvo, ldb: s.kvRow, beta: 1,
                           c: dq + qo, ldc: s.qRow)
                Blas.sgemm(transA: true, m: Lk, n: d, k: Lq, alpha: scale, a: scratch, lda: Lk, b: q + qo, ldb: s.qRow,
                           beta: 1, c: dk + kvo, ldc: s.kvRow)
            }
        }
    }

    /// Self-attention over fused qkv [B, L, 3h]; `keyMask` [B, L] hides padded keys, `causal` future keys.
    public static func forward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                               qkv: UnsafePointer<Float>, keyMask: UnsafePointer<Float>?, causal: Bool,
                               shape s: AttentionShape) {
        forward(out: out, probs: probs, q: qkv, k: qkv + s.width, v: qkv + 2 * s.width, keyMask: keyMask,
                layout: s.layout(causal: causal))
    }

    /// Accumulates into dqkv. `scratch` needs L·L floats.
    public static func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, shape s: AttentionShape) {
        let h = s.width
        backward(dq: dqkv, dk: dqkv + h, dv: dqkv + 2 * h, dout: dout, q: qkv, k: qkv + h, v: qkv + 2 * h,
                 probs: probs, scratch: scratch, layout: s.layout(causal: false))
    }
}
