import Kernels

/// Incremental decoding state for up to `rows` hypotheses (batch × beams): per decoder layer the self-attention
/// keys/values of every step so far [rows × maxSteps × 2h] and the cross-attention keys/values of the
/// encoder output [rows × Ls × 2h], computed once per source. Each step then costs one token per row.
final class DecodeCache {
    let rows: Int, maxSteps: Int, maxSource: Int, width: Int, heads: Int
    let selfKV: [FloatBuffer], crossKV: [FloatBuffer]
    /// Source key mask per row [rows × Ls]; the replicated encoder output (recompute path) [rows × Ls × h].
    let mask: FloatBuffer, memory: FloatBuffer
    /// One step's scratch: fused qkv [rows×3h], queries, attention output, probabilities, hidden states.
    let qkv, q, att, probs, x, y, ones, gather: FloatBuffer
    var sourceLength = 0

    init(rows: Int, maxSteps: Int, maxSource: Int, config c: ModelConfig, layers: Int) {
        self.rows = rows; self.maxSteps = maxSteps; self.maxSource = maxSource; width = c.width; heads = c.heads
        let h = c.width
        selfKV = (0..<layers).map { _ in FloatBuffer(count: rows * maxSteps * 2 * h) }
        crossKV = (0..<layers).map { _ in FloatBuffer(count: rows * maxSource * 2 * h) }
        mask = FloatBuffer(count: rows * maxSource); memory = FloatBuffer(count: rows * maxSource * h)
        qkv = FloatBuffer(count: rows * 3 * h); q = FloatBuffer(count: rows * h); att = FloatBuffer(count: rows * h)
        probs = FloatBuffer(count: rows * c.heads * max(maxSteps, maxSource))
        x = FloatBuffer(count: rows * h); y = FloatBuffer(count: rows * h)
        ones = FloatBuffer(count: rows); ones.pointer.update(repeating: 1, count: rows)
        gather = FloatBuffer(count: rows * max(maxSteps, maxSource) * 2 * h)
    }

    /// Copies per-source rows of `src` (`perRow` floats each) to `beams` consecutive rows each.
    static func replicate(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, sources: Int, beams: Int,
                          perRow: Int) {
        for b in 0..<sources {
            for k in 0..<beams { (dst + (b * beams + k) * perRow).update(from: src + b * perRow, count: perRow) }
        }
    }

    /// Beam reordering: row r takes over the self-attention cache of row parents[r] for the first `steps` steps.
    func reorder(parents: [Int], steps: Int) {
        let stride = maxSteps * 2 * width, used = steps * 2 * width
        for kv in selfKV {
            for (r, parent) in parents.enumerated() { (gather.pointer + r * used).update(from: kv.pointer + parent * stride, count: used) }
            for r in parents.indices { (kv.pointer + r * stride).update(from: gather.pointer + r * used, count: used) }
        }
    }
}

extension DecoderBlock {
    /// One decoding step for `rows` rows at position `position`: x, out [rows×h]. Eval only.
    func step(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, position: Int, cache c: DecodeCache,
              rows R: Int, rng: inout Rng, _ p: ParameterSet) {
        let h = width, a = selfAttention
        let ctx = StepContext(batch: R, length: 1, mask: UnsafePointer(c.ones.pointer), training: false,
                              backward: false)
        // Causal self-attention: append this step's key/value, attend over steps 0…position.
        Linear.forward(out: c.qkv.pointer, inp: attnSub.input(x, rows: R, p), weight: p.value(a.wqkv),
                       bias: p.value(a.bqkv), rows: R, inDim: h, outDim: 3 * h)
        let kv = c.selfKV[index].pointer, stride = c.maxSteps * 2 * h
        for r in 0..<R { (kv + r * stride + position * 2 * h).update(from: c.qkv.pointer + r * 3 * h + h, count: 2 * h) }
        let selfLayout = AttentionLayout(batch: R, queries: 1, keys: position + 1, heads: c.heads, width: h, qRow: 3 * h,
                                         qBatch: 3 * h, kvRow: 2 * h, kvBatch: stride, maskBatch: 0, causalOffset: nil)
        Attention.forward(out: c.att.pointer, probs: c.probs.pointer, q: c.qkv.pointer, k: kv, v: kv + h, keyMask: nil,
                          layout: selfLayout)
        Linear.forward(out: attnSub.inner.pointer, inp: c.att.pointer, weight: p.value(a.wo), bias: p.value(a.bo),
                       rows: R, inDim: h, outDim: h)
        attnSub.close(out: afterAttn.pointer, x: x, ctx: ctx, rng: &rng, p)
        // Cross-attention against the cached encoder keys/values.
        Linear.forward(out: c.q.pointer, inp: crossSub.input(afterAttn.pointer, rows: R, p), weight: p.value(cross.wq),
                       bias: p.value(cross.bq), rows: R, inDim: h, outDim: h)
        let ckv = c.crossKV[index].pointer, Ls = c.sourceLength
        let crossLayout = cross.layout(batch: R, queries: 1, keys: Ls, qBatch: h)
        Attention.forward(out: c.att.pointer, probs: c.probs.pointer, q: c.q.pointer, k: ckv, v: ckv + h,
                          keyMask: c.mask.pointer, layout: crossLayout)
        Linear.forward(out: crossSub.inner.pointer, inp: c.att.pointer, weight: p.value(cross.wo), bias: p.value(cross.bo),
                       rows: R, inDim: h, outDim: h)
        crossSub.close(out: afterCross.pointer, x: afterAttn.pointer, ctx: ctx, rng: &rng, p)
        ffn.forward(out: ffnSub.inner.pointer, inp: ffnSub.input(afterCross.pointer, rows: R, p), ctx: ctx, rng: &rng, p)
        ffnSub.close(out: out, x: afterCross.pointer, ctx: ctx, rng: &rng, p)
    }

    /// The cross-attention keys/values of `sources` encoder outputs, replicated to `beams` rows each.
    func fillCrossCache(memory: UnsafePointer<Float>, sources: Int, length Ls: Int, beams: Int, cache c: DecodeCache,
                        _ p: ParameterSet) {
        let h = width
        Linear.forward(out: c.gather.pointer, inp: memory, weight: p.value(cross.wkv), bias: p.value(cross.bkv),
                       rows: sources * Ls, inDim: h, outDim: 2 * h)
        DecodeCache.replicate(c.gather.pointer, into: c.crossKV[index].pointer, sources: sources, beams: beams,
                              perRow: Ls * 2 * h)
    }
}
