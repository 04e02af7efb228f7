import Data
import Foundation
import Formats

/// `vocab`: trains a WordPiece vocabulary on the training split of a task (same document split as
/// `prepare` with the same seed), for models trained from scratch. Output `vocab.txt` (BERT format, the
/// five special tokens first), usable wherever the MiniLM vocab is.
public struct VocabKind: TypedStageKind {
    public let name = "vocab"
    public init() {}

    public struct Config: Decodable, Sendable {
        var task: String
        var seed: UInt64?
        var vocabSize: Int
        var maxTrain: Int?
        /// The user's own files of the task (WikiText-2 in the paper profile), as `prepare` takes them.
        var files: [String: LocalFile]?
    }

    public func plan(_ p: Config) throws -> [String] {
        let task = try TaskCatalogue.task(named: p.task)
        try LocalFile.requireProvided(for: task, files: p.files)
        try LocalFile.validate(p.files ?? [:], parameter: "files")
        guard p.vocabSize >= 100 else { throw StageParameterError(path: "vocab_size", "must be at least 100") }
        return ["vocab.txt"]
    }

    public func run(_ p: Config, _ context: StageContext) throws {
        let task = try TaskCatalogue.task(named: p.task)
        let train: [Example]
        let inputs = context.inputs.merging(try LocalFile.verified(p.files ?? [:])) { _, user in user }
        switch try task.read(inputs, p.seed ?? 0) {
        case .pool(let examples): train = Splits.split(examples, seed: p.seed ?? 0).train
        case .presplit(let t, _): train = t
        }
        let texts = train.prefix(p.maxTrain ?? Int.max).flatMap { [$0.text] + ($0.pair.map { [$0] } ?? []) }
        let began = Date()
        let tokens = WordPieceTrainer.train(texts: texts, vocabularySize: p.vocabSize)
        context.log(String(format: "trained %d tokens on %d texts in %.1fs", tokens.count, texts.count, Date().timeIntervalSince(began)))
        context.metric("vocab_size", Double(tokens.count))
        try (tokens.joined(separator: "\n") + "\n").write(to: context.output("vocab.txt"), atomically: true, encoding: .utf8)
    }
}
