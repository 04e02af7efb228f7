import Data
import Foundation

/// The text the MoE backbone is pre-trained on: the pinned prose (Wikipedia sample + ABC news) minus every
/// document that any prose task's validation or test split draws from, under each data seed the specs use.
/// The derived tasks (cloze QA, bigram shift, lead summaries, the LM column) are built from this same prose:
/// masked-LM on a test passage would teach the model the answer (docs/data.md, "No test leakage").
public enum PretrainCorpus {
    /// Prose tasks and the largest held-out fractions any pipeline gives them. Splits deal documents in a
    /// seeded order, test first, then validation: a larger fraction holds out a longer prefix of the same
    /// order, so excluding at the largest fraction also excludes every smaller one. The summaries are held
    /// out at `sum_test_fraction` 0.25 (pipelines/summarize-minilm.json); `PretrainCorpusTests` checks this
    /// table against the pipelines' defaults.
    public static let heldOutFractions: [(task: String, validation: Double, test: Double)] = [
        ("bigram-shift", 0.1, 0.1), ("cloze-qa", 0.1, 0.1), ("wiki-lm", 0.1, 0.1),
        ("lead-summary", 0.1, 0.25), ("lead3-summary", 0.1, 0.25),
    ]

    public struct Documents {
        /// Pre-training documents (never in any task's validation/test split) and the held-out slice of
        /// them scored for the backbone's diagnostics.
        public var train: [(id: String, text: String)]
        public var heldOut: [(id: String, text: String)]
        /// Prose documents left out because a task evaluates on them (or on a near-duplicate of them).
        public var excluded: Int
    }

    /// `heldOutShare` of the eligible documents (seeded, at least one) are kept aside for the held-out MLM
    /// loss and routing diagnostics.
    public static func documents(inputs: [String: URL], dataSeeds: [UInt64], heldOutShare: Double, seed: UInt64) throws -> Documents {
        let prose = try TaskCatalogue.prose(inputs)
        var excluded = Set<String>()
        for seed in dataSeeds {
            for (name, validation, test) in heldOutFractions {
                let task = try TaskCatalogue.task(named: name)
                let splits = PrepareKind.split(try task.read(inputs, seed), task: task, seed: seed,
                                               validation: validation, test: test, log: { _ in })
                for e in splits.validation + splits.test { for s in e.sources { excluded.insert(s.fingerprint) } }
            }
        }
        // Near-duplicates too: ABC's file holds rewrites of one story under two ids (abc:232 and abc:241 share
        // their opening sentences). A document sharing any long sentence with a held-out one is left out.
        let heldOutSentences = Set(prose.filter { excluded.contains(SourceDocument.fingerprint($0.text)) }
            .flatMap { longSentences($0.text) })
        var eligible = prose.filter {
            !excluded.contains(SourceDocument.fingerprint($0.text)) && longSentences($0.text).allSatisfy { !heldOutSentences.contains($0) }
        }
        let removed = prose.count - eligible.count
        eligible.sort { $0.id < $1.id }
        var rng = SeededRandom(seed: seed, 0x4d4c_4d68)
        let order = Array(eligible.indices).seededShuffled(&rng)
        let held = Set(order.prefix(max(1, Int((Double(eligible.count) * heldOutShare).rounded()))))
        return Documents(train: eligible.indices.filter { !held.contains($0) }.map { eligible[$0] },
                         heldOut: eligible.indices.filter { held.contains($0) }.map { eligible[$0] },
                         excluded: removed)
    }

    /// Sentences of 40 characters or more, whitespace-normalised: long enough that a shared one means shared text.
    static func longSentences(_ text: String) -> [String] {
        SentenceSplitter.split(text).map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }.filter { $0.count >= 40 }
    }
}
