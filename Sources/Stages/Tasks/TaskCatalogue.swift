import Data
import Foundation

/// Every task a spec can name. Real stand-ins read pinned files; `glue-*`, `superglue-*` and `squad` read
/// the user's own files (the paper profile). Split version 2 (re-keys `prepare`): every task whose split
/// changed when source documents were tracked — `lee-similarity` (by document, not by pair), the tasks whose
/// files hold one text twice under two ids (VADER movie and Amazon sentences; the prose tasks, as the ABC news
/// file repeats seven articles), and the user-file tasks (training rows repeating a test document dropped).
public enum TaskCatalogue {
    /// Throws a parameter error on `task` (so a spec typo is reported with its file and JSON path).
    public static func task(named name: String) throws -> TaskDefinition {
        guard let t = all[name] else {
            throw StageParameterError(path: "task", "unknown task '\(name)'; known tasks: \(names.joined(separator: ", "))")
        }
        return t
    }

    /// A catalogue task, or — given a field mapping (`task_fields` in a spec) — a task of the user's own under
    /// any name that is not a catalogue task's.
    public static func task(named name: String, fields: FieldMapping?) throws -> TaskDefinition {
        guard let fields else { return try task(named: name) }
        guard all[name] == nil else {
            throw StageParameterError(path: "fields", "'\(name)' is a built-in task: give your own task another name")
        }
        if let (field, message) = fields.problem { throw StageParameterError(path: "fields.\(field)", message) }
        return CustomTask.definition(name: name, mapping: fields)
    }

    public static var names: [String] { all.keys.sorted() }

    static func input(_ inputs: [String: URL], _ name: String) throws -> URL {
        guard let url = inputs[name] else { throw StageParameterError(path: "inputs.\(name)", "this task needs input '\(name)'") }
        return url
    }

    /// Wikipedia articles + ABC news articles as (id, text) documents: the real prose of the derived tasks.
    static func prose(_ inputs: [String: URL]) throws -> [(id: String, text: String)] {
        let key = [inputs["wiki"]?.path ?? "", inputs["news"]?.path ?? ""].joined(separator: "\n")
        if let docs = ProseCache.shared.get(key) { return docs }
        let docs = try readProse(inputs)
        ProseCache.shared.put(key, docs)
        return docs
    }

    static func readProse(_ inputs: [String: URL]) throws -> [(id: String, text: String)] {
        var docs: [(id: String, text: String)] = []
        if let wiki = inputs["wiki"] {
            docs += try WikipediaDumpReader.read(wiki).map { (id: "wiki:\($0.title)", text: $0.text) }
        }
        if let news = inputs["news"] {
            docs += try NewsReader.articles(news).enumerated().map { (id: "abc:\($0.offset)", text: $0.element) }
        }
        if docs.isEmpty { throw StageParameterError(path: "inputs", "give 'wiki' and/or 'news' text inputs") }
        return docs
    }

    static let all: [String: TaskDefinition] = {
        var tasks: [TaskDefinition] = []
        for domain in VADERDomain.allCases {
            tasks.append(TaskDefinition(
                name: "vader-\(domain.rawValue)", paperTask: domain == .movie ? "sst2" : nil,
                metrics: ["accuracy", "f1"], head: .classification, classes: 2,
                dataDescription: "VADER \(domain.rawValue) sentences (Hutto & Gilbert 2014), label = sign of the mean human rating",
                realLabels: true, requiredInputs: ["vader_\(domain.rawValue)"],
                splitVersion: domain == .movie || domain == .amazon ? 2 : 1) { inputs, _ in
                    .pool(try VADERReader.read(try input(inputs, "vader_\(domain.rawValue)"), domain: domain, task: .sentiment))
                })
            tasks.append(TaskDefinition(
                name: "vader-\(domain.rawValue)-rating", paperTask: domain == .movie ? "stsb" : nil,
                metrics: ["pearson", "spearman"], head: .regression,
                dataDescription: "VADER \(domain.rawValue) sentences, regression on the mean human rating in [−4, 4]",
                realLabels: true, requiredInputs: ["vader_\(domain.rawValue)"],
                splitVersion: domain == .movie || domain == .amazon ? 2 : 1) { inputs, _ in
                    .pool(try VADERReader.read(try input(inputs, "vader_\(domain.rawValue)"), domain: domain, task: .rating))
                })
        }
        tasks.append(TaskDefinition(
            name: "lee-similarity", paperTask: nil, metrics: ["pearson", "spearman"], head: .regression,
            dataDescription: "Lee-50 news document pairs with mean human similarity (1,225 pairs), split by document: 29 / 5 / 16 documents → 406 / 10 / 120 pairs (train / validation / test; the 689 pairs across splits are dropped)",
            realLabels: true, requiredInputs: ["lee_documents", "lee_similarities"],
            // 16 test documents give 120 test pairs (a 10% share, 5 documents, would give 10); version 2: split by
            // document, not by pair as version 1 did, whose test pairs reused training documents.
            fractions: (validation: 0.1, test: 0.32), splitVersion: 2) { inputs, _ in
                .pool(try LeeSimilarityReader.read(documents: try input(inputs, "lee_documents"),
                                                   similarities: try input(inputs, "lee_similarities")))
            })
        tasks.append(TaskDefinition(
            name: "bigram-shift", paperTask: "cola", metrics: ["matthews", "accuracy"], head: .classification, classes: 2,
            dataDescription: "bigram-shift acceptability (derived: adjacent words swapped in half of real Wikipedia/news sentences)",
            realLabels: false, requiredInputs: [], splitVersion: 3, sharedDocumentOrder: true) { inputs, seed in
                .pool(BigramShift.make(documents: try prose(inputs), seed: seed))
            })
        tasks.append(TaskDefinition(
            name: "cloze-qa", paperTask: "squad", metrics: ["em", "f1"], head: .span,
            dataDescription: "extractive cloze QA (derived: a name/number blanked in one sentence of a real Wikipedia/news passage, answered by its span in the rest)",
            // Split version 4: up to four questions per validation/test passage (train keeps one per passage).
            realLabels: false, requiredInputs: [], splitVersion: 4, sharedDocumentOrder: true,
            evaluationOnly: { ClozeQA.isExtraQuestion($0) }) { inputs, seed in
                .pool(ClozeQA.make(documents: try prose(inputs), seed: seed, questionsPerPassage: 4))
            })
        for (name, lead, paper) in [("lead-summary", 1, "xsum"), ("lead3-summary", 3, "cnndm")] {
            let summary = lead == 1 ? "its first sentence" : "its first three sentences"
            tasks.append(TaskDefinition(
                name: name, paperTask: paper, metrics: ["rouge2", "rouge1", "rougeL"], head: .seq2seq,
                dataDescription: "lead summaries (derived: \(summary) as the summary of a real Wikipedia article or ABC news story, the rest of it as the document — \(paper == "xsum" ? "XSum's own recipe" : "CNN/DM-length highlights")); not \(paper == "xsum" ? "XSum" : "CNN/DM")",
                realLabels: false, requiredInputs: [], splitVersion: 3, sharedDocumentOrder: true) { inputs, _ in
                    .pool(LeadSummaries.make(documents: try prose(inputs), leadSentences: lead))
                })
        }
        for (name, corpus) in [("xsum", "XSum"), ("cnndm", "CNN/DailyMail")] {
            tasks.append(TaskDefinition(
                name: name, paperTask: name, metrics: ["rouge2", "rouge1", "rougeL"], head: .seq2seq,
                dataDescription: "\(corpus) (user JSON Lines {document, summary}: train → train/validation, test → test)",
                realLabels: true, requiredInputs: ["train_file", "test_file"], splitVersion: 2) { inputs, _ in
                    .presplit(train: try SummarizationReader.read(try input(inputs, "train_file")),
                              test: try SummarizationReader.read(try input(inputs, "test_file")))
                })
        }
        tasks.append(TaskDefinition(
            name: "squad", paperTask: "squad", metrics: ["em", "f1"], head: .span,
            dataDescription: "SQuAD v1.1 (user files: train → train/validation, dev → test)",
            realLabels: true, requiredInputs: ["train_file", "test_file"], splitVersion: 2) { inputs, _ in
                .presplit(train: try SQuADReader.read(try input(inputs, "train_file")),
                          test: try SQuADReader.read(try input(inputs, "test_file")))
            })
        tasks.append(TaskDefinition(
            name: "wiki-lm", paperTask: "wikitext2", metrics: ["perplexity"], head: .lm,
            dataDescription: "language modelling on the real Wikipedia sample (106 articles, split by article; ~1/5 of WikiText-2)",
            realLabels: true, requiredInputs: ["wiki"], splitVersion: 3, sharedDocumentOrder: true) { inputs, _ in
                .pool(WikipediaDumpReader.lmExamples(try WikipediaDumpReader.read(try input(inputs, "wiki"))))
            })
        tasks.append(TaskDefinition(
            name: "wikitext-lm", paperTask: "wikitext2", metrics: ["perplexity"], head: .lm,
            dataDescription: "WikiText (user raw files: train → train/validation, test → test)",
            realLabels: true, requiredInputs: ["train_file", "test_file"], splitVersion: 2) { inputs, _ in
                .presplit(train: try WikiTextReader.read(try input(inputs, "train_file")),
                          test: try WikiTextReader.read(try input(inputs, "test_file")))
            })
        for g in GLUETask.allCases {
            let regression = g == .stsb
            tasks.append(TaskDefinition(
                name: "glue-\(g.rawValue)", paperTask: g.rawValue,
                metrics: regression ? ["pearson", "spearman"] : (g == .cola ? ["matthews", "accuracy"] : ["accuracy", "f1"]),
                head: regression ? .regression : .classification, classes: regression ? 0 : (g == .mnli ? 3 : 2),
                dataDescription: "GLUE \(g.rawValue) (user TSV files: train → train/validation, dev → test)",
                realLabels: true, requiredInputs: ["train_file", "test_file"], splitVersion: 2) { inputs, _ in
                    .presplit(train: try GLUEReader.read(try input(inputs, "train_file"), task: g),
                              test: try GLUEReader.read(try input(inputs, "test_file"), task: g))
                })
        }
        for g in SuperGLUETask.allCases {
            tasks.append(superGLUE(g))
        }
        return Dictionary(uniqueKeysWithValues: tasks.map { ($0.name, $0) })
    }()

    /// A SuperGLUE task on the user's JSON Lines files (train.jsonl → train/validation, val.jsonl → test: the split
    /// the paper scored), with the paper's metric first (MultiRC F1a, ReCoRD EM, the rest accuracy; CB adds macro-F1).
    static func superGLUE(_ g: SuperGLUETask) -> TaskDefinition {
        let (metrics, scoring, how): ([String], TaskDefinition.Scoring, String) = {
            switch g {
            case .copa:
                return (["accuracy"], .pickBest, "; each premise+choice pair scored by the positive-class logit, the larger picked, accuracy per question; the bootstrap resamples questions")
            case .multirc:
                return (["f1a", "em"], .answerSet, "; each answer judged on its own, EM per question, F1a over all answers; the bootstrap resamples questions")
            case .record:
                return (["em", "f1"], .pickBest, "; each candidate entity scored by the positive-class logit, the largest picked, EM/F1 of its text per query; the bootstrap resamples questions")
            case .cb:
                return (["accuracy", "macro_f1"], .rows, "")
            case .boolq, .rte, .wic, .wsc:
                return (["accuracy", "f1"], .rows, "")
            }
        }()
        let names: [SuperGLUETask: String] = [.boolq: "BoolQ", .cb: "CB", .copa: "COPA", .multirc: "MultiRC", .record: "ReCoRD",
                                              .rte: "RTE", .wic: "WiC", .wsc: "WSC"]
        return TaskDefinition(
            name: "superglue-\(g.rawValue)", paperTask: g == .rte ? "superglue_rte" : g.rawValue, metrics: metrics,
            head: .classification, scoring: scoring, classes: g.labelNames.count,
            dataDescription: "SuperGLUE \(names[g]!) (user JSON Lines files: train → train/validation, val → test\(how))",
            realLabels: true, requiredInputs: ["train_file", "test_file"], splitVersion: 2) { inputs, _ in
                .presplit(train: try SuperGLUEReader.read(try input(inputs, "train_file"), task: g),
                          test: try SuperGLUEReader.read(try input(inputs, "test_file"), task: g))
            }
    }
}

/// The last prose read, by file paths: the MoE backbone's stage splits five prose tasks over the same files,
/// and decompressing and parsing the Wikipedia dump once instead of six times saves most of its set-up.
/// Pipeline artifacts are content-addressed and read-only, so a path names the same bytes for a run's life.
final class ProseCache: @unchecked Sendable {
    static let shared = ProseCache()
    private let lock = NSLock()
    private var entry: (key: String, docs: [(id: String, text: String)])?

    func get(_ key: String) -> [(id: String, text: String)]? {
        lock.lock(); defer { lock.unlock() }
        return entry?.key == key ? entry?.docs : nil
    }

    func put(_ key: String, _ docs: [(id: String, text: String)]) {
        lock.lock(); defer { lock.unlock() }
        entry = (key, docs)
    }
}
