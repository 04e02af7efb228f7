/// The no-leakage rule, checked on a task's final splits: no source document (`Example.sources`, identical
/// texts counting as one) feeds both the training split and the validation or test split. A model could
/// otherwise score by remembering a document instead of doing the task.
public enum LeakageCheck {
    /// A document found on both sides of a split boundary.
    public struct Leak: Error, CustomStringConvertible, Sendable {
        public let task: String
        /// "train/validation" or "train/test".
        public let splits: String
        public let document: SourceDocument
        /// Examples of each side built from the document, and one id of each for the message.
        public let trainCount: Int, otherCount: Int
        public let trainExample: String, otherExample: String
        /// How many documents leak across this boundary in all.
        public let leakingDocuments: Int

        public var description: String {
            let other = String(splits.split(separator: "/").last ?? "")
            return "task \(task): leakage between \(splits): document '\(document.id)' (sha256 \(document.fingerprint.prefix(12))) "
                + "feeds \(trainCount) train example(s) (e.g. '\(trainExample)') and \(otherCount) \(other) example(s) "
                + "(e.g. '\(otherExample)'); \(leakingDocuments) document(s) leak across \(splits) in all. "
                + "A source document must stay in one split."
        }
    }

    /// Throws the first leak (train/validation before train/test; the leaking document with the smallest id).
    public static func verify(_ splits: Splits, task: String) throws {
        var train: [String: (count: Int, example: String, document: SourceDocument)] = [:]
        for e in splits.train {
            for s in e.sources {
                if let t = train[s.fingerprint] { train[s.fingerprint] = (t.count + 1, t.example, t.document) }
                else { train[s.fingerprint] = (1, e.id, s) }
            }
        }
        for (name, examples) in [("validation", splits.validation), ("test", splits.test)] {
            var other: [String: (count: Int, example: String)] = [:]
            for e in examples {
                for s in e.sources where train[s.fingerprint] != nil {
                    other[s.fingerprint] = ((other[s.fingerprint]?.count ?? 0) + 1, other[s.fingerprint]?.example ?? e.id)
                }
            }
            guard let first = other.keys.min(by: { (train[$0]!.document.id, $0) < (train[$1]!.document.id, $1) }) else { continue }
            let t = train[first]!, o = other[first]!
            throw Leak(task: task, splits: "train/\(name)", document: t.document, trainCount: t.count, otherCount: o.count,
                       trainExample: t.example, otherExample: o.example, leakingDocuments: other.count)
        }
    }

    /// Distinct source documents of some examples (the caption's document counts).
    public static func documentCount(_ examples: [Example]) -> Int {
        Set(examples.lazy.flatMap { $0.sources.map(\.fingerprint) }).count
    }
}
