import Data
import Foundation
import Formats
import Kernels
import Model

/// `evaluate-seq2seq`: generates a summary for every document of a split (beam search with the paper's
/// decoding rules: `beam` 6, `max_length` 60, `min_length` 10, `no_repeat_ngram` 3 by default), turns the
/// WordPiece ids back into text and scores them against the reference summaries with ROUGE-1/2/L F ×100
/// (rouge-score with stemming). Inputs: `model`, `data` (pair shard), `task`, `references`
/// (`<split>.references.json`), `vocab`. Outputs `metrics.json` and `summaries.jsonl` (id, reference, generated).
public struct EvaluateSeq2SeqKind: TypedStageKind {
    public let name = "evaluate-seq2seq"
    public let version = "2"   // 2: routing metrics of the encoder
    public init() {}

    public struct Config: Decodable, Sendable {
        var batchSize: Int?
        var split: String?
        var beam: Int?
        var maxLength: Int?
        var minLength: Int?
        var noRepeatNgram: Int?
        var lengthPenalty: Float?
    }

    public func plan(_ p: Config) throws -> [String] {
        if let b = p.batchSize, b < 1 { throw StageParameterError(path: "batch_size", "must be positive") }
        if let b = p.beam, b < 1 { throw StageParameterError(path: "beam", "must be positive") }
        if let n = p.noRepeatNgram, n < 0 { throw StageParameterError(path: "no_repeat_ngram", "must be 0 (off) or positive") }
        let maxLength = p.maxLength ?? 60
        guard maxLength >= 1 else { throw StageParameterError(path: "max_length", "must be positive") }
        if let m = p.minLength, !(0...maxLength).contains(m) { throw StageParameterError(path: "min_length", "must be in 0…max_length") }
        return ["metrics.json", "summaries.jsonl"]
    }

    func options(_ p: Config, tokenizer: BertTokenizer) -> GenerationOptions {
        var o = GenerationOptions(bos: tokenizer.clsID, eos: tokenizer.sepID)
        o.beamWidth = p.beam ?? 6
        o.maxLength = p.maxLength ?? 60
        o.minLength = p.minLength ?? 10
        o.noRepeatNgram = p.noRepeatNgram ?? 3
        o.lengthPenalty = p.lengthPenalty ?? 1
        return o
    }

    public func run(_ p: Config, _ context: StageContext) throws {
        Blas.setThreads(context.threads)
        let task = try TaskInfo.load(try StageParameters.input(context, "task"))
        guard task.head == .seq2seq else {
            throw StageFailure("task \(task.task) is not sequence-to-sequence: evaluate it with the evaluate kind")
        }
        let tokenizer = try BertTokenizer(vocabularyFile: try StageParameters.input(context, "vocab"))
        let options = options(p, tokenizer: tokenizer)
        let weights = try StageParameters.input(context, "model")
        let config = try Seq2SeqTransformer.config(ofFile: weights)
        guard options.maxLength <= config.maxTargetPositions else {
            throw StageFailure("max_length \(options.maxLength) exceeds the model's \(config.maxTargetPositions) decoder positions " +
                               "(raise train-seq2seq's max_target_positions)")
        }
        let batchSize = p.batchSize ?? 8
        // generate() decodes maxBatch / beam sources at a time, one decoder step per generated token.
        let model = Seq2SeqTransformer(config: config, maxBatch: batchSize * options.beamWidth, maxSourceLength: task.maxLength,
                                       maxTargetLength: options.maxLength, seed: 0)
        try model.loadWeights(from: weights)
        let reader = try ShardReader(files: [try StageParameters.input(context, "data")], vocabHash: task.vocabHash)
        let references = try ReferenceSummary.load(try StageParameters.input(context, "references"))
        guard references.count == reader.count else {
            throw StageFailure("references file has \(references.count) rows, the shard \(reader.count)")
        }

        var generated: [[Int32]] = []
        let began = Date()
        for start in stride(from: 0, to: reader.count, by: batchSize) {
            if context.isCancelled() { throw StageCancelled() }
            let sources = (start..<min(start + batchSize, reader.count)).map { reader.example($0).ids }
            generated += model.generate(source: sources, options: options).map(\.tokens)
            context.log("generated \(generated.count)/\(reader.count)")
        }
        let seconds = max(Date().timeIntervalSince(began), 1e-9)
        let decoder = WordPieceDecoder(vocabulary: tokenizer.vocabulary)
        let texts = generated.map { decoder.decode($0) }
        let rouge = Rouge.corpus(targets: references.map(\.summary), predictions: texts)
        let generatedTokens = generated.reduce(0) { $0 + $1.count }
        var metrics: [String: Double] = [
            "rouge1": rouge.rouge1, "rouge2": rouge.rouge2, "rougeL": rouge.rougeL,
            "eval_samples_per_second": Double(reader.count) / seconds,
            "generated_tokens_per_second": Double(generatedTokens) / seconds,
            "mean_generated_tokens": Double(generatedTokens) / Double(max(reader.count, 1)),
            "examples": Double(reader.count),
        ]
        // How the encoder routed the test documents (the decoder's routing varies with the beam's hypotheses).
        metrics.merge(RoutingMetrics.metrics(tokensPerExpert: model.encoderRouting)) { a, _ in a }
        for (k, v) in metrics { context.metric(k, v) }
        let json = JSONEncoder()
        json.outputFormatting = [.sortedKeys, .prettyPrinted]
        try json.encode(metrics).write(to: context.output("metrics.json"))
        let line = JSONEncoder()
        line.outputFormatting = [.sortedKeys]
        let lines = try zip(references, texts).map { ref, text in
            String(decoding: try line.encode(["id": ref.id, "reference": ref.summary, "generated": text]), as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(to: context.output("summaries.jsonl"), atomically: true, encoding: .utf8)
    }
}
