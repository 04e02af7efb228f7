import Data
import Foundation
import Formats
import Kernels
import Model

/// `train-seq2seq`: an encoder–decoder (MoE variants in both stacks) trained on a prepared
/// sequence-to-sequence task with teacher forcing and label smoothing. `backbone: minilm` warm-starts
/// encoder and decoder from the pinned MiniLM (BERT2BERT; cross-attention per `cross_init`, FFNs upcycled into the
/// experts); `scratch` builds both stacks from `width`/`layers`/`heads` and `decoder_layers`.
/// Inputs: `train` (pair shard), `task`, and for `minilm` `backbone_config`, `backbone_weights`.
/// Outputs `model.safetensors.zst` (weights + config) and `train.json`; resumable exactly as `train`.
public struct TrainSeq2SeqKind: TypedStageKind {
    public let name = "train-seq2seq"
    public let version = "2"
    public init() {}

    struct Params: Decodable, Sendable {
        var labelSmoothing: Float?
        var decoderLayers: Int?
        /// Decoder positions; generation cannot run longer than this. Default: the task's target length.
        var maxTargetPositions: Int?
        /// `fresh` (BERT2BERT's random cross-attention, the default) or `self-attention` (a copy of each
        /// layer's self-attention); `backbone: minilm` only.
        var crossInit: Choice<CrossAttentionInit>?
    }

    /// `train`'s parameters (optimiser, model) plus the encoder–decoder's own, from one flat object.
    public struct Config: Decodable, Sendable {
        var train: TrainKind.Config
        var seq2seq: Params
        public init(from decoder: Decoder) throws {
            train = try TrainKind.Config(from: decoder)
            seq2seq = try Params(from: decoder)
        }
    }

    public func plan(_ config: Config) throws -> [String] {
        _ = try config.train.check()
        let p = config.seq2seq
        if let s = p.labelSmoothing, !(0..<1).contains(s) { throw StageParameterError(path: "label_smoothing", "must be in [0, 1)") }
        if let d = p.decoderLayers, d < 1 { throw StageParameterError(path: "decoder_layers", "must be positive") }
        if let t = p.maxTargetPositions, t < 4 { throw StageParameterError(path: "max_target_positions", "must be at least 4") }
        return ["model.safetensors.zst", "train.json"]
    }

    public func run(_ config: Config, _ context: StageContext) throws {
        let (t, m, p) = (config.train.optimiser, config.train.model, config.seq2seq)
        Blas.setThreads(context.threads)
        let task = try TaskInfo.load(try StageParameters.input(context, "task"))
        guard task.head == .seq2seq, let maxTarget = task.maxTargetLength else {
            throw StageFailure("task \(task.task) is not sequence-to-sequence: train it with the train kind")
        }
        let backbone = m.backbone.value == .minilm
            ? (config: try StageParameters.input(context, "backbone_config"),
               weights: try StageParameters.input(context, "backbone_weights"))
            : nil
        let (encoder, bert) = try m.build(task: task, backbone: backbone)
        let seqConfig = Seq2SeqConfig(model: encoder, decoderLayers: p.decoderLayers ?? encoder.layers,
                                      maxTargetPositions: max(p.maxTargetPositions ?? maxTarget, maxTarget),
                                      labelSmoothing: p.labelSmoothing ?? 0.1)
        let model = Seq2SeqTransformer(config: seqConfig, maxBatch: t.batchSize, maxSourceLength: task.maxLength,
                                       maxTargetLength: maxTarget, seed: t.seed)
        if let bert { try model.load(bert: bert, cross: p.crossInit?.value ?? .fresh) }
        if let backbone = context.inputs["moe_backbone"], encoder.moe != nil {
            let copied = try MoEBackboneInput.load(backbone) { try model.load(moeBackbone: $0) }
            context.log("started both stacks from the pre-trained MoE backbone \(backbone.lastPathComponent): \(copied.count) tensors"
                        + (copied.contains { $0.hasSuffix(".moe.router") } ? ", its Switch router included" : "; its Switch router is NOT used"))
        }
        try t.train(model, task: task, context: context) { Seq2SeqBatch($0) }
    }
}
