import Kernels

/// An encoder–decoder (Switch-Transformer-style) model: both stacks share width, heads, FFN width, vocabulary,
/// norm placement, dropout and the MoE settings of `model`; each stack has its own hypernetwork.
public struct Seq2SeqConfig: Codable, Sendable, Equatable {
    /// Encoder layers = model.layers; model.head is not used (the decoder's LM head is tied to the word table).
    public var model: ModelConfig
    public var decoderLayers: Int
    public var maxTargetPositions: Int
    /// ε of label-smoothed cross-entropy on the target tokens (0 = plain CE).
    public var labelSmoothing: Float

    public init(model: ModelConfig, decoderLayers: Int, maxTargetPositions: Int, labelSmoothing: Float = 0) {
        self.model = model; self.decoderLayers = decoderLayers
        self.maxTargetPositions = maxTargetPositions; self.labelSmoothing = labelSmoothing
    }

    /// The decoder stack's view: causal, its own depth and position table.
    var decoder: ModelConfig {
        var c = model
        c.layers = decoderLayers; c.causal = true; c.maxPositions = maxTargetPositions; c.head = .causalLM
        return c
    }

    var encoder: ModelConfig {
        var c = model
        c.causal = false
        return c
    }
}

/// A teacher-forced batch: sources, decoder inputs (BOS y1 …) and labels (y1 … EOS, −1 = ignore).
public struct Seq2SeqBatch: Sendable {
    public var batch: Int, sourceLength: Int, targetLength: Int
    public var source: [Int32]
    public var sourceMask: [Float]
    public var targetInput: [Int32]
    public var targetMask: [Float]
    public var labels: [Int32]

    public init(batch: Int, sourceLength: Int, targetLength: Int, source: [Int32], sourceMask: [Float],
                targetInput: [Int32], targetMask: [Float], labels: [Int32]) {
        precondition(source.count == batch * sourceLength && sourceMask.count == source.count,
                     "source and its mask must be batch × sourceLength")
        precondition(targetInput.count == batch * targetLength && targetMask.count == targetInput.count
                     && labels.count == targetInput.count, "target input, mask and labels must be batch × targetLength")
        self.batch = batch; self.sourceLength = sourceLength; self.targetLength = targetLength
        self.source = source; self.sourceMask = sourceMask
        self.targetInput = targetInput; self.targetMask = targetMask; self.labels = labels
    }
}
