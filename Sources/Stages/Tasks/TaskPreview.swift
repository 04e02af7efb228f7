import Data
import Formats
import Foundation

/// The first few examples of a task read from the user's own files, as `prepare` would read them — so a wrong
/// column, label set or format shows in `hmpipe data check` before hours of training. Reading parses every row,
/// so a malformed one anywhere fails here with its file and line (`DataError`).
public enum TaskPreview {
    public struct Lines: Sendable {
        public let train: [String]
        public let test: [String]
        public let counts: (train: Int, test: Int)
    }

    /// `fields`: the stage's `fields` parameter (a task of the user's own), as JSON.
    public static func preview(task name: String, fields: JSONValue? = nil, files: [String: URL], limit: Int = 3) throws -> Lines {
        let mapping = try fields.map { try ParameterDecoder.decode(FieldMapping.self, from: $0, kind: "prepare") }
        let task = try TaskCatalogue.task(named: name, fields: mapping)
        switch try task.read(files, 0) {
        case .presplit(let train, let test):
            return Lines(train: train.prefix(limit).map { describe($0, task) }, test: test.prefix(limit).map { describe($0, task) },
                         counts: (train.count, test.count))
        case .pool(let examples):
            return Lines(train: examples.prefix(limit).map { describe($0, task) }, test: [], counts: (examples.count, 0))
        }
    }

    /// One line: the text (and pair), then what the model is asked to predict, by name where the task has names.
    static func describe(_ e: Example, _ task: TaskDefinition) -> String {
        func clip(_ s: String, _ n: Int = 70) -> String {
            let flat = s.replacingOccurrences(of: "\n", with: " ")
            return flat.count <= n ? flat : String(flat.prefix(n)) + "…"
        }
        var text = "\"\(clip(e.text))\""
        if let pair = e.pair { text += " | \"\(clip(pair, 50))\"" }
        let label: String
        switch e.label {
        case .none: label = "(no label)"
        case .classIndex(let i): label = "class \(i) of \(task.classes)"
        case .value(let v): label = String(format: "%.3g", v)
        case .spans(let spans): label = "answer \"\(clip(spans.first?.text ?? "", 40))\"" + (spans.count > 1 ? " (+\(spans.count - 1) more)" : "")
        case .target(let t): label = "summary \"\(clip(t, 50))\""
        }
        return "\(text) → \(label)" + (e.candidate.map { " (question \($0.question))" } ?? "")
    }
}
