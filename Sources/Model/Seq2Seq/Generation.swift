import Foundation
import Kernels

extension Seq2SeqTransformer {
    /// Decodes every source (token ids, BOS/EOS as the caller's encoder wrote them; longer ones are cut to
    /// maxSourceLength): greedy when beamWidth is 1, beam search otherwise. Sources are processed in chunks of
    /// maxBatch / beamWidth; with `useCache` each step runs one token per hypothesis through the decoder.
    public func generate(source: [[Int32]], options: GenerationOptions) -> [GeneratedSequence] {
        precondition(options.beamWidth >= 1 && options.beamWidth <= maxBatch, "beam width must be in 1…maxBatch")
        let chunk = maxBatch / options.beamWidth
        var out: [GeneratedSequence] = []
        for start in stride(from: 0, to: source.count, by: chunk) {
            out += generateChunk(Array(source[start..<min(start + chunk, source.count)]), options: options)
        }
        return out
    }

    private func cache() -> DecodeCache {
        if let decodeCache { return decodeCache }
        let c = DecodeCache(rows: maxBatch, maxSteps: maxTargetLength, maxSource: maxSourceLength,
                            config: config.decoder, layers: config.decoderLayers)
        decodeCache = c
        return c
    }

    private func generateChunk(_ sources: [[Int32]], options o: GenerationOptions) -> [GeneratedSequence] {
        let B = sources.count, K = o.beamWidth, R = B * K, h = config.model.width
        let Ls = min(maxSourceLength, sources.map(\.count).max() ?? 1)
        for (b, s) in sources.enumerated() {
            checkVocabulary(s)
            for l in 0..<Ls {
                sourceIds[b * Ls + l] = l < s.count ? s[l] : 0
                sourceMask[b * Ls + l] = l < s.count ? 1 : 0
            }
        }
        let memory = encode(batch: B, length: Ls, training: false)
        recordEncoderRouting(realTokens: sources.reduce(0) { $0 + min($1.count, Ls) })
        let c = cache()
        c.sourceLength = Ls
        DecodeCache.replicate(memory.mask, into: c.mask.pointer, sources: B, beams: K, perRow: Ls)
        if o.useCache {
            for block in decoder.blocks { block.fillCrossCache(memory: memory.states, sources: B, length: Ls, beams: K, cache: c, params) }
        } else {
            DecodeCache.replicate(memory.states, into: c.memory.pointer, sources: B, beams: K, perRow: Ls * h)
        }
        let greedy = o.strategy == .greedy || (o.strategy == .automatic && K == 1)
        precondition(!(greedy && K != 1), "greedy decoding needs beam width 1")
        if greedy { return decode(GreedySearch(rows: R, options: o), rows: R, cache: c) }
        return decode(BeamSearch(sources: B, beams: K, options: o), rows: R, cache: c)
    }

    /// Adds the last encoder forward's expert loads (fractions of its real tokens) to `encoderRouting`.
    private func recordEncoderRouting(realTokens: Int) {
        let loads = encoder.moeLayers.map(\.expertLoad)
        if encoderRouting.isEmpty { encoderRouting = loads.map { [Double](repeating: 0, count: $0.count) } }
        for (l, load) in loads.enumerated() {
            for (e, fraction) in load.enumerated() { encoderRouting[l][e] += Double(fraction) * Double(realTokens) }
        }
    }

    private func decode<S: DecodingSearch>(_ start: S, rows R: Int, cache c: DecodeCache) -> [GeneratedSequence] {
        let o = start.options, h = config.model.width, V = config.model.vocabSize
        var search = start
        let logits = FloatBuffer(count: R * V)
        for t in 0..<min(o.maxLength, maxTargetLength) {
            let top = o.useCache ? stepHidden(tokens: search.lastTokens, position: t, rows: R, cache: c)
                                 : recomputeHidden(histories: search.histories, bos: o.bos, rows: R, cache: c)
            Blas.sgemm(transB: true, m: R, n: V, k: h, a: top, lda: h, b: params.value(encoder.embeddings.wte), ldb: h,
                       c: logits.pointer, ldc: V)
            Softmax.logSoftmax(logits.pointer, rows: R, cols: V)
            let parents = search.advance(logProbs: logits.pointer, vocab: V)
            if search.allDone { break }
            if o.useCache && parents != Array(0..<R) { c.reorder(parents: parents, steps: t + 1) }
        }
        return search.results()
    }

    /// Decoder output for the newest token of each row, using and extending the cache. [R × h]
    private func stepHidden(tokens: [Int32], position t: Int, rows R: Int, cache c: DecodeCache) -> UnsafePointer<Float> {
        tokens.withUnsafeBufferPointer {
            decoder.embeddings.forwardStep(out: c.x.pointer, ids: $0.baseAddress!, position: t, rows: R, params)
        }
        var x = c.x, y = c.y
        for block in decoder.blocks {
            block.step(out: y.pointer, x: x.pointer, position: t, cache: c, rows: R, rng: &rng, params)
            swap(&x, &y)
        }
        return decoder.top(x.pointer, rows: R, out: y.pointer, params)
    }

    /// The reference path: run the decoder over BOS + every row's whole history; keep each row's last position.
    private func recomputeHidden(histories: [[Int32]], bos: Int32, rows R: Int, cache c: DecodeCache) -> UnsafePointer<Float> {
        let L = histories[0].count + 1, h = config.model.width
        for (r, g) in histories.enumerated() {
            targetIds[r * L] = bos
            for (i, token) in g.enumerated() { targetIds[r * L + 1 + i] = token }
        }
        targetMask.pointer.update(repeating: 1, count: R * L)
        let ctx = StepContext(batch: R, length: L, mask: UnsafePointer(targetMask.pointer), training: false,
                              backward: false)
        let memory = Memory(states: UnsafePointer(c.memory.pointer), mask: UnsafePointer(c.mask.pointer),
                            length: c.sourceLength)
        let top = decoder.forward(ids: targetIds, types: targetTypes, memory: memory, ctx: ctx, rng: &rng, params)
        for r in 0..<R { (c.x.pointer + r * h).update(from: top + (r * L + L - 1) * h, count: h) }
        return UnsafePointer(c.x.pointer)
    }
}
