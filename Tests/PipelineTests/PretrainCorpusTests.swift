import Data
import Foundation
import Formats
import Stages
import XCTest

/// No test leakage into the MoE backbone: its pre-training text holds no document that any prose task
/// validates or tests on, checked through `prepare`'s own split of each task (at the fractions the specs use)
/// and, independently of fingerprints, by searching the pre-training text for the held-out passages.
final class PretrainCorpusTests: XCTestCase {
    func realInputs() throws -> [String: URL] {
        guard ProcessInfo.processInfo.environment["HMPIPE_REAL_DATA"] == "1" else {
            throw XCTSkip("set HMPIPE_REAL_DATA=1 (and run `make fetch-test-data`) to check the real pre-training text")
        }
        let inputs = ["wiki", "news"].reduce(into: [String: URL]()) {
            $0[$1] = TaskLeakageTests.corpora.appendingPathComponent(TaskLeakageTests.pinnedInputs[$1]!)
        }
        for url in inputs.values where !FileManager.default.fileExists(atPath: url.path) {
            throw XCTSkip("\(url.path) missing: run `make fetch-test-data`")
        }
        return inputs
    }

    static func normalised(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    /// Boyer–Moore–Horspool over bytes (glibc's memmem is not visible from Swift without _GNU_SOURCE).
    static func occurs(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        let m = needle.count, n = haystack.count
        guard m > 0 else { return true }
        guard m <= n else { return false }
        var shift = [Int](repeating: m, count: 256)
        for i in 0..<(m - 1) { shift[Int(needle[i])] = m - 1 - i }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { p in
                var at = 0
                while at <= n - m {
                    let last = h[at + m - 1]
                    if last == p[m - 1] && memcmp(h.baseAddress! + at, p.baseAddress!, m) == 0 { return true }
                    at += shift[Int(last)]
                }
                return false
            }
        }
    }

    func testPretrainingTextHoldsNoHeldOutDocumentOfAnyProseTask() throws {
        let inputs = try realInputs()
        for seed: UInt64 in [0, 1] {
            let docs = try PretrainCorpus.documents(inputs: inputs, dataSeeds: [seed], heldOutShare: 0.05, seed: seed)
            let pretraining = docs.train + docs.heldOut
            let fingerprints = Set(pretraining.map { SourceDocument.fingerprint($0.text) })
            // Bytes, searched byte-wise: Foundation's `String.contains` (NSString ranges) took 90 % of this
            // test's two minutes. Both sides are normalised the same way from the same files, so a passage that
            // occurs occurs byte for byte.
            let text = Array(pretraining.map { Self.normalised($0.text) }.joined(separator: "\n").utf8)
            var heldOutTotal = 0
            for name in ["bigram-shift", "cloze-qa", "wiki-lm", "lead-summary", "lead3-summary"] {
                let task = try TaskCatalogue.task(named: name)
                // The split `prepare` makes in the specs (the summaries hold out sum_test_fraction = 0.25).
                let splits = PrepareKind.split(try task.read(inputs, seed), task: task, seed: seed, validation: nil,
                                               test: TaskLeakageTests.specTestFraction(name), log: { _ in })
                let held = splits.validation + splits.test
                heldOutTotal += held.count
                let leaked = held.filter { $0.sources.contains { fingerprints.contains($0.fingerprint) } }
                XCTAssertEqual(leaked.count, 0, "seed \(seed) \(name): \(leaked.prefix(3).map(\.id))")
                guard name == "cloze-qa" else { continue }
                // Independent of fingerprints: no held-out passage occurs in the pre-training text (ABC's near-
                // duplicate rewrites of one story included), while training passages do (the search works; the
                // split's training list starts with the documents larger-fraction tasks hold out, so take its end).
                func found(_ e: Example) -> Bool { Self.occurs(Array(String(Self.normalised(e.pair ?? e.text).prefix(60)).utf8), in: text) }
                XCTAssertEqual(held.filter(found).count, 0, "seed \(seed): held-out cloze passages in the pre-training text")
                XCTAssertGreaterThan(splits.train.suffix(200).filter(found).count, 100, "seed \(seed): the passage search finds training passages")
            }
            XCTAssertGreaterThan(heldOutTotal, 0)
            let all = docs.train.count + docs.heldOut.count + docs.excluded
            print("seed \(seed): pre-training on \(docs.train.count) + \(docs.heldOut.count) held-out documents of \(all); \(docs.excluded) excluded")
            // The shared document order keeps the excluded share near the largest task's held-out share (35 %).
            XCTAssertLessThan(Double(docs.excluded) / Double(all), 0.45, "seed \(seed)")
        }
    }

    /// The exclusion table must hold out at least what every pipeline holds out, else a spec's test documents
    /// would reach pre-training.
    func testExclusionFractionsCoverThePipelinesDefaults() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let summarize = try JSONValue.parse(Data(contentsOf: root.appendingPathComponent("pipelines/summarize-minilm.json")))
        let sumTest = try XCTUnwrap(summarize["parameters"]?["sum_test_fraction"]?["default"]?.doubleValue)
        for (task, validation, test) in PretrainCorpus.heldOutFractions {
            let definition = try TaskCatalogue.task(named: task)
            XCTAssertGreaterThanOrEqual(validation, definition.fractions.validation, task)
            XCTAssertGreaterThanOrEqual(test, task.hasPrefix("lead") ? sumTest : definition.fractions.test, task)
        }
        let prose = Set(TaskCatalogue.names.filter { (try? TaskCatalogue.task(named: $0))?.sharedDocumentOrder == true })
        XCTAssertEqual(prose, Set(PretrainCorpus.heldOutFractions.map(\.task)), "every prose task is excluded")
    }
}
