import Data
import Foundation
import Kernels
import Model

/// What the resumable loop needs from a trainer, whatever model it optimises.
protocol ResumableTrainer: AnyObject {
    var step: Int { get }
    var lastGradNorm: Float { get }
    var schedule: LearningRateSchedule { get }
    func save(to url: URL, state: [String: [Int64]]) throws
    func load(from url: URL) throws -> [String: [Int64]]
}

extension Trainer: ResumableTrainer {}

/// The training loop shared by `train` and `train-seq2seq`: resumes from the stage's checkpoint (weights,
/// Adam moments, step, RNG and the data position), streams the same batches an uninterrupted run would see,
/// checkpoints every `checkpointEvery` steps and on Ctrl-C, and records the loss curve as `train_loss`.
struct TrainingLoop {
    var steps: Int
    var checkpointEvery: Int?
    var logEvery: Int?

    struct Result {
        /// Task loss of every step, resumed steps included.
        var losses: [Float]
        /// Wall time, real tokens and rows of the steps run by this attempt only (a resumed run times its own).
        var seconds: Double
        var tokens: Int
        var samples: Int

        var tokensPerSecond: Double { Double(tokens) / max(seconds, 1e-9) }
        var samplesPerSecond: Double { Double(samples) / max(seconds, 1e-9) }

        /// `train_tokens_per_second` and `train_samples_per_second` — unless this attempt only resumed a
        /// finished run and timed nothing.
        func recordSpeed(_ context: StageContext) {
            guard samples > 0 else { return }
            context.metric("train_tokens_per_second", tokensPerSecond)
            context.metric("train_samples_per_second", samplesPerSecond)
        }
    }

    func run(trainer: some ResumableTrainer, reader: ShardReader, plan: ShardReader.Plan, context: StageContext,
             step: (Batch) throws -> LossReport) throws -> Result {
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
            throw StageFailure("the train split has fewer examples (\(reader.count)) than one batch (\(plan.batchSize))")
        }
        func checkpoint() throws {
            try trainer.save(to: resume, state: [
                "data_position": [Int64(stream.position.epoch), Int64(stream.position.batch)],
                "losses_bits": losses.map { Int64($0.bitPattern) },
            ])
        }
        let logEvery = logEvery ?? max(1, steps / 20)
        let began = Date()
        var tokens = 0, samples = 0
        while trainer.step < steps {
            if context.isCancelled() { try checkpoint(); throw StageCancelled() }
            guard let batch = stream.next() else { throw StageFailure("the training data stream ended") }
            let report: LossReport
            do { report = try step(batch) } catch let e as NonFiniteLoss {
                throw StageFailure("\(e) — last good state is in \(resume.lastPathComponent) if one was saved")
            }
            losses.append(report.task)
            tokens += batch.tokenCount; samples += batch.rows
            if trainer.step % logEvery == 0 || trainer.step == steps {
                let window = losses.suffix(logEvery)
                let mean = window.reduce(0, +) / Float(window.count)
                context.metric("train_loss", Double(mean), step: trainer.step)
                context.log(String(format: "step %d/%d loss %.4f aux %.4f lr %.2e |g| %.3f", trainer.step, steps,
                                   mean, report.balance + report.zLoss, trainer.schedule.rate(at: trainer.step - 1),
                                   trainer.lastGradNorm))
            }
            if let every = checkpointEvery, trainer.step % every == 0, trainer.step < steps { try checkpoint() }
        }
        return Result(losses: losses, seconds: Date().timeIntervalSince(began), tokens: tokens, samples: samples)
    }
}

/// `train.json` of a training stage: the loss curve, speed, size, expert loads and the model config.
struct TrainingSummary<Config: Encodable>: Encodable {
    var steps: Int
    var losses: [Float]
    var seconds: Double
    var tokensPerSecond: Double
    var samplesPerSecond: Double
    var parameters: Int
    var expertLoads: [[Float]]
    var config: Config
}

/// A model a training stage can summarise in `train.json` (both engines).
protocol SummarizedModel: TrainableModel {
    var parameterCount: Int { get }
    var expertLoads: [[Float]] { get }
}

extension Transformer: SummarizedModel {}
extension Seq2SeqTransformer: SummarizedModel {}

extension TrainKind.Params {
    /// The rest of a training stage once its model is built: AdamW with warm-up and linear decay over `steps`,
    /// the resumable loop over the `train` shard, then `model.safetensors.zst`, `train.json` and the metrics.
    func train<M: SummarizedModel>(_ model: M, task: TaskInfo, context: StageContext,
                                   batch: (Batch) -> M.Batch) throws {
        let trainer = Trainer(model: model,
                              schedule: LearningRateSchedule(peak: lr, totalSteps: steps, warmupFraction: warmup ?? 0.1),
                              adam: AdamW.Hyper(weightDecay: weightDecay ?? 0), clipNorm: clip ?? 1)
        let reader = try ShardReader(files: [try StageParameters.input(context, "train")], vocabHash: task.vocabHash)
        let plan = ShardReader.Plan(batchSize: batchSize, seed: seed, shuffle: true, bucketBatches: 20, dropLast: true)
        let loop = TrainingLoop(steps: steps, checkpointEvery: checkpointEvery, logEvery: logEvery)
        let curve = try ValidationCurve(context: context, every: evalEvery, batchSize: batchSize, vocabHash: task.vocabHash)
        let run = try loop.run(trainer: trainer, reader: reader, plan: plan, context: context) {
            let report = try trainer.train(batch($0))
            curve?.record(after: trainer.step, of: steps, context: context) { trainer.evaluate(batch($0)).task }
            return report
        }
        try model.saveWeights(to: context.output("model.safetensors.zst"))
        let summary = TrainingSummary(steps: steps, losses: run.losses, seconds: run.seconds,
                                      tokensPerSecond: run.tokensPerSecond, samplesPerSecond: run.samplesPerSecond,
                                      parameters: model.parameterCount, expertLoads: model.expertLoads, config: model.config)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(summary).write(to: context.output("train.json"))
        run.recordSpeed(context)
        context.metric("parameters", Double(model.parameterCount))
    }
}

/// A training stage's learning curve on held-out data: the mean task loss over the `validation` shard (at most
/// `limit` rows, in file order) every `every` steps, as the metric `validation_loss` — what default budgets
/// are chosen from (docs/experiments.md). Evaluation runs after the step, so it changes no training state.
struct ValidationCurve {
    let reader: ShardReader
    let every: Int, batchSize: Int
    let limit = 256

    /// `batchSize`: the training batch (the model's buffers are sized for it).
    init?(context: StageContext, every: Int?, batchSize: Int, vocabHash: String) throws {
        guard let every, every > 0, let url = context.inputs["validation"] else { return nil }
        self.every = every; self.batchSize = batchSize
        reader = try ShardReader(files: [url], vocabHash: vocabHash)
    }

    func record(after step: Int, of steps: Int, context: StageContext, loss: (Batch) -> Float) {
        guard step % every == 0 || step == steps else { return }
        let plan = ShardReader.Plan(batchSize: batchSize, seed: 0, shuffle: false, bucketBatches: 1, dropLast: false)
        var total = 0.0, rows = 0
        for indices in reader.batches(epoch: 0, plan: plan) {
            guard rows < limit else { break }
            let b = reader.makeBatch(indices, position: BatchPosition())
            total += Double(loss(b)) * Double(b.rows); rows += b.rows
        }
        if rows > 0 { context.metric("validation_loss", total / Double(rows), step: step) }
    }
}
