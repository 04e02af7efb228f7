import Foundation
import Formats

/// One float32 tensor from the checkpoint, row-major, with its shape.
public struct BertParameter: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// A `torch.nn.Linear`: `weight` is [out, in] (HF/PyTorch layout, y = x·Wᵀ + b), `bias` is [out].
public struct BertLinear: Sendable, Equatable {
    public var weight: BertParameter
    public var bias: BertParameter

    public init(weight: BertParameter, bias: BertParameter) {
        self.weight = weight
        self.bias = bias
    }
}

/// LayerNorm scale (HF `weight`, γ) and shift (HF `bias`, β), both [hidden].
public struct BertLayerNorm: Sendable, Equatable {
    public var gamma: BertParameter
    public var beta: BertParameter

    public init(gamma: BertParameter, beta: BertParameter) {
        self.gamma = gamma
        self.beta = beta
    }
}

/// One post-LN encoder layer: x = LN(x + O(attn(Q, K, V))); x = LN(x + Out(act(In(x)))).
public struct BertLayerWeights: Sendable, Equatable {
    public var query: BertLinear            // [H, H]
    public var key: BertLinear              // [H, H]
    public var value: BertLinear            // [H, H]
    public var attentionOutput: BertLinear  // [H, H]
    public var attentionLayerNorm: BertLayerNorm
    public var intermediate: BertLinear     // [F, H]
    public var output: BertLinear           // [H, F]
    public var outputLayerNorm: BertLayerNorm
}

/// Every tensor of a pretrained HF BERT encoder, checked against its config: all expected names
/// present with the expected shapes and dtype F32, and nothing unknown except the known extras
/// (`embeddings.position_ids`, the pooler). Plain values only; the engine maps them into its own layout.
public struct BertWeights: Sendable, Equatable {
    public var config: BertConfig
    public var wordEmbeddings: BertParameter       // [V, H]
    public var positionEmbeddings: BertParameter   // [P, H]
    public var tokenTypeEmbeddings: BertParameter  // [T, H]
    public var embeddingLayerNorm: BertLayerNorm
    public var layers: [BertLayerWeights]
    /// The [CLS] pooler (dense + tanh); sentence encoders like MiniLM ship it but never use it.
    public var pooler: BertLinear?

    /// Tensors the encoder tolerates but does not require: a buffer of 0..<P, and the pooler.
    public static let optionalNames: Set<String> = ["embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"]

    /// `config.json` + `model.safetensors` from one folder (an HF model directory).
    public static func load(directory: URL) throws -> BertWeights {
        let config = try BertConfig.load(contentsOf: directory.appendingPathComponent("config.json"))
        let tensors = try SafeTensors.read(contentsOf: directory.appendingPathComponent("model.safetensors"))
        return try BertWeights(config: config, tensors: tensors)
    }

    /// The name and shape of every required tensor, in checkpoint order (embeddings, then layers).
    public static func expectedShapes(for c: BertConfig) -> [(name: String, shape: [Int])] {
        let (h, f) = (c.hiddenSize, c.intermediateSize)
        var out: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [c.vocabSize, h]),
            ("embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, h]),
            ("embeddings.token_type_embeddings.weight", [c.typeVocabSize, h]),
            ("embeddings.LayerNorm.weight", [h]), ("embeddings.LayerNorm.bias", [h]),
        ]
        for l in 0..<c.numHiddenLayers {
            let p = "encoder.layer.\(l)."
            for linear in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                out += [(p + linear + ".weight", [h, h]), (p + linear + ".bias", [h])]
            }
            out += [(p + "attention.output.LayerNorm.weight", [h]), (p + "attention.output.LayerNorm.bias", [h]),
                    (p + "intermediate.dense.weight", [f, h]), (p + "intermediate.dense.bias", [f]),
                    (p + "output.dense.weight", [h, f]), (p + "output.dense.bias", [h]),
                    (p + "output.LayerNorm.weight", [h]), (p + "output.LayerNorm.bias", [h])]
        }
        return out
    }

    public init(config: BertConfig, tensors: SafeTensors) throws {
        let file = tensors.source
        // Task checkpoints (BertForSequenceClassification, …) nest the encoder under "bert.".
        let prefix = tensors.entries["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""

        func fetch(_ name: String, _ shape: [Int]) throws -> BertParameter {
            guard let entry = tensors.entries[prefix + name] else {
                throw BertLoadError(file: file, kind: .missingTensor(name: prefix + name, expectedShape: shape))
            }
            guard entry.dtype == .F32 else {
                throw BertLoadError(file: file, kind: .wrongDType(name: entry.name, expected: .F32, actual: entry.dtype))
            }
            guard entry.shape == shape else {
                throw BertLoadError(file: file, kind: .wrongShape(name: entry.name, expected: shape, actual: entry.shape))
            }
            return BertParameter(shape: shape, values: try tensors.floats(entry.name))
        }

        // Check every required tensor first, in a fixed order, so the first problem reported is stable.
        var loaded: [String: BertParameter] = [:]
        for (name, shape) in Self.expectedShapes(for: config) { loaded[name] = try fetch(name, shape) }
        let h = config.hiddenSize
        let hasPooler = tensors.entries[prefix + "pooler.dense.weight"] != nil || tensors.entries[prefix + "pooler.dense.bias"] != nil
        let pooler = hasPooler ? BertLinear(weight: try fetch("pooler.dense.weight", [h, h]),
                                            bias: try fetch("pooler.dense.bias", [h])) : nil

        let known = Set(Self.expectedShapes(for: config).map { prefix + $0.name }).union(Self.optionalNames.map { prefix + $0 })
        let unknown = tensors.names.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty { throw BertLoadError(file: file, kind: .unknownTensors(names: unknown)) }

        func linear(_ p: String) -> BertLinear { BertLinear(weight: loaded[p + ".weight"]!, bias: loaded[p + ".bias"]!) }
        func norm(_ p: String) -> BertLayerNorm { BertLayerNorm(gamma: loaded[p + ".weight"]!, beta: loaded[p + ".bias"]!) }
        self.config = config
        self.wordEmbeddings = loaded["embeddings.word_embeddings.weight"]!
        self.positionEmbeddings = loaded["embeddings.position_embeddings.weight"]!
        self.tokenTypeEmbeddings = loaded["embeddings.token_type_embeddings.weight"]!
        self.embeddingLayerNorm = norm("embeddings.LayerNorm")
        self.layers = (0..<config.numHiddenLayers).map { l in
            let p = "encoder.layer.\(l)."
            return BertLayerWeights(
                query: linear(p + "attention.self.query"), key: linear(p + "attention.self.key"),
                value: linear(p + "attention.self.value"), attentionOutput: linear(p + "attention.output.dense"),
                attentionLayerNorm: norm(p + "attention.output.LayerNorm"),
                intermediate: linear(p + "intermediate.dense"), output: linear(p + "output.dense"),
                outputLayerNorm: norm(p + "output.LayerNorm"))
        }
        self.pooler = pooler
    }
}
