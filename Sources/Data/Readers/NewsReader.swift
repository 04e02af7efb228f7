import Foundation

/// The gensim news files: `lee_background.cor` (300 ABC news articles) and `lee.cor` (the Lee-50
/// documents), one article per line, latin-1. Each article is its own group.
public enum NewsReader {
    public static func articles(_ url: URL) throws -> [String] {
        let text = try TextFile.read(url, encoding: .latin1)
        return TextFile.lines(text).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Articles as language-modelling examples (`abc-<n>`).
    public static func lmExamples(_ url: URL, prefix: String = "abc") throws -> [Example] {
        try articles(url).enumerated().map { Example(id: "\(prefix)-\($0.offset)", text: $0.element, label: .none) }
    }
}

/// The Lee-50 similarity task: 50 documents, and a 50×50 matrix of mean human similarity in [0, 1]
/// (upper triangle filled) → the 1,225 document pairs i < j as a regression task (STS-B stand-in; tiny).
/// Each pair names its two documents as sources, so `Splits` splits the task by document.
public enum LeeSimilarityReader {
    public static func read(documents: URL, similarities: URL) throws -> [Example] {
        let docs = try NewsReader.articles(documents)
        let rows = TextFile.lines(try TextFile.read(similarities, encoding: .utf8))
        guard rows.count == docs.count else {
            throw DataError(file: similarities.path, field: "rows", "\(rows.count) matrix rows for \(docs.count) documents")
        }
        var matrix: [[Double]] = []
        for (i, r) in rows.enumerated() {
            let cells = r.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard cells.count == docs.count else {
                throw DataError(file: similarities.path, line: i + 1, field: "columns", "\(cells.count) values, expected \(docs.count)")
            }
            matrix.append(try cells.enumerated().map { j, c in
                guard let v = Double(c), v >= 0, v <= 1 else {
                    throw DataError(file: similarities.path, line: i + 1, field: "column \(j + 1)", "'\(c)' is not a similarity in [0, 1]")
                }
                return v
            })
        }
        let sources = docs.enumerated().map { SourceDocument(id: "lee-doc-\($0.offset)", text: $0.element) }
        var out: [Example] = []
        for i in 0..<docs.count {
            for j in (i + 1)..<docs.count {
                // Both documents are the pair's sources: the split is by document and drops pairs across it.
                out.append(Example(id: "lee-\(i)-\(j)", sources: [sources[i], sources[j]], text: docs[i], pair: docs[j],
                                   label: .value(matrix[i][j])))
            }
        }
        return out
    }
}
