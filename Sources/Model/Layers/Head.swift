import Kernels

/// Task heads. Each computes its loss and ∂loss/∂hidden in one pass (llm.c's fused classifier):
///  - classification / regression: mean-pool real tokens (MiniLM's sentence pooling) → Linear;
///  - span: Linear(h→2) per token → start/end softmax over the sequence's real tokens;
///  - causal LM: logits = hidden · word-embeddingᵀ (tied), next-token cross-entropy;
///  - masked LM: BERT's MLM head on the selected positions (`MaskedLMHead`).
final class Head {
    let kind: HeadKind
    let width: Int
    let weight: ParameterRef?, bias: ParameterRef?
    let tiedEmbedding: ParameterRef
    let pooled, dpooled, logits, probs, dlogits: FloatBuffer
    /// Span head: [2][B][L] position logits, their gradient and probabilities.
    let positions, dpositions, positionProbs: FloatBuffer
    let masked: MaskedLMHead?
    /// ε of label smoothing for the LM head (the seq2seq decoder); 0 elsewhere.
    var labelSmoothing: Float = 0
    var outputs: Int { Head.outputs(kind) }

    /// Width of the head's linear layer (0: the LM head reuses the word embedding).
    static func outputs(_ kind: HeadKind) -> Int {
        switch kind {
        case .classification(let c): return c
        case .regression: return 1
        case .span: return 2
        case .causalLM, .maskedLM: return 0
        }
    }

    init(config c: ModelConfig, embedding: ParameterRef, maxBatch: Int, maxLength: Int, params: ParameterSet) {
        kind = c.head; width = c.width; tiedEmbedding = embedding
        let T = maxBatch * maxLength
        let outs = Head.outputs(c.head)
        if outs > 0 {
            weight = params.add("head.weight", [c.width, outs], .normal(std: c.initStd), decay: true)
            bias = params.add("head.bias", [outs], .zeros)
        } else { weight = nil; bias = nil }
        pooled = FloatBuffer(count: maxBatch * c.width); dpooled = FloatBuffer(count: maxBatch * c.width)
        let logitCount: Int
        switch c.head {
        case .causalLM: logitCount = T * c.vocabSize
        case .span: logitCount = T * 2
        case .maskedLM: logitCount = 0   // its own buffers, over the selected rows
        default: logitCount = maxBatch * max(outs, 1)
        }
        logits = FloatBuffer(count: logitCount); probs = FloatBuffer(count: logitCount); dlogits = FloatBuffer(count: logitCount)
        let spanRows = c.head == .span ? 2 * T : 0
        positions = FloatBuffer(count: spanRows); dpositions = FloatBuffer(count: spanRows)
        positionProbs = FloatBuffer(count: spanRows)
        masked = c.head == .maskedLM ? MaskedLMHead(config: c, embedding: embedding, maxTokens: T, params: params) : nil
    }

    /// Returns the mean task loss; writes dh (overwritten) when `dh` is given.
    func forward(hidden: UnsafePointer<Float>, batch: ModelBatch, ctx: StepContext, dh: UnsafeMutablePointer<Float>?,
                 vocab: Int, _ p: ParameterSet) -> Float {
        let B = ctx.batch, L = ctx.length, T = ctx.tokens, h = width
        if let dh { Parallel.fill(dh, with: 0, count: T * h) }
        switch kind {
        case .classification, .regression:
            let C = outputs
            var counts = [Float](repeating: 0, count: B)
            for b in 0..<B {
                let o = pooled.pointer + b * h
                o.update(repeating: 0, count: h)
                for l in 0..<L where ctx.mask[b * L + l] != 0 {
                    counts[b] += 1
                    let src = hidden + (b * L + l) * h
                    for i in 0..<h { o[i] += src[i] }
                }
                let inv = 1 / max(counts[b], 1)
                for i in 0..<h { o[i] *= inv }
            }
            Linear.forward(out: logits.pointer, inp: pooled.pointer, weight: p.value(weight!), bias: p.value(bias!),
                           rows: B, inDim: h, outDim: C)
            dlogits.pointer.update(repeating: 0, count: B * C)
            let loss: Float
            switch batch.labels {
            case .classes(let y):
                loss = y.withUnsafeBufferPointer {
                    Losses.crossEntropy(dlogits: dh == nil ? nil : dlogits.pointer, logits: logits.pointer,
                                        targets: $0.baseAddress!, rows: B, classes: C, probs: probs.pointer)
                }
            case .values(let y):
                loss = y.withUnsafeBufferPointer {
                    Losses.mse(dpred: dh == nil ? nil : dlogits.pointer, pred: logits.pointer, target: $0.baseAddress!, count: B)
                }
            default: preconditionFailure("pooled head needs class or value labels")
            }
            guard let dh else { return loss }
            dpooled.pointer.update(repeating: 0, count: B * h)
            Linear.backward(dinp: dpooled.pointer, dweight: p.grad(weight!), dbias: p.grad(bias!), dout: dlogits.pointer,
                            inp: pooled.pointer, weight: p.value(weight!), rows: B, inDim: h, outDim: C)
            for b in 0..<B {
                let inv = 1 / max(counts[b], 1), src = dpooled.pointer + b * h
                for l in 0..<L where ctx.mask[b * L + l] != 0 {
                    let d = dh + (b * L + l) * h
                    for i in 0..<h { d[i] = src[i] * inv }
                }
            }
            return loss

        case .span:
            guard case .spans(let starts, let ends) = batch.labels else { preconditionFailure("span head needs spans") }
            Linear.forward(out: logits.pointer, inp: hidden, weight: p.value(weight!), bias: p.value(bias!), rows: T,
                           inDim: h, outDim: 2)
            // Rearrange to [2][B][L] rows of per-sequence position logits, padding hidden by −1e9.
            let pos = positions, dpos = dpositions, rowProbs = positionProbs
            dpos.pointer.update(repeating: 0, count: 2 * T)
            for t in 0..<T {
                let masked = ctx.mask[t] == 0
                pos[t] = masked ? -1e9 : logits[t * 2]
                pos[T + t] = masked ? -1e9 : logits[t * 2 + 1]
            }
            let targets = starts + ends
            let loss = targets.withUnsafeBufferPointer {
                Losses.crossEntropy(dlogits: dh == nil ? nil : dpos.pointer, logits: pos.pointer, targets: $0.baseAddress!,
                                    rows: 2 * B, classes: L, scale: 1, probs: rowProbs.pointer)
            }
            for t in 0..<(2 * T) { probs[t] = rowProbs[t] }
            guard let dh else { return loss }
            dlogits.pointer.update(repeating: 0, count: T * 2)
            for t in 0..<T where ctx.mask[t] != 0 { dlogits[t * 2] = dpos[t]; dlogits[t * 2 + 1] = dpos[T + t] }
            Linear.backward(dinp: dh, dweight: p.grad(weight!), dbias: p.grad(bias!), dout: dlogits.pointer, inp: hidden,
                            weight: p.value(weight!), rows: T, inDim: h, outDim: 2)
            return loss

        case .maskedLM:
            guard case .maskedTokens(let y) = batch.labels else { preconditionFailure("MLM head needs masked-token targets") }
            return masked!.forward(hidden: hidden, labels: y, ctx: ctx, dh: dh, p)

        case .causalLM:
            guard case .nextTokens(let y) = batch.labels else { preconditionFailure("LM head needs next tokens") }
            let V = vocab, E = p.value(tiedEmbedding)
            Blas.sgemm(transB: true, m: T, n: V, k: h, a: hidden, lda: h, b: E, ldb: h, c: logits.pointer, ldc: V)
            dlogits.pointer.update(repeating: 0, count: T * V)
            let loss = y.withUnsafeBufferPointer {
                Losses.crossEntropy(dlogits: dh == nil ? nil : dlogits.pointer, logits: logits.pointer,
                                    targets: $0.baseAddress!, rows: T, classes: V, smoothing: labelSmoothing,
                                    probs: probs.pointer)
            }
            guard let dh else { return loss }
            Blas.sgemm(m: T, n: h, k: V, a: dlogits.pointer, lda: V, b: E, ldb: h, beta: 1, c: dh, ldc: h)
            Blas.sgemm(transA: true, m: V, n: h, k: T, a: dlogits.pointer, lda: V, b: hidden, ldb: h, beta: 1,
                       c: p.grad(tiedEmbedding), ldc: h)
            return loss
        }
    }
}
