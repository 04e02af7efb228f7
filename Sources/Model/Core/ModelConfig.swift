import Kernels

/// Which feed-forward sub-layer the MoE blocks use. Names are the ones specs use.
public enum Variant: String, Codable, Sendable, CaseIterable {
    case dense                 // no MoE at all (the backbone before upcycling)
    case moe                   // plain Switch MoE (paper's "MoE" / Table 3 row a)
    case moeShare = "moe-share"                 // + one ungated FFN per MoE layer (§4.3)
    case hypermoe                               // selection embedding of the UNSELECTED experts (§6)
    case hypermoeSelected = "hypermoe-selected" // Figure 4: embedding of the SELECTED experts
    case hypermoeHidden = "hypermoe-hidden"     // Table 3 row b: hypernet fed the token hidden state
    case hypermoeWeights = "hypermoe-weights"   // Table 3 row c: expert embeddings from a conv net over W

    public var hasHyperExpert: Bool { ![.dense, .moe, .moeShare].contains(self) }
}

public enum RouterKind: String, Codable, Sendable, CaseIterable { case switchTop1 = "switch", noisyTopK = "noisy-top-k" }
public enum SelectionPooling: String, Codable, Sendable, CaseIterable { case mean, sum }
/// HyperExpert generation: once per distinct selection pattern (§6.5) or per token as the official code (§6.6).
public enum HyperPath: String, Codable, Sendable, CaseIterable { case grouped, perToken = "per-token" }

/// HyperMoE dimensions (spec §6.2); defaults are the spec's small-model rule.
public struct HyperConfig: Codable, Sendable, Equatable {
    public var expertEmbeddingDim = 64   // t'
    public var processDim = 64           // d_p
    public var hypernetInput = 64        // t
    public var layerEmbeddingDim = 8     // d_l
    public var bottleneck = 64           // r
    public var adapterDim = 16           // b
    public var pooling: SelectionPooling = .mean
    public var path: HyperPath = .grouped
    public init() {}
}

public struct MoEConfig: Codable, Sendable, Equatable {
    public var variant: Variant = .moe
    public var experts = 8
    public var topK = 1
    /// 1 = every block is MoE (GPT-2 upcycling); 2 = odd blocks only (Switch).
    public var every = 2
    public var router: RouterKind = .switchTop1
    public var jitter: Float = 0.01
    public var balanceCoef: Float = 0.01
    public var zLossCoef: Float = 0.001
    /// nil = no token dropping (spec decision 4).
    public var capacityFactor: Float? = nil
    public var hyper = HyperConfig()
    public init() {}
}

public enum NormKind: String, Codable, Sendable { case layer, rms }

public enum HeadKind: Codable, Sendable, Equatable {
    case classification(classes: Int)
    case regression
    case span
    case causalLM
    /// BERT masked-LM pre-training (the MoE backbone stage): targets at the selected positions only.
    case maskedLM
}

public struct ModelConfig: Codable, Sendable, Equatable {
    public var vocabSize = 8192
    public var maxPositions = 128
    public var typeVocabSize = 2        // 0 = no token-type embedding
    public var width = 256              // h
    public var heads = 4
    public var layers = 4
    public var ffnWidth = 1024          // f (per expert)
    public var activation: Activation = .gelu
    public var norm: NormKind = .layer
    public var normEps: Float = 1e-12
    /// false = BERT post-LN (checkpoints load exactly); true = GPT-2/T5 pre-LN with a final norm.
    public var preNorm = false
    public var causal = false
    public var dropout: Float = 0.1
    public var moe: MoEConfig? = MoEConfig()
    public var head: HeadKind = .classification(classes: 2)
    public var initStd: Float = 0.02

    public init() {}

    public var variant: Variant { moe?.variant ?? .dense }

    /// Is block τ (0-based) an MoE block?
    public func isMoE(block: Int) -> Bool {
        guard let moe, moe.variant != .dense else { return false }
        return moe.every <= 1 || block % moe.every == moe.every - 1
    }

    public var moeBlockCount: Int { (0..<layers).filter { isMoE(block: $0) }.count }
}
