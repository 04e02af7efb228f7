import Foundation

/// XSum / CNN-DM as JSON Lines `{"document": …, "summary": …}` (an optional "id" is kept). HF's
/// CNN-DM field names `article`/`highlights` are accepted too, since users often export those directly.
public enum SummarizationReader {
    public static func read(_ url: URL) throws -> [Example] {
        try parse(try TextFile.read(url), file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> [Example] {
        try JSONLines.parse(text, file: file).map { r in
            let document = r.has("document") || !r.has("article") ? try r.string("document") : try r.string("article")
            let summary = r.has("summary") || !r.has("highlights") ? try r.string("summary") : try r.string("highlights")
            guard !document.isEmpty else { throw DataError(file: file, line: r.line, field: "document", "empty") }
            let id = r.object["id"].map { "\($0)" } ?? "line-\(r.line)"
            return Example(id: id, text: document, label: .target(summary))
        }
    }
}
