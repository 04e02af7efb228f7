import Foundation
import Formats
import Pipeline
import Stages
import TestSupport
import XCTest
import Report

/// The two-level bootstrap (seeds, then test examples) on a fixed seed, and reading evaluate stages'
/// per-example output back into recomputable metrics.
final class BootstrapTests: XCTestCase {
    let terms = [Bootstrap.Term(row: "a", column: "c", weight: 1), Bootstrap.Term(row: "b", column: "c", weight: -1)]

    /// One seed, 400 examples: per-example differences a − b of 0 or 1 (a right where b is wrong on 30 %):
    /// the percentile interval matches the normal one, mean ± 1.96 · sd / √n, to a few percent.
    func testExampleLevelIntervalMatchesTheNormalApproximation() throws {
        let n = 400
        let a = (0..<n).map { $0 % 10 < 3 ? 1.0 : 0.0 }, b = [Double](repeating: 0, count: n)
        let r = try XCTUnwrap(Bootstrap.interval(terms: terms, seeds: ["0"], examples: ["c": n]) { row, _, _, idx in
            idx.map { (row == "a" ? a : b)[$0] }.reduce(0, +) / Double(idx.count)
        })
        let se = (0.3 * 0.7 / Double(n)).squareRoot()
        XCTAssertEqual(r.low, 0.3 - 1.96 * se, accuracy: 0.1 * 1.96 * se)
        XCTAssertEqual(r.high, 0.3 + 1.96 * se, accuracy: 0.1 * 1.96 * se)
        // Fixed seed: the same interval every time; another seed moves it slightly.
        let again = try XCTUnwrap(Bootstrap.interval(terms: terms, seeds: ["0"], examples: ["c": n]) { row, _, _, idx in
            idx.map { (row == "a" ? a : b)[$0] }.reduce(0, +) / Double(idx.count)
        })
        XCTAssertEqual(r.low, again.low); XCTAssertEqual(r.high, again.high)
        // The generator is the reference SplitMix64 (first outputs for seed 0 as published with the algorithm).
        var g = Bootstrap.SplitMix64(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(g.next(), 0x6E78_9E6A_A1B9_65F4)
        var h = Bootstrap.SplitMix64(seed: 1)
        XCTAssertTrue((0..<1000).map { _ in h.below(10) }.allSatisfy { (0..<10).contains($0) })
    }

    /// The test-set sampling variance with the seeds held fixed: for 0/1 per-example differences with rate 0.3
    /// on 400 examples it is p(1 − p)/n to within the resampling noise of 400 replicates (~7 %); seeds that
    /// differ only by a constant add nothing; a cell that cannot be recomputed gives none.
    func testExampleVarianceIsTheTestSetSamplingVariance() throws {
        let n = 400
        let a = (0..<n).map { $0 % 10 < 3 ? 1.0 : 0.0 }
        let v = try XCTUnwrap(Bootstrap.exampleVariance(terms: terms, seeds: ["0", "1"], examples: ["c": n]) { row, _, seed, idx in
            row == "a" ? idx.map { a[$0] }.reduce(0, +) / Double(idx.count) + (seed == "1" ? 5 : 0) : 0
        })
        XCTAssertEqual(v, 0.3 * 0.7 / Double(n), accuracy: 0.2 * 0.3 * 0.7 / Double(n))
        XCTAssertNil(Bootstrap.exampleVariance(terms: terms, seeds: ["0"], examples: ["c": n]) { row, _, _, _ in row == "a" ? 1 : nil })
    }

    /// Examples that all score alike leave only the seed level: the interval lies within the seeds' differences
    /// and is wider than a seeds-only t-interval would be narrow; and a cell that cannot be recomputed gives none.
    func testSeedLevelAndMissingScores() throws {
        let perSeed: [String: Double] = ["0": 1, "1": 2, "2": 6]
        let r = try XCTUnwrap(Bootstrap.interval(terms: terms, seeds: ["0", "1", "2"], examples: ["c": 5]) { row, _, seed, _ in
            row == "a" ? perSeed[seed]! : 0
        })
        XCTAssertGreaterThanOrEqual(r.low, 1); XCTAssertLessThanOrEqual(r.high, 6)
        XCTAssertLessThan(r.low, 3); XCTAssertGreaterThan(r.high, 3)   // the mean, 3, is inside
        XCTAssertNil(Bootstrap.interval(terms: terms, seeds: ["0"], examples: ["c": 5]) { row, _, _, _ in row == "a" ? 1 : nil })
        XCTAssertNil(Bootstrap.interval(terms: terms, seeds: ["0"], examples: [:]) { _, _, _, _ in 1 })
    }

    func testEvaluateScoresRecomputeTheStagesMetrics() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scores-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func write(_ name: String, _ lines: [String]) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            return url
        }
        let classes = try XCTUnwrap(EvaluateScores.read(try write("c.jsonl", [#"{"prediction":1,"label":1}"#, #"{"prediction":0,"label":1}"#,
                                                                            #"{"prediction":0,"label":0}"#, #"{"prediction":1,"label":0}"#])))
        XCTAssertEqual(classes.count, 4)
        XCTAssertEqual(classes.metric("accuracy", on: [0, 1, 2, 3]), 50)
        XCTAssertEqual(classes.metric("accuracy", on: [0, 0, 2]), 100, "a resample may repeat examples")
        XCTAssertEqual(classes.metric("matthews", on: [0, 1, 2, 3]) ?? .nan, 0, accuracy: 1e-12)
        XCTAssertNil(classes.metric("pearson", on: [0]))
        let values = try XCTUnwrap(EvaluateScores.read(try write("v.jsonl", [#"{"prediction":0.5,"label":1.0}"#, #"{"prediction":1.5,"label":2.0}"#,
                                                                           #"{"prediction":2.5,"label":3.5}"#])))
        XCTAssertEqual(values.metric("pearson", on: [0, 1, 2]) ?? .nan, 100 * 0.9933992677987828, accuracy: 1e-9)
        let spans = try XCTUnwrap(EvaluateScores.read(try write("s.jsonl", [#"{"gold":["Paris"],"prediction":["paris"]}"#,
                                                                          #"{"gold":["1999","in 1999"],"prediction":["2001"]}"#])))
        XCTAssertEqual(spans.metric("em", on: [0, 1]), 50)
        XCTAssertEqual(spans.metric("em", on: [0, 0]), 100)
        let summaries = try XCTUnwrap(EvaluateScores.read(try write("sum.jsonl", [#"{"generated":"the cat sat","id":"a","reference":"the cat sat"}"#,
                                                                                #"{"generated":"dogs bark","id":"b","reference":"the cat sat"}"#])))
        XCTAssertEqual(summaries.metric("rouge1", on: [0, 1]) ?? .nan, 50, accuracy: 1e-9)
        XCTAssertEqual(summaries.metric("rouge2", on: [0]) ?? .nan, 100, accuracy: 1e-9)
        // Language-model blocks: perplexity = exp(Σ NLL / Σ tokens) over the drawn blocks (the mean NLL
        // resampled, then exponentiated — not a mean of per-block perplexities).
        let lm = try XCTUnwrap(EvaluateScores.read(try write("lm.jsonl", [#"{"nll":10.0,"tokens":5}"#, #"{"nll":30.0,"tokens":10}"#])))
        XCTAssertEqual(lm.count, 2)
        XCTAssertEqual(lm.metric("perplexity", on: [0, 1]) ?? .nan, exp(40.0 / 15), accuracy: 1e-9)
        XCTAssertEqual(lm.metric("perplexity", on: [0, 0]) ?? .nan, exp(2.0), accuracy: 1e-9)
        XCTAssertNil(lm.metric("accuracy", on: [0]))
        XCTAssertThrowsError(try EvaluateScores.read(try write("bad.jsonl", [#"{"nll":1.0,"tokens":0}"#]))) {
            XCTAssertTrue("\($0)".contains("bad.jsonl line 1"), "\($0)")
        }
    }

    /// The report's claim line carries the bootstrap interval when every cell's per-example scores are known.
    func testReportClaimCarriesTheBootstrapInterval() throws {
        let paper = try PaperNumbers(file: ReleaseBinary.repo.appendingPathComponent("experiments/paper/hypermoe-paper-numbers.json"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["report": ["paper": "table3", "title": "T", "rows": "variant", "stage": "test",
                                                               "metric": ["default": "accuracy"], "backbone": "tiny",
                                                               "claims": [["text": "h > m", "better": "hypermoe", "worse": "moe"]]]]).write(to: url)
        let layout = try XCTUnwrap(ReportLayout.load(specFile: url))
        // 100 examples per run; hypermoe right on 60 + seed, moe on 50 + seed.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runs-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var cells: [CellResult] = [], files: [String: URL] = [:]
        for s in 0..<3 {
            for (v, right) in [("moe", 50 + s), ("hypermoe", 60 + s)] {
                let key = "\(v)\(s)", file = dir.appendingPathComponent(key)
                try ((0..<100).map { "{\"prediction\":\($0 < right ? 1 : 0),\"label\":1}" }.joined(separator: "\n")).write(to: file, atomically: true, encoding: .utf8)
                files[key] = file
                cells.append(CellResult(spec: "t", profile: "default", label: key, axes: ["variant": .string(v), "seed": .int(Int64(s))],
                                        stages: ["test": .init(key: key, status: .done, metrics: ["accuracy": Double(right)])]))
            }
        }
        let t = ReportBuilder(layout: layout, paper: paper).build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")],
                                                                  examples: { key in files[key].flatMap { try? EvaluateScores.read($0) } })
        let b = try XCTUnwrap(t.claims[0].bootstrap)
        XCTAssertLessThan(b[0], 10); XCTAssertGreaterThan(b[1], 10)   // the difference is 10 points on every seed
        XCTAssertGreaterThan(b[0], 0)
        XCTAssertTrue(t.claims[0].detail.contains("bootstrap 95% [+"), t.claims[0].detail)
        // Without per-example scores: no interval, and the line does not pretend to have one.
        let u = ReportBuilder(layout: layout, paper: paper).build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        XCTAssertNil(u.claims[0].bootstrap)
        XCTAssertFalse(u.claims[0].detail.contains("bootstrap"))
    }
}
