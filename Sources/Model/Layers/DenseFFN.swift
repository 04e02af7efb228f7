import Kernels

/// `act(x W1 + c1) W2 + c2` — BERT's FFN, one expert, or MoE-Share's shared expert.
/// The weights live in the arena; activation buffers are owned by the caller (experts share one set).
struct FFNWeights {
    let w1: ParameterRef, b1: ParameterRef, w2: ParameterRef, b2: ParameterRef

    init(_ name: String, width: Int, inner: Int, std: Float, zeroOutput: Bool = false, params: ParameterSet) {
        w1 = params.add("\(name).w1", [width, inner], .normal(std: std), decay: true)
        b1 = params.add("\(name).b1", [inner], .zeros)
        w2 = params.add("\(name).w2", [inner, width], zeroOutput ? .zeros : .normal(std: std), decay: true)
        b2 = params.add("\(name).b2", [width], .zeros)
    }

    /// pre [n×f] and act [n×f] are saved for backward; out [n×h] is overwritten.
    func forward(out: UnsafeMutablePointer<Float>, pre: UnsafeMutablePointer<Float>, act: UnsafeMutablePointer<Float>,
                 inp: UnsafePointer<Float>, rows: Int, width: Int, inner: Int, activation: Activation, _ p: ParameterSet) {
        if rows == 0 { return }
        Linear.forward(out: pre, inp: inp, weight: p.value(w1), bias: p.value(b1), rows: rows, inDim: width, outDim: inner)
        activation.forward(out: act, inp: pre, count: rows * inner)
        Linear.forward(out: out, inp: act, weight: p.value(w2), bias: p.value(b2), rows: rows, inDim: inner, outDim: width)
    }

    /// dinp += …; `scratch` [n×f] receives d(act) then d(pre).
    func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                  pre: UnsafePointer<Float>, act: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                  scratch2: UnsafeMutablePointer<Float>,
                  rows: Int, width: Int, inner: Int, activation: Activation, _ p: ParameterSet) {
        if rows == 0 { return }
        let n = rows * inner
        // Both scratch buffers are written, not accumulated into: no zero-fill pass (the old serial memsets).
        Linear.backward(dinp: scratch, dweight: p.grad(w2), dbias: p.grad(b2), dout: dout, inp: act,
                        weight: p.value(w2), rows: rows, inDim: inner, outDim: width, overwriteInput: true)
        activation.backward(dinp: scratch2, inp: pre, dout: scratch, count: n, overwrite: true)
        Linear.backward(dinp: dinp, dweight: p.grad(w1), dbias: p.grad(b1), dout: scratch2, inp: inp,
                        weight: p.value(w1), rows: rows, inDim: width, outDim: inner)
    }
}

/// The dense FFN sub-layer of a non-MoE block.
final class DenseFFN {
    let weights: FFNWeights
    let width: Int, inner: Int, activation: Activation
    let pre: FloatBuffer, act: FloatBuffer, scratch: FloatBuffer, scratch2: FloatBuffer

    init(_ name: String, config c: ModelConfig, maxTokens: Int, params: ParameterSet) {
        width = c.width; inner = c.ffnWidth; activation = c.activation
        weights = FFNWeights(name, width: c.width, inner: c.ffnWidth, std: c.initStd, params: params)
        pre = FloatBuffer(count: maxTokens * inner)
        act = FloatBuffer(count: maxTokens * inner)
        scratch = FloatBuffer(count: maxTokens * inner)
        scratch2 = FloatBuffer(count: maxTokens * inner)
    }

    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, _ p: ParameterSet) {
        weights.forward(out: out, pre: pre.pointer, act: act.pointer, inp: inp, rows: rows, width: width,
                        inner: inner, activation: activation, p)
    }

    func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                  rows: Int, _ p: ParameterSet) {
        weights.backward(dinp: dinp, dout: dout, inp: inp, pre: pre.pointer, act: act.pointer,
                         scratch: scratch.pointer, scratch2: scratch2.pointer, rows: rows, width: width,
                         inner: inner, activation: activation, p)
    }
}
