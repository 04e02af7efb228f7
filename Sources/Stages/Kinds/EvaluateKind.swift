import Data
import Foundation
import Formats
import Kernels
import Model

/// `evaluate`: the trained model on one split (`data` shard), scored with the task's metrics as the paper's
/// tables report them (×100): accuracy/F1/Matthews, Pearson/Spearman, SQuAD EM/F1 on answer text; tasks scored
/// per question (COPA, MultiRC, ReCoRD) by `QuestionScoring` from the candidate rows `task.json` lists for `split`.
/// Inputs: `model`, `data`, `task`; span tasks also `answers` (gold texts) and `vocab`.
/// Outputs `metrics.json` and `predictions.jsonl` (one line per example — per question for tasks scored per
/// question — for reading what the model did and for the report's bootstrap).
public struct EvaluateKind: TypedStageKind {
    public let name = "evaluate"
    public let version = "1"
    public init() {}

    public struct Config: Decodable, Sendable {
        var batchSize: Int?
        var split: String?
    }

    public func plan(_ p: Config) throws -> [String] {
        if let b = p.batchSize, b < 1 { throw StageParameterError(path: "batch_size", "must be positive") }
        return ["metrics.json", "predictions.jsonl"]
    }

    public func run(_ p: Config, _ context: StageContext) throws {
        Blas.setThreads(context.threads)
        let task = try TaskInfo.load(try StageParameters.input(context, "task"))
        guard task.head != .seq2seq else { throw StageFailure("task \(task.task) is sequence-to-sequence: evaluate it with the evaluate-seq2seq kind") }
        let weights = try StageParameters.input(context, "model")
        let config = try Transformer.config(ofFile: weights)
        let batchSize = p.batchSize ?? 32
        let model = Transformer(config: config, maxBatch: batchSize, maxLength: task.maxLength, seed: 0)
        try model.loadWeights(from: weights)
        let reader = try ShardReader(files: [try StageParameters.input(context, "data")], vocabHash: task.vocabHash)
        let plan = ShardReader.Plan(batchSize: batchSize, seed: 0, shuffle: false, bucketBatches: 1, dropLast: false)

        var classPredictions: [Int] = [], classLabels: [Int] = []
        var rowOrder: [Int] = [], positive: [Float] = []   // shard row and positive-class logit of each prediction
        var values: [Double] = [], targets: [Double] = []
        var spans: [(Int, [Int32])] = []   // (example index, predicted answer ids)
        var lossSum = 0.0, tokens = 0, lmTokens = 0
        var blocks: [(nll: Double, tokens: Int)] = []   // LM: per test block, for resampling in the report
        // Tokens each expert of each MoE layer received over the split: the routing the paper's method conditions on.
        var routed = model.expertLoads.map { [Double](repeating: 0, count: $0.count) }
        let began = Date()
        for indices in reader.batches(epoch: 0, plan: plan) {
            if context.isCancelled() { throw StageCancelled() }
            let batch = reader.makeBatch(indices, position: BatchPosition())
            let input = ModelBatch(batch)
            let report = model.forward(input, training: false)
            if task.head == .lm {   // mean CE over predicted tokens: weight each batch by its target count
                guard case .nextTokens(let y) = input.labels else { continue }
                let n = y.filter { $0 >= 0 }.count
                lossSum += Double(report.task) * Double(n)
                lmTokens += n
                let logits = model.lastLogits
                blocks += Perplexity.blockNLL(logits: logits, targets: y, vocab: logits.count / max(y.count, 1),
                                              blockLength: y.count / max(batch.rows, 1))
            } else {
                lossSum += Double(report.task) * Double(batch.rows)
            }
            tokens += batch.tokenCount
            for (l, load) in model.expertLoads.enumerated() {
                for (e, fraction) in load.enumerated() { routed[l][e] += Double(fraction) * Double(batch.tokenCount) }
            }
            if task.head == .lm { continue }   // perplexity needs only the loss
            let out = model.lastLogits
            switch task.head {
            case .lm, .seq2seq: break
            case .classification:
                for r in 0..<batch.rows {
                    let row = out[(r * task.classes)..<((r + 1) * task.classes)]
                    classPredictions.append(row.indices.max { row[$0] < row[$1] }! - r * task.classes)
                    classLabels.append(Int(batch.classLabels[r]))
                    rowOrder.append(indices[r])
                    positive.append(task.classes > 1 ? row[r * task.classes + 1] : row[r * task.classes])
                }
            case .regression:
                values += out.prefix(batch.rows).map(Double.init)
                targets += batch.values.map(Double.init)
            case .span:
                let T = batch.rows * batch.seqLen, L = batch.seqLen
                for r in 0..<batch.rows {
                    let lo = r * L, hi = lo + L
                    let (s, e) = SpanDecoding.best(startProbs: out[lo..<hi], endProbs: out[(T + lo)..<(T + hi)],
                                                   typeIDs: batch.typeIDs[lo..<hi], mask: batch.attentionMask[lo..<hi])
                    spans.append((indices[r], Array(batch.ids[(lo + s)...(lo + e)])))
                }
            }
        }
        let seconds = Date().timeIntervalSince(began)
        let meanLoss = lossSum / Double(max(task.head == .lm ? lmTokens : reader.count, 1))
        var metrics: [String: Double] = ["eval_loss": meanLoss,
                                         "eval_samples_per_second": Double(reader.count) / max(seconds, 1e-9),
                                         "eval_tokens_per_second": Double(tokens) / max(seconds, 1e-9),
                                         "examples": Double(reader.count)]
        var lines: [String] = []
        switch task.head {
        case .seq2seq: break
        case .lm:
            // Pure cross-entropy perplexity: the auxiliary balance loss is not part of it (spec decision 23).
            metrics["perplexity"] = Perplexity.fromMeanLoss(meanLoss)
            metrics["eval_tokens"] = Double(lmTokens)
            lines = blocks.filter { $0.tokens > 0 }.map { #"{"nll":\#($0.nll),"tokens":\#($0.tokens)}"# }
        case .classification where (task.scoring ?? .rows) != .rows:
            let split = p.split ?? "test"
            guard let rows = task.questions?[split] else {
                throw StageFailure("task \(task.task) is scored per question but task.json lists no questions for split '\(split)'")
            }
            // Back in shard-row order, whatever order the batches came in.
            var byRow = [(Float, Int, Int)](repeating: (0, 0, 0), count: reader.count)
            for (k, r) in rowOrder.enumerated() { byRow[r] = (positive[k], classPredictions[k], classLabels[k]) }
            let scored = try QuestionScoring.score(task.scoring!, rows: rows, positive: byRow.map(\.0), predicted: byRow.map(\.1),
                                                   labels: byRow.map(\.2))
            metrics.merge(scored.metrics) { _, new in new }
            lines = scored.lines
        case .classification:
            metrics["accuracy"] = 100 * ClassificationMetrics.accuracy(predictions: classPredictions, labels: classLabels)
            if task.metrics.contains("macro_f1") {
                metrics["macro_f1"] = 100 * ClassificationMetrics.macroF1(predictions: classPredictions, labels: classLabels)
            }
            metrics["matthews"] = 100 * ClassificationMetrics.matthews(predictions: classPredictions, labels: classLabels)
            if task.classes == 2 { metrics["f1"] = 100 * ClassificationMetrics.f1(predictions: classPredictions, labels: classLabels) }
            lines = zip(classPredictions, classLabels).map { "{\"prediction\":\($0),\"label\":\($1)}" }
        case .regression:
            metrics["pearson"] = 100 * Correlation.pearson(values, targets)
            metrics["spearman"] = 100 * Correlation.spearman(values, targets)
            lines = zip(values, targets).map { "{\"prediction\":\($0),\"label\":\($1)}" }
        case .span:
            let vocabulary = try Vocabulary(contentsOf: try StageParameters.input(context, "vocab"))
            let gold = try JSONDecoder().decode([[String]].self, from: Data(contentsOf: try StageParameters.input(context, "answers")))
            guard gold.count == reader.count else {
                throw StageFailure("answers file has \(gold.count) rows, the shard \(reader.count)")
            }
            spans.sort { $0.0 < $1.0 }
            let texts = spans.map { SpanDecoding.text(ids: $0.1[...], vocabulary: vocabulary) }
            let score = SQuADMetric.score(predictions: texts, goldAnswers: spans.map { gold[$0.0] })
            metrics["em"] = score.exactMatch
            metrics["f1"] = score.f1
            let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
            lines = zip(texts, spans).map { text, span in
                String(decoding: try! enc.encode(["prediction": [text], "gold": gold[span.0]]), as: UTF8.self)
            }
        }
        metrics.merge(RoutingMetrics.metrics(tokensPerExpert: routed)) { a, _ in a }
        // A correlation is undefined when predictions or labels are constant (a short fine-tune that predicts the
        // mean, a tiny test split): scipy gives NaN. Such a metric is left out, and said, not failed on or faked.
        let undefined = metrics.filter { !$0.value.isFinite }.keys.sorted()
        if !undefined.isEmpty {
            context.log("\(undefined.joined(separator: ", ")) undefined on \(reader.count) examples (constant predictions or labels): not recorded")
            for k in undefined { metrics[k] = nil }
        }
        for (k, v) in metrics { context.metric(k, v) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(metrics).write(to: context.output("metrics.json"))
        try (lines.joined(separator: "\n") + "\n").write(to: context.output("predictions.jsonl"), atomically: true, encoding: .utf8)
    }
}
