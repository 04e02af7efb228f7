import Foundation

/// SQuAD v1.1 JSON (`{"data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question",
/// "answers": [{"text", "answer_start"}]}]}]}]}`). Each answer is checked to be the text at its offset —
/// a wrong offset would silently teach the model the wrong span. Articles are the groups.
public enum SQuADReader {
    public static func read(_ url: URL) throws -> [Example] {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw DataError(file: url.path, "cannot read file") }
        return try parse(data, file: url.path)
    }

    public static func parse(_ data: Foundation.Data, file: String) throws -> [Example] {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw DataError(file: file, "not valid JSON: \(error.localizedDescription)")
        }
        guard let articles = (root as? [String: Any])?["data"] as? [[String: Any]] else {
            throw DataError(file: file, field: "data", "missing or not a list")
        }
        var out: [Example] = []
        for (ai, article) in articles.enumerated() {
            let title = article["title"] as? String ?? "article-\(ai)"
            guard let paragraphs = article["paragraphs"] as? [[String: Any]] else {
                throw DataError(file: file, field: "data[\(ai)].paragraphs", "missing or not a list")
            }
            for (pi, p) in paragraphs.enumerated() {
                let path = "data[\(ai)].paragraphs[\(pi)]"
                guard let context = p["context"] as? String else { throw DataError(file: file, field: "\(path).context", "missing or not a string") }
                guard let qas = p["qas"] as? [[String: Any]] else { throw DataError(file: file, field: "\(path).qas", "missing or not a list") }
                let scalars = Array(context.unicodeScalars)
                // The paragraph is the source document: its questions share it (and the title keeps them together).
                let source = SourceDocument(id: "\(title) ¶\(pi)", text: context)
                for (qi, qa) in qas.enumerated() {
                    let qpath = "\(path).qas[\(qi)]"
                    guard let id = qa["id"] as? String else { throw DataError(file: file, field: "\(qpath).id", "missing or not a string") }
                    guard let question = qa["question"] as? String else { throw DataError(file: file, field: "\(qpath).question", "missing or not a string") }
                    let rawAnswers = qa["answers"] as? [[String: Any]] ?? []
                    var answers: [AnswerSpan] = []
                    for (k, a) in rawAnswers.enumerated() {
                        guard let text = a["text"] as? String, let start = a["answer_start"] as? Int else {
                            throw DataError(file: file, field: "\(qpath).answers[\(k)]", "needs text and integer answer_start")
                        }
                        let n = text.unicodeScalars.count
                        guard start >= 0, start + n <= scalars.count,
                              String(String.UnicodeScalarView(scalars[start..<(start + n)])) == text else {
                            throw DataError(file: file, field: "\(qpath).answers[\(k)].answer_start",
                                            "answer '\(text)' is not at offset \(start) of the context")
                        }
                        answers.append(AnswerSpan(text: text, start: start))
                    }
                    out.append(Example(id: id, group: title, sources: [source], text: question, pair: context, label: .spans(answers)))
                }
            }
        }
        return out
    }
}
