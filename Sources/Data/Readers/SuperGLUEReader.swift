import Foundation

/// SuperGLUE JSONL files as distributed (`train.jsonl`, `val.jsonl`, `test.jsonl`). Multiple-choice and
/// multi-answer tasks are flattened into binary pair classification — one example per (question, candidate),
/// each carrying its `Candidate` (the question it answers) so evaluation can score per question: COPA
/// (premise+connective, choice), MultiRC (paragraph, question+answer), ReCoRD (passage, query with the candidate
/// entity filled in). Their source document is the item (COPA) or the passage (MultiRC, ReCoRD), so splits keep
/// a passage's questions together. WSC is a pair (text, "span2 refers to span1"). Test files without labels
/// give `.none`. A malformed field is named by its path in the line's object (`passage.questions[0].answers[1].label`).
public enum SuperGLUETask: String, Sendable, CaseIterable, Codable {
    case boolq, cb, copa, multirc, record, rte, wic, wsc

    public var labelNames: [String] {
        switch self {
        case .cb: return ["entailment", "contradiction", "neutral"]
        case .rte: return ["entailment", "not_entailment"]
        default: return ["false", "true"]
        }
    }
}

public enum SuperGLUEReader {
    public static func read(_ url: URL, task: SuperGLUETask) throws -> [Example] {
        try parse(try TextFile.read(url), file: url.path, task: task)
    }

    public static func parse(_ text: String, file: String, task: SuperGLUETask) throws -> [Example] {
        var out: [Example] = []
        for r in try JSONLines.parse(text, file: file) {
            let idx = r.object["idx"].map { "\($0)" } ?? "\(r.line)"
            let id = "\(task.rawValue)-\(idx)"
            func boolLabel(_ key: String = "label") throws -> Label { r.has(key) ? .classIndex(try r.bool(key) ? 1 : 0) : .none }
            func nameLabel() throws -> Label {
                guard r.has("label") else { return .none }
                let s = try r.string("label")
                guard let i = task.labelNames.firstIndex(of: s) else {
                    throw DataError(file: file, line: r.line, field: "label", "unknown label '\(s)' (expected one of \(task.labelNames))")
                }
                return .classIndex(i)
            }
            switch task {
            case .boolq:
                out.append(Example(id: id, text: try r.string("question"), pair: try r.string("passage"), label: try boolLabel()))
            case .cb, .rte:
                out.append(Example(id: id, text: try r.string("premise"), pair: try r.string("hypothesis"), label: try nameLabel()))
            case .wic:
                let word = try r.string("word")
                out.append(Example(id: id, text: "\(word): " + (try r.string("sentence1")), pair: try r.string("sentence2"), label: try boolLabel()))
            case .wsc:
                let t = try r.record("target")
                out.append(Example(id: id, text: try r.string("text"),
                                   pair: "\(try t.string("span2_text")) refers to \(try t.string("span1_text"))", label: try boolLabel()))
            case .copa:
                let q = try r.string("question")
                guard q == "cause" || q == "effect" else { throw DataError(file: file, line: r.line, field: "question", "'\(q)' is neither cause nor effect") }
                let premise = try r.string("premise") + (q == "cause" ? " What was the cause?" : " What happened as a result?")
                let choices = [try r.string("choice1"), try r.string("choice2")]
                let answer = r.has("label") ? try r.int("label") : nil
                if let answer, answer != 0 && answer != 1 {
                    throw DataError(file: file, line: r.line, field: "label", "\(answer) is not 0 (choice1) or 1 (choice2)")
                }
                let item = [SourceDocument(id: id, text: ([premise] + choices).joined(separator: "\u{1F}"))]
                for (k, choice) in choices.enumerated() {
                    out.append(Example(id: "\(id)-\(k)", group: id, sources: item, text: premise, pair: choice,
                                       label: answer.map { .classIndex($0 == k ? 1 : 0) } ?? .none,
                                       candidate: Candidate(question: id, text: choice)))
                }
            case .multirc:
                let passage = try r.record("passage")
                let paragraph = try passage.string("text")
                let document = [SourceDocument(id: id, text: paragraph)]
                for (qk, q) in try passage.records("questions").enumerated() {
                    let question = try q.string("question")
                    let qid = "\(id)-q\(q.object["idx"].map { "\($0)" } ?? "\(qk)")"
                    for (ak, a) in try q.records("answers").enumerated() {
                        let answer = try a.string("text")
                        out.append(Example(id: "\(qid)-a\(a.object["idx"].map { "\($0)" } ?? "\(ak)")", group: id, sources: document,
                                           text: paragraph, pair: question + " " + answer,
                                           label: a.has("label") ? .classIndex(try a.bool("label") ? 1 : 0) : .none,
                                           candidate: Candidate(question: qid, text: answer)))
                    }
                }
            case .record:
                let passage = try r.record("passage")
                let ptext = try passage.string("text")
                let document = [SourceDocument(id: id, text: ptext)]
                let scalars = Array(ptext.unicodeScalars)
                // Entity offsets count characters (Unicode scalars) and `end` is inclusive, as ReCoRD's files have them.
                let entities = Set(try passage.records("entities").enumerated().map { k, e -> String in
                    let s = try e.int("start"), t = try e.int("end")
                    guard s >= 0, t < scalars.count, s <= t else {
                        throw DataError(file: file, line: r.line, field: "passage.entities[\(k)]", "entity [\(s), \(t)] outside the passage (\(scalars.count) characters)")
                    }
                    return String(String.UnicodeScalarView(scalars[s...t]))
                }).sorted()
                for (qk, q) in try r.records("qas").enumerated() {
                    let query = try q.string("query")
                    guard query.contains("@placeholder") else {
                        throw DataError(file: file, line: r.line, field: "qas[\(qk)].query", "has no @placeholder to fill with an entity")
                    }
                    let qid = "\(id)-\(q.object["idx"].map { "\($0)" } ?? "\(qk)")"
                    let answers = q.has("answers") ? Array(Set(try q.records("answers").map { try $0.string("text") })).sorted() : nil
                    for ent in entities {
                        out.append(Example(id: "\(qid)-\(ent)", group: id, sources: document, text: ptext,
                                           pair: query.replacingOccurrences(of: "@placeholder", with: ent),
                                           label: answers.map { .classIndex($0.contains(ent) ? 1 : 0) } ?? .none,
                                           candidate: Candidate(question: qid, text: ent, answers: answers)))
                    }
                }
            }
        }
        return out
    }
}
