import Foundation

/// SuperGLUE JSONL files (`train.jsonl`, `val.jsonl`, `test.jsonl`). Multiple-choice and multi-answer tasks
/// are flattened into binary pair classification — one example per (question, candidate) — with the
/// original item as the group so splits and evaluation keep candidates together:
/// COPA (premise+connective, choice), MultiRC (paragraph, question+answer), ReCoRD (passage, query with the
/// candidate entity filled in), WSC (text, "span2 refers to span1"). Test files without labels give `.none`.
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
                let answer = r.has("label") ? try r.int("label") : nil
                for (k, key) in ["choice1", "choice2"].enumerated() {
                    out.append(Example(id: "\(id)-\(k)", group: id, text: premise, pair: try r.string(key),
                                       label: answer.map { .classIndex($0 == k ? 1 : 0) } ?? .none))
                }
            case .multirc:
                let passage = try r.record("passage")
                let paragraph = try passage.string("text")
                for q in try passage.records("questions") {
                    let question = try q.string("question")
                    for a in try q.records("answers") {
                        let aid = a.object["idx"].map { "\($0)" } ?? "?"
                        out.append(Example(id: "\(id)-q\(q.object["idx"].map { "\($0)" } ?? "?")-a\(aid)", group: id, text: paragraph,
                                           pair: question + " " + (try a.string("text")),
                                           label: a.has("label") ? .classIndex(try a.bool("label") ? 1 : 0) : .none))
                    }
                }
            case .record:
                let passage = try r.record("passage")
                let ptext = try passage.string("text")
                let scalars = Array(ptext.unicodeScalars)
                let entities = Set(try passage.records("entities").map { e -> String in
                    let s = try e.int("start"), t = try e.int("end")
                    guard s >= 0, t < scalars.count, s <= t else {
                        throw DataError(file: file, line: r.line, field: "entities", "entity [\(s), \(t)] outside the passage")
                    }
                    return String(String.UnicodeScalarView(scalars[s...t]))
                }).sorted()
                for q in try r.records("qas") {
                    let query = try q.string("query")
                    let answers = q.has("answers") ? Set(try q.records("answers").map { try $0.string("text") }) : nil
                    for ent in entities {
                        out.append(Example(id: "\(id)-\(q.object["idx"].map { "\($0)" } ?? "?")-\(ent)", group: id, text: ptext,
                                           pair: query.replacingOccurrences(of: "@placeholder", with: ent),
                                           label: answers.map { .classIndex($0.contains(ent) ? 1 : 0) } ?? .none))
                    }
                }
            }
        }
        return out
    }
}
