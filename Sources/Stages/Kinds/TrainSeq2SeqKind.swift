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
public struct TrainSeq2SeqKind: StageKind {
    public let name = "train-seq2seq"
    public let version = "1"
    public init() {}

    struct Params: Decodable {
        var labelSmoothing: Float?
        var decoderLayers: Int?
        /// Decoder positions; generation cannot run longer than this. Default: the task's target length.
        var maxTargetPositions: Int?
        /// `fresh` (BERT2BERT's random cross-attention, the default) or `self-attention` (a copy of each
        /// layer's self-attention); `backbone: minilm` only.
        var crossInit: String?
    }

    public func validate(parameters: JSONValue) throws {
        try TrainKind().validate(parameters: parameters)   // the shared optimiser and model parameters
        let p = try StageParameters.decode(Params.self, from: parameters)
        if let s = p.labelSmoothing, !(0..<1).contains(s) { throw StageParameterError(path: "label_smoothing", "must be in [0, 1)") }
        if let d = p.decoderLayers, d < 1 { throw StageParameterError(path: "decoder_layers", "must be positive") }
        if let t = p.maxTargetPositions, t < 4 { throw StageParameterError(path: "max_target_positions", "must be at least 4") }
        _ = try Self.crossInit(p)
    }

    static func crossInit(_ p: Params) throws -> CrossAttentionInit {
        guard let name = p.crossInit else { return .fresh }
        guard let value = CrossAttentionInit(rawValue: name) else {
            let names = CrossAttentionInit.allCases.map(\.rawValue).joined(separator: ", ")
            throw StageParameterError(path: "cross_init", "is \"\(name)\"; expected one of \(names)")
        }
        return value
    }

    public func outputs(parameters: JSONValue) throws -> [String] { ["model.safetensors.zst", "train.json"] }

    public func run(_ context: StageContext) throws {
        let t = try StageParameters.decode(TrainKind.Params.self, from: context.parameters)
        let m = try StageParameters.decode(ModelParams.self, from: context.parameters)
        let p = try StageParameters.decode(Params.self, from: context.parameters)
        Blas.setThreads(context.threads)
        let task = try TaskInfo.load(try StageParameters.input(context, "task"))
        guard task.head == .seq2seq, let maxTarget = task.maxTargetLength else {
            throw StageFailure("task \(task.task) is not sequence-to-sequence: train it with the train kind")
        }
        let backbone = m.backbone == "minilm"
            ? (config: try StageParameters.input(context, "backbone_config"),
               weights: try StageParameters.input(context, "backbone_weights"))
            : nil
        let (encoder, bert) = try m.build(task: task, backbone: backbone)
        let config = Seq2SeqConfig(model: encoder, decoderLayers: p.decoderLayers ?? encoder.layers,
                                   maxTargetPositions: max(p.maxTargetPositions ?? maxTarget, maxTarget),
                                   labelSmoothing: p.labelSmoothing ?? 0.1)
        let model = Seq2SeqTransformer(config: config, maxBatch: t.batchSize, maxSourceLength: task.maxLength,
                                       maxTargetLength: maxTarget, seed: t.seed)
        if let bert { try model.load(bert: bert, cross: try Self.crossInit(p)) }
        try t.train(model, task: task, context: context) { Seq2SeqBatch($0) }
    }
}
