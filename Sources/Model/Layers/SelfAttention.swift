import Kernels

/// Multi-head self-attention sub-layer: fused QKV projection, attention, output projection.
final class SelfAttention {
    let wqkv: ParameterRef, bqkv: ParameterRef, wo: ParameterRef, bo: ParameterRef
    let width: Int, heads: Int, causal: Bool
    let qkv: FloatBuffer, probs: FloatBuffer, att: FloatBuffer
    let dqkv: FloatBuffer, datt: FloatBuffer, scratch: FloatBuffer

    init(_ name: String, config c: ModelConfig, maxBatch: Int, maxLength: Int, params: ParameterSet) {
        width = c.width; heads = c.heads; causal = c.causal
        let h = c.width, T = maxBatch * maxLength
        wqkv = params.add("\(name).wqkv", [h, 3 * h], .normal(std: c.initStd), decay: true)
        bqkv = params.add("\(name).bqkv", [3 * h], .zeros)
        wo = params.add("\(name).wo", [h, h], .normal(std: c.initStd), decay: true)
        bo = params.add("\(name).bo", [h], .zeros)
        qkv = FloatBuffer(count: T * 3 * h)
        dqkv = FloatBuffer(count: T * 3 * h)
        probs = FloatBuffer(count: maxBatch * c.heads * maxLength * maxLength)
        att = FloatBuffer(count: T * h)
        datt = FloatBuffer(count: T * h)
        scratch = FloatBuffer(count: Attention.scratchCount(queries: maxLength, keys: maxLength))
    }

    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, ctx: StepContext, _ p: ParameterSet) {
        let T = ctx.tokens, h = width
        Linear.forward(out: qkv.pointer, inp: inp, weight: p.value(wqkv), bias: p.value(bqkv), rows: T, inDim: h, outDim: 3 * h)
        let shape = AttentionShape(batch: ctx.batch, length: ctx.length, heads: heads, width: h)
        Attention.forward(out: att.pointer, probs: probs.pointer, qkv: qkv.pointer, keyMask: ctx.mask,
                          causal: causal, shape: shape)
        Linear.forward(out: out, inp: att.pointer, weight: p.value(wo), bias: p.value(bo), rows: T, inDim: h, outDim: h)
    }

    func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                  ctx: StepContext, _ p: ParameterSet) {
        let T = ctx.tokens, h = width
        datt.pointer.update(repeating: 0, count: T * h)
        Linear.backward(dinp: datt.pointer, dweight: p.grad(wo), dbias: p.grad(bo), dout: dout, inp: att.pointer,
                        weight: p.value(wo), rows: T, inDim: h, outDim: h)
        dqkv.pointer.update(repeating: 0, count: T * 3 * h)
        let shape = AttentionShape(batch: ctx.batch, length: ctx.length, heads: heads, width: h)
        Attention.backward(dqkv: dqkv.pointer, dout: datt.pointer, qkv: qkv.pointer, probs: probs.pointer,
                           scratch: scratch.pointer, shape: shape)
        Linear.backward(dinp: dinp, dweight: p.grad(wqkv), dbias: p.grad(bqkv), dout: dqkv.pointer, inp: inp,
                        weight: p.value(wqkv), rows: T, inDim: h, outDim: 3 * h)
    }
}
