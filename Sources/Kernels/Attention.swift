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
    /// Most (sequence, head) blocks computed at once; `scratch` for the backward holds one L_q×L_k matrix each.
    public static let maxWorkers = 8
    public static func scratchCount(queries: Int, keys: Int) -> Int { maxWorkers * queries * keys }

    /// Runs `body(item, worker)` for items 0..<count, split into contiguous blocks over the engine's threads.
    /// Each (sequence, head) item writes only its own rows of probs/out and its own head columns of dq/dk/dv,
    /// so the result does not depend on the split.
    static func forEachItem(_ count: Int, _ body: (Int, Int) -> Void) {
        let workers = min(Blas.threads, count, maxWorkers)
        if workers <= 1 { for i in 0..<count { body(i, 0) }; return }
        let step = (count + workers - 1) / workers
        Parallel.run(workers) { w in
            for i in (w * step)..<min(count, (w + 1) * step) { body(i, w) }
        }
    }

    /// out [B, Lq, h] (dense), probs [B, H, Lq, Lk] saved for backward.
    public static func forward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                               q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               keyMask: UnsafePointer<Float>?, layout s: AttentionLayout) {
        let Lq = s.queries, Lk = s.keys, h = s.width, d = s.headDim
        let scale = 1 / Float(d).squareRoot()
        forEachItem(s.batch * s.heads) { item, _ in
            let b = item / s.heads, head = item % s.heads
            let qh = q + b * s.qBatch + head * d, kh = k + b * s.kvBatch + head * d, vh = v + b * s.kvBatch + head * d
            let p = probs + item * Lq * Lk
            // scores = scale · Q Kᵀ
            Blas.sgemm(transB: true, m: Lq, n: Lk, k: d, alpha: scale, a: qh, lda: s.qRow, b: kh, ldb: s.kvRow,
                       c: p, ldc: Lk, parallel: false)
            let km = keyMask.map { $0 + b * s.maskBatch }
            let anyHidden = km.map { m in (0..<Lk).contains { m[$0] == 0 } } ?? false
            for i in 0..<Lq {
                let row = p + i * Lk
                if let off = s.causalOffset, i + off + 1 < Lk {
                    for j in max(0, i + off + 1)..<Lk { row[j] = -.infinity }
                }
                if anyHidden, let km { for j in 0..<Lk where km[j] == 0 { row[j] = -.infinity } }
            }
            FastMath.softmaxRows(p, rows: Lq, count: Lk)
            // out_head = P V
            Blas.sgemm(m: Lq, n: d, k: Lk, a: p, lda: Lk, b: vh, ldb: s.kvRow, c: out + b * Lq * h + head * d, ldc: h,
                       parallel: false)
        }
    }

    /// Accumulates into dq, dk, dv (same strides as q, k, v). `scratch` needs `scratchCount(queries:keys:)` floats.
    public static func backward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                                dv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                probs: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                layout s: AttentionLayout) {
        let Lq = s.queries, Lk = s.keys, h = s.width, d = s.headDim
        let scale = 1 / Float(d).squareRoot()
        forEachItem(s.batch * s.heads) { item, worker in
            let b = item / s.heads, head = item % s.heads
            let qo = b * s.qBatch + head * d, kvo = b * s.kvBatch + head * d
            let p = probs + item * Lq * Lk
            let dO = dout + b * Lq * h + head * d
            let ds = scratch + worker * Lq * Lk
            // dP = dO Vᵀ ; dV += Pᵀ dO
            Blas.sgemm(transB: true, m: Lq, n: Lk, k: d, a: dO, lda: h, b: v + kvo, ldb: s.kvRow, c: ds, ldc: Lk,
                       parallel: false)
            Blas.sgemm(transA: true, m: Lk, n: d, k: Lq, a: p, lda: Lk, b: dO, ldb: h, beta: 1, c: dv + kvo,
                       ldc: s.kvRow, parallel: false)
            // dS = softmax backward (in place in scratch); masked entries have p = 0 → dS = 0
            FastMath.softmaxBackwardRows(ds, probs: p, rows: Lq, count: Lk)
            // dQ += scale · dS K ; dK += scale · dSᵀ Q
            Blas.sgemm(m: Lq, n: d, k: Lk, alpha: scale, a: ds, lda: Lk, b: k + kvo, ldb: s.kvRow, beta: 1,
                       c: dq + qo, ldc: s.qRow, parallel: false)
            Blas.sgemm(transA: true, m: Lk, n: d, k: Lq, alpha: scale, a: ds, lda: Lk, b: q + qo, ldb: s.qRow,
                       beta: 1, c: dk + kvo, ldc: s.kvRow, parallel: false)
        }
    }

    /// Self-attention over fused qkv [B, L, 3h]; `keyMask` [B, L] hides padded keys, `causal` future keys.
    public static func forward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                               qkv: UnsafePointer<Float>, keyMask: UnsafePointer<Float>?, causal: Bool,
                               shape s: AttentionShape) {
        forward(out: out, probs: probs, q: qkv, k: qkv + s.width, v: qkv + 2 * s.width, keyMask: keyMask,
                layout: s.layout(causal: causal))
    }

    /// Accumulates into dqkv. `scratch` needs `scratchCount(queries: L, keys: L)` floats.
    public static func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, shape s: AttentionShape) {
        let h = s.width
        backward(dq: dqkv, dk: dqkv + h, dv: dqkv + 2 * h, dout: dout, q: qkv, k: qkv + h, v: qkv + 2 * h,
                 probs: probs, scratch: scratch, layout: s.layout(causal: false))
    }
}
