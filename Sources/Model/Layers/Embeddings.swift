import Kernels

/// Word + position (+ token type) embeddings, then LayerNorm for post-LN (BERT) models.
final class Embeddings {
    let wte: ParameterRef, wpe: ParameterRef, wtt: ParameterRef?
    let norm: Norm?
    let width: Int
    let sum: FloatBuffer, dsum: FloatBuffer

    init(config c: ModelConfig, maxTokens: Int, params: ParameterSet) {
        width = c.width
        wte = params.add("embeddings.word", [c.vocabSize, c.width], .normal(std: c.initStd))
        wpe = params.add("embeddings.position", [c.maxPositions, c.width], .normal(std: c.initStd))
        wtt = c.typeVocabSize > 0 ? params.add("embeddings.token_type", [c.typeVocabSize, c.width], .normal(std: c.initStd)) : nil
        norm = c.preNorm ? nil : Norm("embeddings.norm", kind: c.norm, width: c.width, eps: c.normEps,
                                      maxRows: maxTokens, params: params)
        sum = FloatBuffer(count: norm == nil ? 0 : maxTokens * c.width)
        dsum = FloatBuffer(count: norm == nil ? 0 : maxTokens * c.width)
    }

    func forward(out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>,
                 ctx: StepContext, _ p: ParameterSet) {
        let target = norm == nil ? out : sum.pointer
        Embedding.forward(out: target, ids: ids, types: types, wte: p.value(wte), wpe: p.value(wpe),
                          wtt: wtt.map { UnsafePointer(p.value($0)) }, batch: ctx.batch, length: ctx.length, dim: width)
        norm?.forward(out: out, inp: sum.pointer, rows: ctx.tokens, p)
    }

    func backward(dout: UnsafePointer<Float>, ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>,
                  ctx: StepContext, _ p: ParameterSet) {
        var d = dout
        if let norm {
            dsum.pointer.update(repeating: 0, count: ctx.tokens * width)
            norm.backward(dinp: dsum.pointer, dout: dout, inp: sum.pointer, rows: ctx.tokens, p)
            d = UnsafePointer(dsum.pointer)
        }
        Embedding.backward(dwte: p.grad(wte), dwpe: p.grad(wpe), dwtt: wtt.map { p.grad($0) }, dout: d, ids: ids,
                           types: types, batch: ctx.batch, length: ctx.length, dim: width)
    }
}
