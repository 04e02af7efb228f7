import Kernels

/// Where a decoder attends: the encoder output `memory` [B·Ls × h] and its padding mask [B·Ls].
struct Memory {
    var states: UnsafePointer<Float>
    var mask: UnsafePointer<Float>
    var length: Int
}

/// Multi-head cross-attention (decoder queries, encoder keys/values): q = x Wq + bq, [k | v] = m Wkv + bkv,
/// output projection Wo. Keys are the encoder's real tokens only.
final class CrossAttention {
    let wq: ParameterRef, bq: ParameterRef, wkv: ParameterRef, bkv: ParameterRef, wo: ParameterRef, bo: ParameterRef
    let width: Int, heads: Int
    let q, kv, probs, att, dq, dkv, datt, scratch: FloatBuffer

    init(_ name: String, config c: ModelConfig, maxBatch: Int, maxLength: Int, maxMemory: Int, params: ParameterSet) {
        width = c.width; heads = c.heads
        let h = c.width, T = maxBatch * maxLength, M = maxBatch * maxMemory
        wq = params.add("\(name).wq", [h, h], .normal(std: c.initStd), decay: true)
        bq = params.add("\(name).bq", [h], .zeros)
        wkv = params.add("\(name).wkv", [h, 2 * h], .normal(std: c.initStd), decay: true)
        bkv = params.add("\(name).bkv", [2 * h], .zeros)
        wo = params.add("\(name).wo", [h, h], .normal(std: c.initStd), decay: true)
        bo = params.add("\(name).bo", [h], .zeros)
        q = FloatBuffer(count: T * h); dq = FloatBuffer(count: T * h)
        kv = FloatBuffer(count: M * 2 * h); dkv = FloatBuffer(count: M * 2 * h)
        att = FloatBuffer(count: T * h); datt = FloatBuffer(count: T * h)
        probs = FloatBuffer(count: maxBatch * c.heads * maxLength * maxMemory)
        scratch = FloatBuffer(count: Attention.scratchCount(queries: maxLength, keys: maxMemory))
    }

    func layout(batch: Int, queries: Int, keys: Int, qBatch: Int) -> AttentionLayout {
        AttentionLayout(batch: batch, queries: queries, keys: keys, heads: heads, width: width, qRow: width,
                        qBatch: qBatch, kvRow: 2 * width, kvBatch: keys * 2 * width, maskBatch: keys, causalOffset: nil)
    }

    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, memory m: Memory, ctx: StepContext,
                 _ p: ParameterSet) {
        let h = width, T = ctx.tokens
        Linear.forward(out: q.pointer, inp: inp, weight: p.value(wq), bias: p.value(bq), rows: T, inDim: h, outDim: h)
        Linear.forward(out: kv.pointer, inp: m.states, weight: p.value(wkv), bias: p.value(bkv), rows: ctx.batch * m.length,
                       inDim: h, outDim: 2 * h)
        Attention.forward(out: att.pointer, probs: probs.pointer, q: q.pointer, k: kv.pointer, v: kv.pointer + h,
                          keyMask: m.mask, layout: layout(batch: ctx.batch, queries: ctx.length, keys: m.length,
                                                          qBatch: ctx.length * h))
        Linear.forward(out: out, inp: att.pointer, weight: p.value(wo), bias: p.value(bo), rows: T, inDim: h, outDim: h)
    }

    /// Accumulates ∂L/∂inp into dinp and ∂L/∂memory into dmemory.
    func backward(dinp: UnsafeMutablePointer<Float>, dmemory: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                  inp: UnsafePointer<Float>, memory m: Memory, ctx: StepContext, _ p: ParameterSet) {
        let h = width, T = ctx.tokens, M = ctx.batch * m.length
        datt.pointer.update(repeating: 0, count: T * h)
        Linear.backward(dinp: datt.pointer, dweight: p.grad(wo), dbias: p.grad(bo), dout: dout, inp: att.pointer,
                        weight: p.value(wo), rows: T, inDim: h, outDim: h)
        dq.pointer.update(repeating: 0, count: T * h)
        dkv.pointer.update(repeating: 0, count: M * 2 * h)
        Attention.backward(dq: dq.pointer, dk: dkv.pointer, dv: dkv.pointer + h, dout: datt.pointer, q: q.pointer,
                           k: kv.pointer, v: kv.pointer + h, probs: probs.pointer, scratch: scratch.pointer,
                           layout: layout(batch: ctx.batch, queries: ctx.length, keys: m.length, qBatch: ctx.length * h))
        Linear.backward(dinp: dinp, dweight: p.grad(wq), dbias: p.grad(bq), dout: dq.pointer, inp: inp,
                        weight: p.value(wq), rows: T, inDim: h, outDim: h)
        Linear.backward(dinp: dmemory, dweight: p.grad(wkv), dbias: p.grad(bkv), dout: dkv.pointer, inp: m.states,
                        weight: p.value(wkv), rows: M, inDim: h, outDim: 2 * h)
    }
}
