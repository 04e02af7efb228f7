import Kernels

/// Word + position (+ token type) embeddings, then LayerNorm for post-LN (BERT) models.
/// A decoder passes the encoder's word table as `sharedWord` (shared input/output embeddings).
final class Embeddings {
    let wte: ParameterRef, wpe: ParameterRef, wtt: ParameterRef?
    let norm: Norm?
    let width: Int
    let sum: FloatBuffer, dsum: FloatBuffer

    init(_ name: String = "embeddings", config c: ModelConfig, maxTokens: Int, sharedWord: ParameterRef? = nil,
         params: ParameterSet) {
        width = c.width
        wte = sharedWord ?? params.add("\(name).word", [c.vocabSize, c.width], .normal(std: c.initStd))
        wpe = params.add("\(name).position", [c.maxPositions, c.width], .normal(std: c.initStd))
        wtt = c.typeVocabSize > 0 ? params.add("\(name).token_type", [c.typeVocabSize, c.width], .normal(std: c.initStd)) : nil
        norm = c.preNorm ? nil : Norm("\(name).norm", kind: c.norm, width: c.width, eps: c.normEps,
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
            Parallel.fill(dsum.pointer, with: 0, count: ctx.tokens * width)
            norm.backward(dinp: dsum.pointer, dout: dout, inp: sum.pointer, rows: ctx.tokens, p)
            d = UnsafePointer(dsum.pointer)
        }
        Embedding.backward(dwte: p.grad(wte), dwpe: p.grad(wpe), dwtt: wtt.map { p.grad($0) }, dout: d, ids: ids,
                           types: types, batch: ctx.batch, length: ctx.length, dim: width)
    }

    /// Incremental decoding: `rows` tokens, all at position `position`, token type 0. Eval only.
    func forwardStep(out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, position: Int, rows: Int,
                     _ p: ParameterSet) {
        let h = width, target = norm == nil ? out : sum.pointer
        let pos = p.value(wpe) + position * h, type0 = wtt.map { UnsafePointer(p.value($0)) }
        for r in 0..<rows {
            let o = target + r * h, e = p.value(wte) + Int(ids[r]) * h
            for i in 0..<h { o[i] = e[i] + pos[i] }
            if let type0 { for i in 0..<h { o[i] += type0[i] } }
        }
        norm?.forward(out: out, inp: sum.pointer, rows: rows, p)
    }
}
