import Data
import Foundation
import Formats
import Kernels
import Model

/// `train`: fine-tune (upcycled MiniLM) or train from scratch one model variant on a prepared task.
/// Inputs: `train` (shard), `task` (task.json), and for `backbone: minilm` also `backbone_config`,
/// `backbone_weights`; optional `init_from` (a dense model's weights, upcycled into the experts). Output: `model.safetensors.zst` (weights + config) and `train.json` (loss curve, speed).
/// A resume checkpoint (weights, Adam moments, step, RNG, data position) is written every `checkpoint_every`
/// steps and on Ctrl-C into the stage's checkpoint folder; a re-run continues from it bit-identically.
public struct TrainKind: StageKind {
    public let name = "train"
    public let version = "1"
    public init() {}

    struct Params: Decodable {
        var steps: Int
        var batchSize: Int
        var lr: Float
        var seed: UInt64
        var warmup: Float?
        var weightDecay: Float?
        var clip: Float?
        var checkpointEvery: Int?
        var logEvery: Int?
    }

    public func validate(parameters: JSONValue) throws {
        let p = try StageParameters.decode(Params.self, from: parameters)
        let m = try StageParameters.decode(ModelParams.self, from: parameters)
        _ = try m.moeConfig()
        guard ["minilm", "scratch"].contains(m.backbone) else {
            throw StageParameterError(path: "backbone", "minilm or scratch")
        }
        guard p.steps > 0 else { throw StageParameterError(path: "steps", "must be positive") }
        guard p.batchSize > 0 else { throw StageParameterError(path: "batch_size", "must be positive") }
        guard p.lr > 0, p.lr < 1 else { throw StageParameterError(path: "lr", "must be in (0, 1)") }
    }

    public func outputs(parameters: JSONValue) throws -> [String] { ["model.safetensors.zst", "train.json"] }

    struct Summary: Encodable {
        var steps: Int
        var losses: [Float]
        var seconds: Double
        var tokensPerSecond: Double
        var samplesPerSecond: Double
        var parameters: Int
        var expertLoads: [[Float]]
        var config: ModelConfig
    }

    public func run(_ context: StageContext) throws {
        let p = try StageParameters.decode(Params.self, from: context.parameters)
        let m = try StageParameters.decode(ModelParams.self, from: context.parameters)
        Blas.setThreads(context.threads)
        let task = try TaskInfo.load(try StageParameters.input(context, "task"))
        let backbone = m.backbone == "minilm"
            ? (config: try StageParameters.input(context, "backbone_config"),
               weights: try StageParameters.input(context, "backbone_weights"))
            : nil
        let (config, bert) = try m.build(task: task, backbone: backbone)
        let model = Transformer(config: config, maxBatch: p.batchSize, maxLength: task.maxLength, seed: p.seed)
        if let bert { try model.load(bert: bert) }
        if let dense = context.inputs["init_from"] {   // upcycle our own dense pre-training (paper's GPT-2 recipe)
            try model.upcycle(fromDenseWeights: dense)
            context.log("upcycled from the dense model \(dense.lastPathComponent)")
        }
        let trainer = Trainer(model: model,
                              schedule: LearningRateSchedule(peak: p.lr, totalSteps: p.steps, warmupFraction: p.warmup ?? 0.1),
                              adam: AdamW.Hyper(weightDecay: p.weightDecay ?? 0), clipNorm: p.clip ?? 1)
        let reader = try ShardReader(files: [try StageParameters.input(context, "train")], vocabHash: task.vocabHash)
        let plan = ShardReader.Plan(batchSize: p.batchSize, seed: p.seed, shuffle: true, bucketBatches: 20, dropLast: true)

        let resume = context.checkpointDirectory.appendingPathComponent("resume.safetensors.zst")
        var start = BatchPosition()
        var losses: [Float] = []
        if FileManager.default.fileExists(atPath: resume.path) {
            let state = try trainer.load(from: resume)
            if let pos = state["data_position"], pos.count == 2 { start = BatchPosition(epoch: Int(pos[0]), batch: Int(pos[1])) }
            losses = (state["losses_bits"] ?? []).map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
            context.log("resumed at step \(trainer.step) (epoch \(start.epoch), batch \(start.batch))")
        }
        var stream = BatchStream(reader: reader, plan: plan, start: start)
        guard stream.batchesPerEpoch > 0 else {
            throw StageFailure("the train split has fewer examples (\(reader.count)) than one batch (\(p.batchSize))")
        }
        func checkpoint() throws {
            try trainer.save(to: resume, state: [
                "data_position": [Int64(stream.position.epoch), Int64(stream.position.batch)],
                "losses_bits": losses.map { Int64($0.bitPattern) },
            ])
        }
        let logEvery = p.logEvery ?? max(1, p.steps / 20)
        let began = Date()
        var tokens = 0, samples = 0
        while trainer.step < p.steps {
            if context.isCancelled() { try checkpoint(); throw StageCancelled() }
            guard let batch = stream.next() else { throw StageFailure("the training data stream ended") }
            let report: LossReport
            do { report = try trainer.train(ModelBatch(batch)) } catch let e as NonFiniteLoss {
                throw StageFailure("\(e) — last good state is in \(resume.lastPathComponent) if one was saved")
            }
            losses.append(report.task)
            tokens += batch.tokenCount; samples += batch.rows
            if trainer.step % logEvery == 0 || trainer.step == p.steps {
                let window = losses.suffix(logEvery)
                let mean = window.reduce(0, +) / Float(window.count)
                context.metric("train_loss", Double(mean), step: trainer.step)
                context.log(String(format: "step %d/%d loss %.4f aux %.4f lr %.2e |g| %.3f", trainer.step, p.steps,
                                   mean, report.balance + report.zLoss, trainer.schedule.rate(at: trainer.step - 1),
                                   trainer.lastGradNorm))
            }
            if let every = p.checkpointEvery, trainer.step % every == 0, trainer.step < p.steps { try checkpoint() }
        }
        let seconds = Date().timeIntervalSince(began)
        try model.saveWeights(to: context.output("model.safetensors.zst"))
        let summary = Summary(steps: p.steps, losses: losses, seconds: seconds,
                              tokensPerSecond: Double(tokens) / max(seconds, 1e-9),
                              samplesPerSecond: Double(samples) / max(seconds, 1e-9),
                              parameters: model.parameterCount, expertLoads: model.expertLoads, config: config)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(summary).write(to: context.output("train.json"))
        if samples > 0 {   // a resumed run only times its own steps
            context.metric("train_tokens_per_second", summary.tokensPerSecond)
            context.metric("train_samples_per_second", summary.samplesPerSecond)
        }
        context.metric("parameters", Double(model.parameterCount))
    }
}
