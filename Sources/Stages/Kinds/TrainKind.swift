import Data
import Foundation
import Formats
import Kernels
import Model

/// `train`: fine-tune (upcycled MiniLM) or train from scratch one model variant on a prepared task.
/// Inputs: `train` (shard), `task` (task.json), and for `backbone: minilm` also `backbone_config`,
/// `backbone_weights`; optional `moe_backbone` (a `pretrain-mlm` backbone: its experts, router, attention and
/// embeddings replace the upcycled copies — the Switch-base stand-in); optional `init_from` (a dense model's
/// weights, upcycled into the experts). Output: `model.safetensors.zst` (weights + config) and `train.json` (loss curve, speed).
/// A resume checkpoint (weights, Adam moments, step, RNG, data position) is written every `checkpoint_every`
/// steps and on Ctrl-C into the stage's checkpoint folder; a re-run continues from it bit-identically.
public struct TrainKind: TypedStageKind {
    public let name = "train"
    /// Version 2: auxiliary losses summed over MoE layers (they were averaged).
    public let version = "2"
    public init() {}

    /// The optimiser and loop part, shared with `train-seq2seq`.
    struct Params: Decodable, Sendable {
        var steps: Int
        var batchSize: Int
        var lr: Float
        var seed: UInt64
        var warmup: Float?
        var weightDecay: Float?
        var clip: Float?
        var checkpointEvery: Int?
        var logEvery: Int?
        /// Validation loss every this many steps (needs input `validation`): the learning curve budgets are
        /// chosen from. 0 or absent: none.
        var evalEvery: Int?

        func check() throws {
            guard steps > 0 else { throw StageParameterError(path: "steps", "must be positive") }
            guard batchSize > 0 else { throw StageParameterError(path: "batch_size", "must be positive") }
            guard lr > 0, lr < 1 else { throw StageParameterError(path: "lr", "must be in (0, 1)") }
        }
    }

    /// All of a `train` stage's parameters: one flat object in the spec, two groups here.
    public struct Config: Decodable, Sendable {
        var optimiser: Params
        var model: ModelParams
        public init(from decoder: Decoder) throws {
            optimiser = try Params(from: decoder)
            model = try ModelParams(from: decoder)
        }

        func check() throws -> MoEConfig? {
            try optimiser.check()
            return try model.moeConfig()
        }
    }

    public func plan(_ config: Config) throws -> [String] {
        _ = try config.check()
        return ["model.safetensors.zst", "train.json"]
    }

    public func run(_ config: Config, _ context: StageContext) throws {
        let (p, m) = (config.optimiser, config.model)
        Blas.setThreads(context.threads)
        let task = try TaskInfo.load(try StageParameters.input(context, "task"))
        guard task.head != .seq2seq else { throw StageFailure("task \(task.task) is sequence-to-sequence: train it with the train-seq2seq kind") }
        let backbone = m.backbone.value == .minilm
            ? (config: try StageParameters.input(context, "backbone_config"),
               weights: try StageParameters.input(context, "backbone_weights"))
            : nil
        let (modelConfig, bert) = try m.build(task: task, backbone: backbone)
        let model = Transformer(config: modelConfig, maxBatch: p.batchSize, maxLength: task.maxLength, seed: p.seed)
        if let bert { try model.load(bert: bert) }
        if let backbone = context.inputs["moe_backbone"] {
            if modelConfig.moe == nil {
                context.log("dense variant: the MoE backbone is not used (the dense MiniLM is the backbone)")
            } else {
                let copied = try MoEBackboneInput.load(backbone) { try model.load(moeBackbone: $0) }
                let routerCopied = copied.contains { $0.hasSuffix(".moe.router") }
                context.log("started from the pre-trained MoE backbone \(backbone.lastPathComponent): \(copied.count) tensors" +
                            (routerCopied ? ", its Switch router included" : "; its Switch router is NOT used (router \(modelConfig.moe!.router.rawValue))"))
            }
        }
        if let dense = context.inputs["init_from"] {   // upcycle our own dense pre-training (paper's GPT-2 recipe)
            try model.upcycle(fromDenseWeights: dense)
            context.log("upcycled from the dense model \(dense.lastPathComponent)")
        }
        try p.train(model, task: task, context: context) { ModelBatch($0) }
    }
}
