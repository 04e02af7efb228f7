import Kernels
import Model

/// Tiny configurations and batches shared by the model tests (fast even in debug builds).
enum Tiny {
    static func config(_ variant: Variant, head: HeadKind = .classification(classes: 3), experts: Int = 4,
                       every: Int = 1, preNorm: Bool = false, causal: Bool = false) -> ModelConfig {
        var c = ModelConfig()
        c.vocabSize = 40; c.maxPositions = 16; c.typeVocabSize = 2
        c.width = 16; c.heads = 2; c.layers = 2; c.ffnWidth = 32
        c.dropout = 0.1; c.preNorm = preNorm; c.causal = causal; c.head = head
        c.norm = preNorm ? .rms : .layer
        c.normEps = 1e-6
        c.initStd = 0.2
        if variant == .dense { c.moe = nil } else {
            var m = MoEConfig()
            m.variant = variant; m.experts = experts; m.every = every
            m.hyper.expertEmbeddingDim = 8; m.hyper.processDim = 8; m.hyper.hypernetInput = 8
            m.hyper.layerEmbeddingDim = 4; m.hyper.bottleneck = 8; m.hyper.adapterDim = 4
            c.moe = m
        }
        return c
    }

    /// Deterministic batch of 2 sequences × 6 positions; the second sequence has 2 padding positions.
    static func batch(for c: ModelConfig, length: Int = 6, seed: UInt64 = 7) -> ModelBatch {
        var rng = Rng(seed: seed)
        let B = 2, L = length
        var ids = [Int32](), mask = [Float](), types = [Int32]()
        for b in 0..<B {
            for l in 0..<L {
                let pad = b == 1 && l >= L - 2
                ids.append(pad ? 0 : Int32(1 + rng.int(below: c.vocabSize - 1)))
                mask.append(pad ? 0 : 1)
                types.append(l >= L / 2 ? 1 : 0)
            }
        }
        let labels: ModelBatch.Labels
        switch c.head {
        case .classification(let n): labels = .classes((0..<B).map { Int32($0 % n) })
        case .regression: labels = .values([0.5, -1.25])
        case .span: labels = .spans(start: [1, 2], end: [3, 2])
        case .causalLM:
            var y = [Int32]()
            for b in 0..<B { for l in 0..<L {
                let next = l + 1 < L && mask[b * L + l + 1] != 0 ? ids[b * L + l + 1] : -1
                y.append(next)
            } }
            labels = .nextTokens(y)
        case .maskedLM:   // every third real position is a selected (masked) one
            labels = .maskedTokens(ids.indices.map { t in mask[t] != 0 && t % 3 == 1 ? ids[t] : -1 })
        }
        return ModelBatch(batch: B, length: L, ids: ids, types: types, mask: mask, labels: labels)
    }

    /// Scale hypernetwork tensors up so the HyperExpert path carries gradients far above float32 noise
    /// (at the paper's hyperfanin init the generated weights are ~1e-5 and their gradients ~1e-10).
    static func amplifyHypernet(_ params: ParameterSet, std: Float = 0.05, seed: UInt64 = 3) {
        var rng = Rng(seed: seed)
        for ref in params.refs where (ref.name.hasPrefix("hypernet.") || ref.name.contains(".hypernet.")) && ref.name.contains("weight") {
            let p = params.value(ref)
            for i in 0..<ref.count { p[i] = rng.normal() * std }
        }
    }

    /// The noisy gate starts at zero (paper); give it weights so the gradient check sees non-trivial gates.
    static func randomizeRouters(_ params: ParameterSet, std: Float = 0.3, seed: UInt64 = 4) {
        var rng = Rng(seed: seed)
        for ref in params.refs where ref.name.hasSuffix(".gate") || ref.name.hasSuffix(".noise") {
            let p = params.value(ref)
            for i in 0..<ref.count { p[i] = rng.normal() * std }
        }
    }
}
