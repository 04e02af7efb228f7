import Data
import Foundation
import Formats

/// `prepare`: read a task's examples from its input files, split them by document (seeded), tokenize with the
/// backbone's WordPiece vocabulary (input `vocab`) and write zstd token shards, plus `task.json` and, for span
/// tasks, the gold answer texts of the evaluation splits (EM/F1 are scored on text, as SQuAD's script does);
/// for sequence-to-sequence tasks the reference summaries of the evaluation splits (ROUGE is scored on text).
/// `files` adds the user's own dataset files (path + sha256) to the inputs the task reads. For tasks scored per
/// question (`TaskDefinition.Scoring`) `task.json` also lists which rows of each evaluation split form each
/// question, and `max_validation` / `max_test` count questions (never cutting one); `max_train` counts rows.
public struct PrepareKind: TypedStageKind {
    public let name = "prepare"
    public let version = "1"
    public init() {}

    /// The kind version, plus the task's split version once a task's split changed (`lee-similarity`: by
    /// document since version 2), so only that task's cached stages stop matching.
    public func version(parameters: JSONValue) -> String {
        guard let name = parameters["task"]?.stringValue, let task = try? TaskCatalogue.task(named: name),
              task.splitVersion > 1 else { return version }
        return "\(version)+split\(task.splitVersion)"
    }

    public struct Config: Decodable, Sendable {
        var task: String
        var seed: UInt64?
        var maxLength: Int
        var maxTrain: Int?
        var maxValidation: Int?
        var maxTest: Int?
        var validationFraction: Double?
        var testFraction: Double?
        /// Sequence-to-sequence tasks: target length cap, BOS and EOS included (the source's is `max_length`).
        var maxTargetLength: Int?
        var files: [String: LocalFile]?
        /// A task of the user's own: how to read its JSON Lines/TSV files (`task_fields[task]` in the pipelines).
        var fields: FieldMapping?
    }

    public static let splitNames = ["train", "validation", "test"]

    public func plan(_ p: Config) throws -> [String] {
        let task = try TaskCatalogue.task(named: p.task, fields: p.fields)
        guard p.maxLength >= 8 else { throw StageParameterError(path: "max_length", "must be at least 8") }
        if task.head == .seq2seq {
            guard let t = p.maxTargetLength else { throw StageParameterError(path: "max_target_length", "\(p.task) needs a target length") }
            guard t >= 4 else { throw StageParameterError(path: "max_target_length", "must be at least 4 (BOS, EOS and two tokens)") }
        }
        try LocalFile.requireProvided(for: task, files: p.files)
        try LocalFile.validate(p.files ?? [:], parameter: "files")
        var names = Self.splitNames.map { "\($0).shard" } + ["task.json"]
        switch task.head {
        case .span: names += ["validation.answers.json", "test.answers.json"]
        case .seq2seq: names += ["validation.references.json", "test.references.json"]
        case .classification, .regression, .lm: break
        }
        return names
    }

    public func run(_ p: Config, _ context: StageContext) throws {
        let task = try TaskCatalogue.task(named: p.task, fields: p.fields)
        let seed = p.seed ?? 0
        let tokenizer = try BertTokenizer(vocabularyFile: try StageParameters.input(context, "vocab"))
        let inputs = context.inputs.merging(try LocalFile.verified(p.files ?? [:])) { _, user in user }
        var splits = Self.split(try task.read(inputs, seed), task: task, seed: seed,
                                validation: p.validationFraction, test: p.testFraction, log: context.log)
        if task.head == .span {
            // SQuAD scripts cap the question (max_query_length 64); here a question must leave half the window
            // to the context, else the example is dropped and counted.
            func fits(_ e: Example) -> Bool { tokenizer.tokenize(e.text).ids.count + 3 <= p.maxLength / 2 }
            let before = splits.all.count
            splits = Splits(train: splits.train.filter(fits), validation: splits.validation.filter(fits),
                            test: splits.test.filter(fits))
            context.log("dropped \(before - splits.all.count) examples whose question exceeds half of max_length")
        }
        // Caps keep the default profile inside its time budget; the order is already seeded-random by document.
        if let m = p.maxTrain { splits.train = Array(splits.train.prefix(m)) }
        func cap(_ examples: [Example], _ m: Int) -> [Example] {
            task.scoring == .rows ? Array(examples.prefix(m)) : QuestionRows.firstQuestions(examples, limit: m)
        }
        if let m = p.maxValidation { splits.validation = cap(splits.validation, m) }
        if let m = p.maxTest { splits.test = cap(splits.test, m) }
        try Self.checkLeakage(splits, task: p.task)
        context.log("leakage check passed: no source document in train and validation/test (documents: "
                    + "train \(LeakageCheck.documentCount(splits.train)), validation \(LeakageCheck.documentCount(splits.validation)), "
                    + "test \(LeakageCheck.documentCount(splits.test)))")
        var counts: [String: Int] = [:]
        var questions: [String: QuestionRows] = [:]
        for (name, examples) in zip(Self.splitNames, [splits.train, splits.validation, splits.test]) {
            guard !examples.isEmpty else { throw StageFailure("task \(p.task): the \(name) split is empty") }
            let encoded: (examples: [TokenizedExample], kind: ShardLabelKind, sources: [Int])
            if task.head == .lm {   // documents → one token stream → blocks of max_length (targets come at batching)
                let blocks = ExampleEncoder.languageModelBlocks(examples, tokenizer: tokenizer, blockSize: p.maxLength)
                encoded = (blocks, .none, Array(blocks.indices))
            } else if task.head == .seq2seq, let maxTarget = p.maxTargetLength {
                let e = try ExampleEncoder.encodePairs(examples, tokenizer: tokenizer, maxSourceLength: p.maxLength,
                                                       maxTargetLength: maxTarget)
                encoded = (e.examples, e.kind, e.sources)
            } else {
                let e = try ExampleEncoder.encode(examples, tokenizer: tokenizer, maxLength: p.maxLength,
                                                  dropUnanswerable: name == "train")
                encoded = (e.examples, e.kind, e.sources)
            }
            try ShardFile.write(encoded.examples, kind: encoded.kind, vocabHash: tokenizer.vocabulary.hash,
                                to: context.output("\(name).shard"))
            counts[name] = encoded.examples.count
            context.metric("\(name)_examples", Double(encoded.examples.count))
            context.metric("\(name)_documents", Double(LeakageCheck.documentCount(examples)))
            if task.head == .span, name != "train" {
                let answers: [[String]] = encoded.sources.map { i in
                    guard case .spans(let spans) = examples[i].label else { return [] }
                    return spans.map(\.text)
                }
                try JSONEncoder().encode(answers).write(to: context.output("\(name).answers.json"))
            }
            if task.head == .seq2seq, name != "train" {   // untruncated: ROUGE compares against the full summary
                let references = try encoded.sources.map { i in try ReferenceSummary(examples[i]) }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                try encoder.encode(references).write(to: context.output("\(name).references.json"))
            }
            if task.scoring != .rows, name != "train" {
                let rows = try QuestionRows(examples, rows: encoded.sources, task: p.task)
                questions[name] = rows
                context.metric("\(name)_questions", Double(rows.ids.count))
            }
            context.log("\(name): \(examples.count) examples → \(encoded.examples.count) rows")
        }
        let info = TaskInfo(task: task.name, paperTask: task.paperTask, head: task.head, classes: task.classes,
                            metrics: task.metrics, dataDescription: task.dataDescription, realLabels: task.realLabels,
                            counts: counts, vocabHash: tokenizer.vocabulary.hash, vocabSize: tokenizer.vocabulary.count,
                            maxLength: p.maxLength, maxTargetLength: task.head == .seq2seq ? p.maxTargetLength : nil,
                            scoring: task.scoring == .rows ? nil : task.scoring, questions: questions.isEmpty ? nil : questions)
        try info.write(to: context.output("task.json"))
    }

    /// Train / validation / test of what the task read, with no source document on two sides: a pool is split
    /// by `Splits.split`; the user's own train and test files keep their test set, and training examples that
    /// share a document with it (an identical text) are dropped and counted in the log before validation is
    /// carved out of the rest.
    public static func split(_ read: TaskDefinition.Read, task: TaskDefinition, seed: UInt64, validation: Double?,
                      test: Double?, log: (String) -> Void) -> Splits {
        let validation = validation ?? task.fractions.validation
        switch read {
        case .pool(let all):
            // Evaluation-only examples (cloze QA's extra questions) take no part in dealing the split — it is the
            // split of the other examples alone, so the held-out documents do not depend on them — and follow
            // their group into validation or test, right after its other examples; in train they are dropped.
            let evaluationOnly = task.evaluationOnly ?? { _ in false }
            let examples = all.filter { !evaluationOnly($0) }
            var splits = Splits.split(examples, seed: seed, validation: validation, test: test ?? task.fractions.test,
                                      sharedDocumentOrder: task.sharedDocumentOrder)
            if splits.droppedAcrossSplits > 0 {
                log("split by document: dropped \(splits.droppedAcrossSplits) of \(examples.count) examples whose documents fell into different splits")
            }
            let extras = Dictionary(grouping: all.filter(evaluationOnly), by: \.group)
            if !extras.isEmpty {
                func withExtras(_ side: [Example]) -> [Example] {
                    var out: [Example] = [], seen = Set<String>()
                    for (i, e) in side.enumerated() {
                        out.append(e)
                        let lastOfGroup = i + 1 == side.count || side[i + 1].group != e.group
                        if lastOfGroup, seen.insert(e.group).inserted { out += extras[e.group] ?? [] }
                    }
                    return out
                }
                let before = splits.validation.count + splits.test.count
                splits.validation = withExtras(splits.validation)
                splits.test = withExtras(splits.test)
                log("added \(splits.validation.count + splits.test.count - before) evaluation-only examples to validation and test")
            }
            return splits
        case .presplit(let train, let test):
            let held = Set(test.lazy.flatMap { $0.sources.map(\.fingerprint) })
            let kept = train.filter { e in !e.sources.contains { held.contains($0.fingerprint) } }
            if kept.count < train.count {
                log("dropped \(train.count - kept.count) training examples whose document is also in the test file")
            }
            let carved = Splits.split(kept, seed: seed, validation: validation, test: 0)
            return Splits(train: carved.train, validation: carved.validation, test: test,
                          droppedAcrossSplits: carved.droppedAcrossSplits)
        }
    }

    /// `LeakageCheck` as a stage failure naming the task, the two splits and a document in both.
    public static func checkLeakage(_ splits: Splits, task: String) throws {
        do { try LeakageCheck.verify(splits, task: task) } catch let leak as LeakageCheck.Leak {
            throw StageFailure(leak.description)
        }
    }
}
