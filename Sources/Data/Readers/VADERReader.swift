import Foundation

/// The four VADER ground-truth domains (Hutto & Gilbert 2014). The movie sentences are the Rotten
/// Tomatoes snippets SST was built from — our SST-2 stand-in.
public enum VADERDomain: String, Sendable, CaseIterable, Codable {
    case movie, tweets, amazon, nyt
}

/// Reads `id<TAB>mean_rating<TAB>text` (UTF-8, CRLF). Two tasks from one file:
/// - `.sentiment`: binary label by the sign of the mean rating; ratings of exactly 0 are dropped
///   (no sign, and SST-2 also drops neutral sentences). 0 = negative, 1 = positive.
/// - `.rating`: regression on the mean rating in [-4, 4] (STS-B-style Pearson/Spearman).
/// NYT ids are `article_sentence`: the group is the article so splits never share an editorial.
public enum VADERReader {
    public enum Task: String, Sendable, Codable { case sentiment, rating }

    public static let labelNames = ["negative", "positive"]

    public static func read(_ url: URL, domain: VADERDomain, task: Task) throws -> [Example] {
        let text = try TextFile.read(url, encoding: .utf8)
        return try parse(text, file: url.path, domain: domain, task: task)
    }

    public static func parse(_ text: String, file: String, domain: VADERDomain, task: Task) throws -> [Example] {
        var out: [Example] = []
        var seen = Set<String>()
        for (i, line) in TextFile.lines(text).enumerated() {
            let lineNo = i + 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else {
                throw DataError(file: file, line: lineNo, field: "columns", "expected id<TAB>rating<TAB>text, found \(fields.count) column(s)")
            }
            let id = String(fields[0]).trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw DataError(file: file, line: lineNo, field: "id", "empty id") }
            guard let rating = Double(fields[1].trimmingCharacters(in: .whitespaces)), rating.isFinite, abs(rating) <= 4 else {
                throw DataError(file: file, line: lineNo, field: "mean_rating", "'\(fields[1])' is not a number in [-4, 4]")
            }
            let sentence = fields[2].trimmingCharacters(in: .whitespaces)
            guard !sentence.isEmpty else { throw DataError(file: file, line: lineNo, field: "text", "empty text") }
            guard seen.insert(id).inserted else { throw DataError(file: file, line: lineNo, field: "id", "duplicate id \(id)") }
            let group = domain == .nyt ? String(id.split(separator: "_").first ?? Substring(id)) : id
            let label: Label
            switch task {
            case .sentiment:
                if rating == 0 { continue }
                label = .classIndex(rating > 0 ? 1 : 0)
            case .rating:
                label = .value(rating)
            }
            out.append(Example(id: "\(domain.rawValue)-\(id)", group: "\(domain.rawValue)-\(group)", text: sentence, label: label))
        }
        return out
    }
}
