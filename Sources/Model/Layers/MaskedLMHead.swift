import Kernels

/// BERT's masked-LM head, scored on the selected positions only: gather the rows that have a target →
/// dense h→h → GELU → LayerNorm → logits = · Eᵀ (tied word embedding) + output bias → cross-entropy.
/// Scoring only the ~15 % selected rows keeps the V-wide projection (V = 30,522 for MiniLM) off the rest.
/// all-MiniLM-L6-v2 ships no MLM head, so this one starts fresh (names `mlm.*`, never loaded into fine-tunes).
final class MaskedLMHead {
    let width: Int, vocab: Int
    let dense: ParameterRef, denseBias: ParameterRef, outBias: ParameterRef, tied: ParameterRef
    let norm: Norm
    /// Per selected row: its token index, gathered input, pre-activation, activation, normed output, gradients.
    let rows: UnsafeMutablePointer<Int>, targets: UnsafeMutablePointer<Int32>
    let gathered, pre, act, normed, dnormed, dact, dpre, dgathered: FloatBuffer
    let logits, probs, dlogits: FloatBuffer
    /// Selected rows of the last forward, and its correct top-1 predictions (counted in evaluation forwards only).
    private(set) var selected = 0, correct = 0

    init(config c: ModelConfig, embedding: ParameterRef, maxTokens T: Int, params: ParameterSet) {
        width = c.width; vocab = c.vocabSize; tied = embedding
        dense = params.add("mlm.dense.weight", [c.width, c.width], .normal(std: c.initStd), decay: true)
        denseBias = params.add("mlm.dense.bias", [c.width], .zeros)
        norm = Norm("mlm.norm", kind: .layer, width: c.width, eps: c.normEps, maxRows: T, params: params)
        outBias = params.add("mlm.bias", [c.vocabSize], .zeros)
        rows = .allocate(capacity: T); targets = .allocate(capacity: T)
        let n = T * c.width
        gathered = FloatBuffer(count: n); pre = FloatBuffer(count: n); act = FloatBuffer(count: n)
        normed = FloatBuffer(count: n); dnormed = FloatBuffer(count: n); dact = FloatBuffer(count: n)
        dpre = FloatBuffer(count: n); dgathered = FloatBuffer(count: n)
        // Sized for every row; only the selected rows' pages are ever touched.
        logits = FloatBuffer(count: T * c.vocabSize); probs = FloatBuffer(count: T * c.vocabSize)
        dlogits = FloatBuffer(count: T * c.vocabSize)
    }

    deinit { rows.deallocate(); targets.deallocate() }

    /// Mean cross-entropy over the rows with a target (y ≥ 0); writes dh (already zeroed by the caller).
    func forward(hidden: UnsafePointer<Float>, labels y: [Int32], ctx: StepContext, dh: UnsafeMutablePointer<Float>?,
                 _ p: ParameterSet) -> Float {
        let h = width, V = vocab
        var M = 0
        for t in 0..<ctx.tokens where y[t] >= 0 && ctx.mask[t] != 0 {
            rows[M] = t; targets[M] = y[t]
            (gathered.pointer + M * h).update(from: hidden + t * h, count: h)
            M += 1
        }
        selected = M; correct = 0
        guard M > 0 else { return 0 }
        Linear.forward(out: pre.pointer, inp: gathered.pointer, weight: p.value(dense), bias: p.value(denseBias),
                       rows: M, inDim: h, outDim: h)
        Activation.gelu.forward(out: act.pointer, inp: pre.pointer, count: M * h)
        norm.forward(out: normed.pointer, inp: act.pointer, rows: M, p)
        let E = p.value(tied), b = p.value(outBias)
        for r in 0..<M { (logits.pointer + r * V).update(from: b, count: V) }
        Blas.sgemm(transB: true, m: M, n: V, k: h, a: normed.pointer, lda: h, b: E, ldb: h, beta: 1,
                   c: logits.pointer, ldc: V)
        if dh != nil { dlogits.pointer.update(repeating: 0, count: M * V) }
        let loss = Losses.crossEntropy(dlogits: dh == nil ? nil : dlogits.pointer, logits: logits.pointer,
                                       targets: targets, rows: M, classes: V, probs: probs.pointer)
        guard let dh else {   // accuracy only when evaluating: a V-wide argmax per row is wasted in a training step
            for r in 0..<M {
                let row = logits.pointer + r * V
                var best = 0
                for j in 1..<V where row[j] > row[best] { best = j }
                if best == Int(targets[r]) { correct += 1 }
            }
            return loss
        }
        Linear.columnSum(dlogits.pointer, rows: M, cols: V, into: p.grad(outBias))
        // d(normed) = dlogits · E;  dE += dlogitsᵀ · normed
        Blas.sgemm(m: M, n: h, k: V, a: dlogits.pointer, lda: V, b: E, ldb: h, c: dnormed.pointer, ldc: h)
        Blas.sgemm(transA: true, m: V, n: h, k: M, a: dlogits.pointer, lda: V, b: normed.pointer, ldb: h, beta: 1,
                   c: p.grad(tied), ldc: h)
        dact.pointer.update(repeating: 0, count: M * h)
        norm.backward(dinp: dact.pointer, dout: dnormed.pointer, inp: act.pointer, rows: M, p)
        dpre.pointer.update(repeating: 0, count: M * h)
        Activation.gelu.backward(dinp: dpre.pointer, inp: pre.pointer, dout: dact.pointer, count: M * h)
        dgathered.pointer.update(repeating: 0, count: M * h)
        Linear.backward(dinp: dgathered.pointer, dweight: p.grad(dense), dbias: p.grad(denseBias), dout: dpre.pointer,
                        inp: gathered.pointer, weight: p.value(dense), rows: M, inDim: h, outDim: h)
        for r in 0..<M { (dh + rows[r] * h).update(from: dgathered.pointer + r * h, count: h) }
        return loss
    }
}
