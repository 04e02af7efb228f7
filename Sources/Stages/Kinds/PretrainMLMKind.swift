import Data
import Foundation
import Formats
import Kernels
import Model

/// `pretrain-mlm`: the Switch-base stand-in. Sparse-upcycles the pinned MiniLM into N experts per MoE block
/// (every other block; `upcycling` picks copies, noisy copies or Drop-Upcycling) and continues BERT's masked-LM
/// training with the Switch router (gate = router probability, jitter, balance and z-losses summed over layers)
/// on the pinned prose minus every document a task evaluates on (`PretrainCorpus`). `experts: 0` trains the
/// dense MiniLM under the same MLM-head budget: the comparison point of the diagnostics.
/// Inputs: `vocab`, `wiki`, `news`, and for `backbone: minilm` `backbone_config`, `backbone_weights`.
/// Outputs: `model.safetensors.zst` (the backbone every fine-tune starts from) and `backbone.json` (diagnostics,
/// also recorded as metrics: held-out MLM loss/accuracy, expert similarity, load, entropy, routing consistency).
public struct PretrainMLMKind: TypedStageKind {
    public let name = "pretrain-mlm"
    /// Version 2: the MLM head learns at `head_lr_scale` × lr.
    public let version = "2"
    public init() {}

    public struct Config: Decodable, Sendable {
        var backbone: Choice<Backbone>
        /// 0 = the dense model (no MoE blocks).
        var experts: Int
        var every: Int?
        var upcycling: Choice<UpcyclingVariant>?
        /// Drop-Upcycling's re-initialised fraction r (default 0.5), or the noise's scale relative to each
        /// matrix's standard deviation (default 0.05).
        var upcyclingScale: Float?
        /// 0 = no training: the upcycled model as is (and its diagnostics).
        var steps: Int
        var batchSize: Int
        var lr: Float
        /// The fresh MLM head (`mlm.*`) learns at this multiple of `lr` (default 10): at the body's rate it was
        /// still at the unigram level (held-out loss 6.9) after 120 steps, sending the body noise.
        var headLrScale: Float?
        var warmup: Float?
        var weightDecay: Float?
        var seed: UInt64
        /// The data seeds whose task splits are excluded from the pre-training text (default [0]).
        var dataSeeds: [UInt64]?
        var maxLength: Int
        var maskRate: Double?
        /// Held-out MLM loss is recorded every this many steps (the backbone's learning curve).
        var evalEvery: Int?
        var heldOutShare: Double?
        var dropout: Float?
        var balanceCoef: Float?
        var zLossCoef: Float?
        var checkpointEvery: Int?
        /// `backbone: scratch` only: the small model's shape (default width 128, 4 layers, 4 heads, f = 4·width —
        /// `train`'s scratch defaults). One object, so a pipeline can pass it only for scratch
        /// (`${table[backbone]}`) and keep the MiniLM backbone's key the same in every pipeline.
        var scratchShape: ScratchShape?

        struct ScratchShape: Decodable, Sendable {
            var width: Int?
            var layers: Int?
            var heads: Int?
            var ffnWidth: Int?
        }

        var upcyclingVariant: UpcyclingVariant { upcycling?.value ?? .drop }
        var scale: Float { upcyclingScale ?? (upcyclingVariant == .noise ? 0.05 : 0.5) }
    }

    public func plan(_ p: Config) throws -> [String] {
        guard p.experts == 0 || (2...64).contains(p.experts) else { throw StageParameterError(path: "experts", "must be 0 (dense) or 2…64") }
        guard p.steps >= 0 else { throw StageParameterError(path: "steps", "must be 0 or more") }
        guard p.batchSize > 0 else { throw StageParameterError(path: "batch_size", "must be positive") }
        guard p.lr > 0, p.lr < 1 else { throw StageParameterError(path: "lr", "must be in (0, 1)") }
        if let h = p.headLrScale, !(h > 0 && h <= 100) { throw StageParameterError(path: "head_lr_scale", "must be in (0, 100]") }
        guard p.maxLength >= 8 else { throw StageParameterError(path: "max_length", "must be at least 8") }
        if let r = p.maskRate, !(r > 0 && r < 1) { throw StageParameterError(path: "mask_rate", "must be in (0, 1)") }
        if let s = p.heldOutShare, !(s > 0 && s < 0.5) { throw StageParameterError(path: "held_out_share", "must be in (0, 0.5)") }
        if p.upcyclingVariant == .drop, !(p.scale >= 0 && p.scale <= 1) {
            throw StageParameterError(path: "upcycling_scale", "Drop-Upcycling's ratio must be in [0, 1]")
        }
        if let e = p.every, e < 1 { throw StageParameterError(path: "every", "must be positive") }
        return ["model.safetensors.zst", "backbone.json"]
    }

    public func run(_ p: Config, _ context: StageContext) throws {
        Blas.setThreads(context.threads)
        let tokenizer = try BertTokenizer(vocabularyFile: try StageParameters.input(context, "vocab"))
        let seeds = p.dataSeeds ?? [0]
        // The held-out slice depends on the data seed only: the dense and every MoE backbone score the same text.
        let docs = try PretrainCorpus.documents(inputs: context.inputs, dataSeeds: seeds,
                                                heldOutShare: p.heldOutShare ?? 0.05, seed: seeds.first ?? 0)
        let train = MaskedLM.blocks(docs.train.map(\.text), tokenizer: tokenizer, length: p.maxLength)
        let heldOut = MaskedLM.blocks(docs.heldOut.map(\.text), tokenizer: tokenizer, length: p.maxLength)
        guard train.count >= p.batchSize, !heldOut.isEmpty else {
            throw StageFailure("the pre-training text is too small: \(train.count) blocks to train, \(heldOut.count) held out")
        }
        context.log("pre-training text: \(docs.train.count) documents (\(train.count) blocks), \(docs.heldOut.count) held out for diagnostics; \(docs.excluded) documents excluded because a task validates or tests on them")
        context.metric("experts", Double(p.experts))
        context.metric("pretrain_steps", Double(p.steps))
        context.metric("pretrain_documents", Double(docs.train.count))
        context.metric("pretrain_tokens", Double(train.reduce(0) { $0 + $1.count }))
        context.metric("excluded_documents", Double(docs.excluded))
        context.metric("heldout_documents", Double(docs.heldOut.count))

        let (config, bert) = try modelConfig(p, vocabSize: tokenizer.vocabulary.count, context: context)
        let model = Transformer(config: config, maxBatch: p.batchSize, maxLength: p.maxLength, seed: p.seed)
        if let bert { try model.load(bert: bert) }
        model.diversifyExperts(p.upcyclingVariant, scale: p.scale, seed: p.seed)
        let initial = model.expertSimilarity
        let masking = try MaskedLM.Masking(rate: p.maskRate ?? 0.15, tokenizer: tokenizer)
        let diagnostics = BackboneDiagnostics(blocks: heldOut, masking: masking, batchSize: p.batchSize, seed: seeds.first ?? 0)

        if p.steps > 0 {
            let shard = context.checkpointDirectory.appendingPathComponent("corpus.shard")
            try ShardFile.write(train.map { TokenizedExample(ids: $0, label: .none) }, kind: .none,
                                vocabHash: tokenizer.vocabulary.hash, to: shard)
            let trainer = Trainer(model: model, schedule: LearningRateSchedule(peak: p.lr, totalSteps: p.steps,
                                                                              warmupFraction: p.warmup ?? 0.1),
                                  adam: AdamW.Hyper(weightDecay: p.weightDecay ?? 0.01), clipNorm: 1)
            let headScale = p.headLrScale ?? 10
            trainer.lrScale = { $0.name.hasPrefix("mlm.") ? headScale : 1 }
            let reader = try ShardReader(files: [shard], vocabHash: tokenizer.vocabulary.hash)
            let plan = ShardReader.Plan(batchSize: p.batchSize, seed: p.seed, shuffle: true, bucketBatches: 1, dropLast: true)
            let loop = TrainingLoop(steps: p.steps, checkpointEvery: p.checkpointEvery, logEvery: nil)
            let run = try loop.run(trainer: trainer, reader: reader, plan: plan, context: context) { b in
                let step = trainer.step
                var batch = ModelBatch(b)
                var rng = SeededRandom(seed: p.seed, UInt64(step), 0x6d6c_6d)   // dynamic masking, fixed per step
                batch.labels = .maskedTokens(masking.apply(&batch.ids, mask: batch.mask, rng: &rng))
                let report = try trainer.train(batch)
                if let every = p.evalEvery, (step + 1) % every == 0, step + 1 < p.steps {
                    let m = diagnostics.maskedLM(model)
                    context.metric("heldout_mlm_loss", m.loss, step: step + 1)
                    context.metric("heldout_mlm_accuracy", m.accuracy, step: step + 1)
                }
                return report
            }
            run.recordSpeed(context)
        }
        let summary = diagnostics.summary(model, initialSimilarity: initial, documents: docs, steps: p.steps,
                                          upcycling: p.experts == 0 ? nil : p.upcyclingVariant.rawValue, scale: p.scale)
        summary.record(context, steps: p.steps)
        try model.saveWeights(to: context.output("model.safetensors.zst"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(summary).write(to: context.output("backbone.json"))
        context.log(summary.line)
    }

    /// The engine config (masked-LM head, Switch router) and, for MiniLM, the weights to load.
    func modelConfig(_ p: Config, vocabSize: Int, context: StageContext) throws -> (ModelConfig, BertWeights?) {
        var moe: MoEConfig? = nil
        if p.experts > 0 {
            var m = MoEConfig()
            m.variant = .moe; m.router = .switchTop1; m.experts = p.experts; m.every = p.every ?? 2
            if let b = p.balanceCoef { m.balanceCoef = b }
            if let z = p.zLossCoef { m.zLossCoef = z }
            moe = m
        }
        var c: ModelConfig
        var bert: BertWeights? = nil
        switch p.backbone.value {
        case .minilm:
            let w = try BertWeights(config: try BertConfig.load(contentsOf: try StageParameters.input(context, "backbone_config")),
                                    tensors: try SafeTensors.read(contentsOf: try StageParameters.input(context, "backbone_weights")))
            guard w.config.vocabSize == vocabSize else {
                throw StageFailure("the backbone's vocabulary (\(w.config.vocabSize)) differs from vocab.txt's (\(vocabSize))")
            }
            c = try ModelConfig(bert: w.config, maxPositions: p.maxLength, moe: moe, head: .maskedLM)
            bert = w
        case .scratch:
            c = ModelConfig()
            c.vocabSize = vocabSize; c.maxPositions = p.maxLength
            let shape = p.scratchShape
            c.width = shape?.width ?? 128; c.layers = shape?.layers ?? 4; c.heads = shape?.heads ?? 4
            c.ffnWidth = shape?.ffnWidth ?? 4 * c.width
            c.moe = moe; c.head = .maskedLM
        }
        if let d = p.dropout { c.dropout = d }
        return (c, bert)
    }
}

/// A fine-tune's `moe_backbone` input, loaded with an error that says how to fix a shape mismatch.
enum MoEBackboneInput {
    static func load(_ url: URL, _ body: (URL) throws -> [String]) throws -> [String] {
        do { return try body(url) } catch let e as CheckpointError {
            throw StageFailure("\(e) — the MoE backbone (input moe_backbone) must have this model's shape: the same "
                               + "experts and `every`, and with backbone scratch the same width/layers/heads "
                               + "(summarize-minilm.json: set sum_scratch_shape to {\"scratch\": {\"width\", \"layers\", \"heads\"}} as sum_width/sum_layers/sum_heads)")
        }
    }
}
