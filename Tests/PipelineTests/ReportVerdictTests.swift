import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest
import Stages
import Report

/// The report read as a reviewer would: paired claim statistics and their signs, non-inferiority, claims shared
/// between tables tested once, per-column captions, n = 1 cells, averages over complete seeds, `hmpipe power`'s
/// plan, and figures that render.
final class ReportVerdictTests: XCTestCase {
    func paper() throws -> PaperNumbers {
        try PaperNumbers(file: ReleaseBinary.repo.appendingPathComponent("experiments/paper/hypermoe-paper-numbers.json"))
    }

    func layout(_ json: [String: Any]) throws -> ReportLayout {
        var json = json
        for (k, v) in ["title": "T", "rows": "variant", "stage": "test", "backbone": "tiny"] where json[k] == nil { json[k] = v }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["report": json]).write(to: url)
        guard let layout = try ReportLayout.load(specFile: url) else { throw CocoaError(.fileReadCorruptFile) }
        return layout
    }

    /// One cell: `stage` with `metrics`, plus a done `data` stage with `sizes` when given; run keys are unique
    /// per (variant, task, seed) unless `key` says otherwise.
    func cell(_ variant: String, task: String? = nil, seed: Int, stage: String = "test", _ metrics: [String: Double],
              sizes: [String: Double]? = nil, key: String? = nil) -> CellResult {
        var axes: [String: JSONValue] = ["variant": .string(variant), "seed": .int(Int64(seed))]
        if let task { axes["task"] = .string(task) }
        var stages: [String: CellResult.Stage] = [stage: .init(key: key ?? "\(variant)/\(task ?? "")/\(seed)", status: .done, metrics: metrics)]
        if let sizes {
            stages["data"] = .init(key: "data/\(task ?? "")", status: .done,
                                   metrics: Dictionary(uniqueKeysWithValues: sizes.map { ("\($0.key)_examples", $0.value) }))
        }
        return CellResult(spec: "t", profile: "default", label: "\(variant)-\(task ?? "")-\(seed)", axes: axes, stages: stages)
    }

    func testCaptionsGiveEachColumnItsOwnSizes() throws {
        let l = try layout(["paper": "table1-glue", "columns": "task", "metric": ["default": "accuracy", "lee-similarity": "pearson"]])
        let cells = [cell("moe", task: "vader-movie", seed: 0, ["accuracy": 80], sizes: ["train": 9000, "validation": 200, "test": 500]),
                     cell("moe", task: "lee-similarity", seed: 0, ["pearson": 50], sizes: ["train": 1000, "validation": 100, "test": 125])]
        let t = ReportBuilder(layout: l, paper: try paper()).build(spec: "t", profile: "default", cells: cells, parameters: [:])
        let caption = t.caption.joined(separator: "\n")
        XCTAssertTrue(caption.contains("`vader-movie`: VADER movie sentences") && caption.contains("(train 9000, validation 200, test 500)"), caption)
        XCTAssertTrue(caption.contains("are dropped) (train 1000, validation 100, test 125); metric pearson"), caption)
        XCTAssertEqual(t.columns.first { $0.name == "lee-similarity" }?.sizes, ["train": 1000, "validation": 100, "test": 125])
        XCTAssertTrue(ReportRenderer.markdown(t).contains("| 80.00 (n = 1) |"), "n = 1, not ± 0.00 (1)")
    }

    func testLowerIsBetterClaimIsSignedInTheClaimsDirectionWithMeansAndPaperEffect() throws {
        let l = try layout(["paper": "table2", "metric": ["default": "em"], "stage": "lm_test",
                            "metric_columns": ["lm_test.perplexity", "test.em"],
                            "paper_task": ["lm_test.perplexity": "wikitext2", "test.em": "squad"], "lower_is_better": ["perplexity"],
                            "claims": [["text": "lower ppl", "better": "hypermoe", "worse": "moe", "column": "lm_test.perplexity"],
                                       ["text": "more em", "better": "hypermoe", "worse": "moe", "column": "test.em"]]])
        let ppl = [("moe", [28.50, 28.60, 28.55]), ("hypermoe", [28.54, 28.57, 28.63])]
        var cells: [CellResult] = []
        for (v, values) in ppl {
            for (s, x) in values.enumerated() {
                var c = cell(v, seed: s, stage: "lm_test", ["perplexity": x])
                c.stages["test"] = .init(key: "qa/\(v)/\(s)", status: .done, metrics: ["em": v == "moe" ? 10 + Double(s) : 12 + Double(s)])
                cells.append(c)
            }
        }
        let t = ReportBuilder(layout: l, paper: try paper()).build(spec: "t", profile: "default", cells: cells, parameters: [:])
        let c = t.claims[0]
        // HyperMoE's perplexity is higher by 0.03 on average: against the claim, so negative.
        XCTAssertEqual(c.test!.mean, -0.03, accuracy: 1e-9)
        XCTAssertEqual(c.perSeed["0"]!, -0.04, accuracy: 1e-9)
        XCTAssertTrue(c.detail.hasPrefix("MoE − HyperMoE on lm_test.perplexity (lower is better): difference -0.03"), c.detail)
        XCTAssertTrue(c.detail.contains("means HyperMoE 28.58 vs MoE 28.55"), c.detail)
        XCTAssertEqual(c.paperEffect!, 21.71 - 21.49, accuracy: 1e-9)   // the paper's HyperMoE is 0.22 lower
        XCTAssertEqual(c.verdict, .inconclusive)
        // EM: +2 on every seed — p = 0, and Holm over the two claims keeps it.
        XCTAssertEqual(t.claims[1].verdict, .reproduced)
        XCTAssertEqual(t.claims[1].paperEffect!, 83.51 - 83.01, accuracy: 1e-9)
        XCTAssertEqual(t.claims[1].pHolm, 0)
        // Holm: the smaller p (EM's 0) is multiplied by 2, the larger by 1.
        XCTAssertEqual(t.claims[0].pHolm!, t.claims[0].test!.p!, accuracy: 1e-12)
        XCTAssertNotNil(c.mde)
    }

    func testNonInferiorityMargin() throws {
        func verdict(_ diffs: [Double], margin: Double) throws -> ReportTable.ClaimResult {
            let l = try layout(["paper": "figure4", "metric": ["default": "rouge2"],
                                "claims": [["text": "at least as good", "better": "hypermoe", "worse": "hypermoe-selected", "margin": margin]]])
            let cells = diffs.enumerated().flatMap { s, d in
                [cell("hypermoe", seed: s, ["rouge2": 3 + d]), cell("hypermoe-selected", seed: s, ["rouge2": 3])]
            }
            return try XCTUnwrap(ReportBuilder(layout: l, paper: try paper())
                .build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("lead-summary")]).claims.first)
        }
        // Slightly worse but credibly within 0.5: non-inferior.
        var c = try verdict([-0.1, -0.12, -0.08, -0.11], margin: 0.5)
        XCTAssertEqual(c.verdict, .reproduced, c.detail)
        XCTAssertTrue(c.detail.contains("against −0.50 (non-inferiority margin)"), c.detail)
        // The same differences with a margin of 0.05: credibly worse than the margin allows.
        c = try verdict([-0.1, -0.12, -0.08, -0.11], margin: 0.05)
        XCTAssertEqual(c.verdict, .contradicted, c.detail)
        // Noisy: inconclusive.
        c = try verdict([-0.6, 0.5, -0.2, 0.1], margin: 0.1)
        XCTAssertEqual(c.verdict, .inconclusive, c.detail)
        // A margin on a trend claim is a spec error.
        XCTAssertThrowsError(try layout(["paper": "figure3", "metric": ["default": "em"],
                                         "claims": [["text": "x", "kind": "improves", "margin": 1]]]))
    }

    func testClaimsReadingTheSameRunsAreTestedOnce() throws {
        let claim: [String: Any] = ["text": "h > m", "better": "hypermoe", "worse": "moe"]
        let other: [String: Any] = ["text": "h > s", "better": "hypermoe", "worse": "moe-share"]
        let l2 = try layout(["paper": "table2", "metric": ["default": "em"], "claims": [claim, other]])
        let l3 = try layout(["paper": "table3", "metric": ["default": "em"], "claims": [claim]])
        var cells: [CellResult] = []
        for s in 0..<3 {
            cells.append(cell("moe", seed: s, ["em": 10 + Double(s)], key: "moe\(s)"))
            cells.append(cell("moe-share", seed: s, ["em": 11 + Double(s) * 0.5], key: "share\(s)"))
            cells.append(cell("hypermoe", seed: s, ["em": 11 + Double(s) * 1.2], key: "hyper\(s)"))
        }
        var tables = [ReportBuilder(layout: l2, paper: try paper()).build(spec: "table2", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")]),
                      ReportBuilder(layout: l3, paper: try paper()).build(spec: "table3", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])]
        XCTAssertNil(tables[1].claims[0].testedIn, "built alone, Table 3 tests its claim itself")
        ReportClaims.decide(&tables)
        XCTAssertEqual(tables[1].claims[0].testedIn, "table2: h > m")
        XCTAssertEqual(tables[0].claims[0].alsoIn, ["table3: h > m"])
        XCTAssertEqual(tables[1].claims[0].pHolm, tables[0].claims[0].pHolm)
        XCTAssertEqual(tables[0].claims[0].pHolm!, Stats.holm(tables[0].claims.map { $0.test!.p! })[0], accuracy: 1e-12)
        XCTAssertEqual(tables[1].claims[0].verdict, tables[0].claims[0].verdict)
        XCTAssertTrue(tables[1].claims[0].detail.hasPrefix("the same runs as table2: h > m — tested there once"), tables[1].claims[0].detail)
        XCTAssertTrue(tables[0].claims[0].detail.contains("(2 tests in this table)"), tables[0].claims[0].detail)
        // Running decide again changes nothing (report and power both call it).
        let before = tables.map { $0.claims.map(\.detail) }
        ReportClaims.decide(&tables)
        XCTAssertEqual(tables.map { $0.claims.map(\.detail) }, before)
    }

    func testAverageUsesSeedsCompleteInEveryColumn() throws {
        let l = try layout(["paper": "table1-glue", "columns": "task", "metric": ["default": "accuracy"], "average": true])
        let cells = [cell("moe", task: "vader-movie", seed: 0, ["accuracy": 80]), cell("moe", task: "vader-movie", seed: 1, ["accuracy": 90]),
                     cell("moe", task: "vader-movie", seed: 2, ["accuracy": 70]),
                     cell("moe", task: "vader-nyt", seed: 0, ["accuracy": 60]), cell("moe", task: "vader-nyt", seed: 2, ["accuracy": 50])]
        let t = ReportBuilder(layout: l, paper: try paper()).build(spec: "t", profile: "default", cells: cells, parameters: [:])
        let avg = try XCTUnwrap(t.rows[0].cells.last!)
        XCTAssertEqual(avg.seeds, ["0", "2"], "seed 1 lacks vader-nyt, so it has no average (not 90 paired with seed 2's 50)")
        XCTAssertEqual(avg.values, [70, 60])
        XCTAssertEqual(avg.missing, 1)
    }

    func testPowerPlanCountsSeedsAndPerSeedStageTime() throws {
        let l = try layout(["paper": "table2", "metric": ["default": "em"], "stage": "test", "paper_task": ["cloze-qa": "squad"],
                            "claims": [["text": "h > m", "better": "hypermoe", "worse": "moe"]]])
        var cells: [CellResult] = []
        let d = [0.3, -0.5, 0.9]   // per-seed differences: mean 0.233, sd 0.702
        for s in 0..<3 {
            for (v, em) in [("moe", 10.0), ("hypermoe", 10 + d[s])] {
                var c = cell(v, seed: s, ["em": em + Double(s)], key: "test/\(v)/\(s)")
                c.stages["train"] = .init(key: "train/\(v)/\(s)", status: .done, metrics: [:])
                c.stages["data"] = .init(key: "data", status: .done, metrics: [:])   // shared by every seed: not a per-seed cost
                cells.append(c)
            }
        }
        let builder = ReportBuilder(layout: l, paper: try paper())
        let table = builder.build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        let entry = ReportSet.Entry(path: "t.json", spec: try ExperimentSpec.load(ReleaseBinary.repo.appendingPathComponent("experiments/table3.json")),
                                    layout: l, parameters: ["task": .string("cloze-qa")], cells: cells, table: table)
        var durations: [String: Double] = ["data": 1000]
        for s in 0..<3 { for v in ["moe", "hypermoe"] { durations["train/\(v)/\(s)"] = 600; durations["test/\(v)/\(s)"] = 60 } }
        let plan = PowerPlan.plan(entry, durations: durations)
        let line = try XCTUnwrap(plan.lines.first)
        XCTAssertEqual(line.sd!, Stats.pairedTest(d).sd!, accuracy: 1e-12)
        // The paper's SQuAD effect is +0.50 EM.
        XCTAssertEqual(line.seedsForPaper, Stats.pairsNeeded(effect: 0.5, sd: line.sd!))
        XCTAssertEqual(line.seedsForObserved, Stats.pairsNeeded(effect: line.observed!, sd: line.sd!))
        XCTAssertEqual(line.secondsPerSeed!, 2 * 660, accuracy: 1e-9, "two methods × (train + test) per seed, data excluded")
        let text = plan.render()
        XCTAssertTrue(text.contains("to detect the paper's effect: \(line.seedsForPaper!) seeds"), text)
        XCTAssertTrue(text.contains("(22 min per seed, as recorded)"), text)
    }

    /// With per-example scores the plan adds the test-example dimension: the test-set sampling variance of the
    /// claim's mean difference (here against its closed form, the variance over examples of the seed-averaged
    /// per-example difference divided by the examples), and the factor on the test examples from `TwoLevel`.
    func testPowerPlanAddsTestExamplesFromPerExampleScores() throws {
        let l = try layout(["paper": "table2", "metric": ["default": "em"], "stage": "test", "paper_task": ["cloze-qa": "squad"],
                            "claims": [["text": "h > m", "better": "hypermoe", "worse": "moe"]]])
        let m = 200
        func correct(_ v: String, _ s: Int) -> [Bool] {
            (0..<m).map { i in i % 10 < 3 || (v == "hypermoe" && (i % 25 == 7 || (i % 40 == 11 + s))) }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("power-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var scores: [String: EvaluateScores] = [:], cells: [CellResult] = []
        for s in 0..<3 {
            for v in ["moe", "hypermoe"] {
                let right = correct(v, s)
                let lines = right.map { $0 ? #"{"prediction":["ab"],"gold":["ab"]}"# : #"{"prediction":["x"],"gold":["ab"]}"# }
                let file = dir.appendingPathComponent("\(v)\(s).jsonl")
                try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
                scores["test/\(v)/\(s)"] = try EvaluateScores.read(file)
                let em = 100 * Double(right.filter { $0 }.count) / Double(m)
                cells.append(cell(v, seed: s, ["em": em], sizes: ["train": 1000, "validation": 100, "test": 300], key: "test/\(v)/\(s)"))
            }
        }
        let table = ReportBuilder(layout: l, paper: try paper()).build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        let entry = ReportSet.Entry(path: "t.json", spec: try ExperimentSpec.load(ReleaseBinary.repo.appendingPathComponent("experiments/table3.json")),
                                    layout: l, parameters: ["task": .string("cloze-qa")], cells: cells, table: table)
        let durations = Dictionary(uniqueKeysWithValues: scores.keys.map { ($0, 30.0) })
        let line = try XCTUnwrap(PowerPlan.plan(entry, durations: durations, examples: { scores[$0] }).lines.first)
        XCTAssertEqual(line.testExamples, ["cloze-qa": m])
        XCTAssertEqual(line.testSplit, ["cloze-qa": 300])
        // Closed form: per example, the difference (×100) averaged over the three seeds; its variance / m.
        let xbar = (0..<m).map { i in (0..<3).map { s in (correct("hypermoe", s)[i] ? 100.0 : 0) - (correct("moe", s)[i] ? 100 : 0) }.reduce(0, +) / 3 }
        let mean = xbar.reduce(0, +) / Double(m)
        let exact = xbar.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(m) / Double(m)
        let v = try XCTUnwrap(line.exampleVariance)
        XCTAssertEqual(v, exact, accuracy: 0.2 * exact)
        let sd = try XCTUnwrap(line.sd), effect = try XCTUnwrap(line.paperEffect)
        XCTAssertEqual(line.examplesFactorForPaper, PowerPlan.TwoLevel.examplesFactor(effect: effect, seedSD: sd, seeds: 3, exampleVariance: v))
        XCTAssertEqual(line.seedsForPaperWithExamples, PowerPlan.TwoLevel.seedsNeeded(effect: effect, seedSD: sd, exampleVariance: v))
        XCTAssertEqual(try XCTUnwrap(line.mdeWithExamples), try XCTUnwrap(PowerPlan.TwoLevel.mde(seedSD: sd, seeds: 3, exampleVariance: v)), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(line.evaluationSecondsPerSeed), 60, accuracy: 1e-9, "two methods' test stages per seed")
        let text = PowerPlan.plan(entry, durations: durations, examples: { scores[$0] }).render()
        XCTAssertTrue(text.contains("test examples now 200 in cloze-qa"), text)
        XCTAssertTrue(text.contains("with today's test examples, counting their sampling error:"), text)
        // Without per-example scores the plan says so and stays seeds-only.
        XCTAssertTrue(PowerPlan.plan(entry, durations: durations).render().contains("no per-example scores"))
    }

    /// Table 4's summary: median [min–max] per cell, and ratio rows as the median [min–max] of per-seed ratios
    /// (not the ratio of the medians or means).
    func testMedianSummaryGivesSpreadAndPairedRatios() throws {
        let l = try layout(["paper": "table4", "metric": ["default": "train_samples_per_second"], "ratio_to": "moe", "summary": "median"])
        let values: [String: [Double]] = ["moe": [10, 12, 11], "hypermoe": [9, 6, 10]]
        let cells = values.flatMap { v, xs in xs.enumerated().map { s, x in cell(v, seed: s, ["train_samples_per_second": x]) } }
        let t = ReportBuilder(layout: l, paper: try paper()).build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        let md = ReportRenderer.markdown(t)
        XCTAssertTrue(md.contains("11.00 [10.00–12.00] (3)"), md)
        XCTAssertTrue(md.contains("9.00 [6.00–10.00] (3)"), md)
        // Per-seed ratios 0.9, 0.5, 0.909: median 0.900 (the ratio of medians would be 0.818, of means 0.758).
        XCTAssertTrue(md.contains("_0.900 [0.500–0.909]_"), md)
        XCTAssertTrue(md.contains("Cells: median [min–max]"), md)
        // The default summary keeps mean ± sd and the ratio of means.
        let plain = try layout(["paper": "table4", "metric": ["default": "train_samples_per_second"], "ratio_to": "moe"])
        let mdPlain = ReportRenderer.markdown(ReportBuilder(layout: plain, paper: try paper()).build(spec: "t", profile: "default", cells: cells,
                                                                                                     parameters: ["task": .string("cloze-qa")]))
        XCTAssertTrue(mdPlain.contains("_0.758_"), mdPlain)
    }

    func testNiceTicks() {
        XCTAssertEqual(ReportChart.niceTicks(lo: 6.8, hi: 27.4), [5, 10, 15, 20, 25, 30])
        XCTAssertEqual(ReportChart.niceTicks(lo: 2.55, hi: 3.7), [2.5, 2.75, 3.0, 3.25, 3.5, 3.75], accuracy: 1e-9)
        XCTAssertEqual(ReportChart.tickLabel(2.5, [0, 2.5, 5]), "2.5")
        XCTAssertEqual(ReportChart.tickLabel(2.75, [2.5, 2.75, 3]), "2.75")
        XCTAssertEqual(ReportChart.tickLabel(10, [5, 10, 15]), "10")
        XCTAssertEqual(ReportChart.wrap("a b c d", maxChars: 3), ["a b", "c d"])
    }

    /// Every SVG a report writes renders with rsvg-convert (Debian librsvg2-bin) — the figure a reader sees.
    func testReportFiguresRender() throws {
        guard let rsvg = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("rsvg-convert not installed (apt-get install librsvg2-bin): figures not render-checked")
        }
        let l = try layout(["paper": "figure3", "title": String(repeating: "A long figure title that must wrap ", count: 4),
                            "columns": "experts", "metric": ["default": "em"]])
        var cells: [CellResult] = []
        for n in [8, 16] {
            for s in 0..<3 {
                for v in ["moe", "hypermoe"] {
                    var c = cell(v, seed: s, ["em": Double(10 + n / 8 + s) + (v == "moe" ? 0 : 1.5)], key: "\(v)\(n)\(s)")
                    c = CellResult(spec: "t", profile: "default", label: c.label + "\(n)", axes: c.axes.merging(["experts": .int(Int64(n))]) { $1 },
                                   stages: c.stages)
                    cells.append(c)
                }
            }
        }
        cells.append(cell("moe-share", seed: 0, ["em": 3]))   // n = 1: a dot, no whisker
        let t = ReportBuilder(layout: l, paper: try paper()).build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("svg-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let svg = dir.appendingPathComponent("f.svg"), png = dir.appendingPathComponent("f.png")
        try ReportChart.svg(t).write(to: svg, atomically: true, encoding: .utf8)
        XCTAssertTrue(ReportChart.svg(t).contains(">number of experts (N)<"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: rsvg)
        p.arguments = [svg.path, "-o", png.path]
        let err = Pipe()
        p.standardError = err
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        XCTAssertGreaterThan((try? FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int) ?? 0, 1000)
        // The committed figures too.
        for name in ["figure3.svg", "figure4.svg"] {
            let file = ReleaseBinary.repo.appendingPathComponent("results/\(name)")
            let q = Process()
            q.executableURL = URL(fileURLWithPath: rsvg)
            q.arguments = [file.path, "-o", dir.appendingPathComponent(name + ".png").path]
            try q.run(); q.waitUntilExit()
            XCTAssertEqual(q.terminationStatus, 0, name)
        }
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
}
