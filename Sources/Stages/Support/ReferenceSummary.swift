import Data
import Foundation

/// One row of `<split>.references.json`, written by `prepare` for sequence-to-sequence tasks in shard row order:
/// the example's id and its full (untruncated) reference summary, which `evaluate-seq2seq` scores against.
struct ReferenceSummary: Codable, Sendable, Equatable {
    var id: String
    var summary: String

    init(id: String, summary: String) { self.id = id; self.summary = summary }

    init(_ example: Example) throws {
        guard case let .target(summary) = example.label else {
            throw StageFailure("example \(example.id) has no reference summary")
        }
        self.init(id: example.id, summary: summary)
    }

    static func load(_ url: URL) throws -> [ReferenceSummary] {
        try JSONDecoder().decode([ReferenceSummary].self, from: Data(contentsOf: url))
    }
}
