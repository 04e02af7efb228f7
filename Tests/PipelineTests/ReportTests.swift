import Foundation
import Formats
import Pipeline
import XCTest
import Report

/// `hmpipe report` on hand-built cell results: aggregation, bolding, missing cells, claim verdicts, paper rows.
final class ReportTests: XCTestCase {
    func paper() throws -> PaperNumbers {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("experiments/paper/hypermoe-paper-numbers.json")
        return try PaperNumbers(file: url)
    }

    func layout(claims: [ReportLayout.Claim] = []) throws -> ReportLayout {
        var json: [String: Any] = ["paper": "table3", "title": "T3", "rows": "variant", "stage": "test",
                                   "metric": ["default": "em"], "paper_task": ["cloze-qa": "squad"], "backbone": "tiny",
                                   "row_order": ["moe", "hypermoe"]]
        json["claims"] = claims.map { c in
            ["text": c.text, "kind": c.kind?.rawValue, "better": c.better, "worse": c.worse, "row": c.row, "column": c.column]
                .compactMapValues { $0 }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["report": json]).write(to: url)
        return try XCTUnwrap(ReportLayout.load(specFile: url))
    }

    func cell(_ variant: String, seed: Int, em: Double?, status: StageStatus = .done) -> CellResult {
        CellResult(spec: "t", profile: "default", label: "\(variant)-\(seed)",
                   axes: ["variant": .string(variant), "seed": .int(Int64(seed))],
                   stages: ["test": .init(key: "k\(variant)\(seed)", status: status, metrics: em.map { ["em": $0, "f1": $0 + 1] } ?? [:])])
    }

    func testMeanStdBoldMissingAndPaperRows() throws {
        let cells = [cell("moe", seed: 0, em: 10), cell("moe", seed: 1, em: 14), cell("moe", seed: 2, em: nil, status: .failed),
                     cell("hypermoe", seed: 0, em: 20), cell("hypermoe", seed: 1, em: 22)]
        let t = ReportBuilder(layout: try layout(), paper: try paper())
            .build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        XCTAssertEqual(t.rows.map(\.key), ["moe", "hypermoe"])
        let moe = try XCTUnwrap(t.rows[0].cells[0])
        XCTAssertEqual(moe.mean, 12, accuracy: 1e-12)
        XCTAssertEqual(moe.std, 8.0.squareRoot(), accuracy: 1e-12)   // sample std of {10, 14}
        XCTAssertEqual(moe.missing, 1)
        XCTAssertEqual(t.cellsDone, 4)
        XCTAssertEqual(t.cellsTotal, 5)
        let md = ReportRenderer.markdown(t)
        XCTAssertTrue(md.contains("12.00 ± 2.83 (2) +1 missing"), md)
        // 21 vs 12 over two paired seeds (differences 10 and 8): p = 0.07, so no bold — a winner needs p < 0.05.
        XCTAssertTrue(md.contains("| 21.00 ± 1.41 (2) |"), md)
        XCTAssertFalse(md.contains("**"), md)
        XCTAssertTrue(md.contains("_83.51_"), "paper row for HyperMoE on SQuAD: \(md)")
        XCTAssertTrue(md.contains("stands in for the paper's squad"), md)
        let csv = ReportRenderer.csv(t).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertEqual(String(csv[1]), "t,default,moe,cloze-qa,em,2,12.0000,2.8284,1,0=10.0000;1=14.0000")
        // JSON: values keyed by seed.
        let json = try JSONValue.parse(Data(try ReportRenderer.json(t).utf8))
        let perSeed = json["rows"]?.arrayValue?.first?["cells"]?.arrayValue?.first?["perSeed"]
        XCTAssertEqual(perSeed?["0"]?.doubleValue, 10)
        XCTAssertEqual(perSeed?["1"]?.doubleValue, 14)
    }

    func testFigureChartHasOneBarPerFinishedCell() throws {
        let cells = [cell("moe", seed: 0, em: 10), cell("moe", seed: 1, em: 14), cell("hypermoe", seed: 0, em: nil, status: .failed)]
        let t = ReportBuilder(layout: try layout(), paper: try paper())
            .build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        let svg = ReportChart.svg(t)
        XCTAssertTrue(svg.hasPrefix("<svg"))
        // background + 1 mean bar (moe) + 2 legend swatches; the hypermoe cell has no finished seed.
        XCTAssertEqual(svg.components(separatedBy: "<rect").count - 1, 4, svg)
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 2, "one dot per seed: \(svg)")
        XCTAssertTrue(svg.contains(">(a) MoE") || svg.contains(">MoE"), svg)
    }

    /// A layout from a `report` block written to a spec file (as `hmpipe report` reads it).
    func load(_ report: [String: Any]) throws -> ReportLayout {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["report": report]).write(to: url)
        return try XCTUnwrap(ReportLayout.load(specFile: url))
    }

    /// A finished cell of a task-column table: accuracy of variant on task at seed.
    func taskCell(_ v: String, _ task: String, _ seed: Int, _ acc: Double) -> CellResult {
        CellResult(spec: "t", profile: "default", label: "\(v)-\(task)-\(seed)",
                   axes: ["variant": .string(v), "task": .string(task), "seed": .int(Int64(seed))],
                   stages: ["test": .init(key: "k\(v)\(task)\(seed)", status: .done, metrics: ["accuracy": acc])])
    }

    func testAverageColumnIsPerSeedMeanOverTasks() throws {
        var json: [String: Any] = ["paper": "table1-glue", "title": "T1", "rows": "variant", "columns": "task", "stage": "test",
                                   "metric": ["default": "accuracy"], "paper_task": ["a": "sst2", "average": "average"],
                                   "backbone": "tiny", "average": true]
        json["row_order"] = ["moe", "hypermoe"]
        let layout = try load(json), c = taskCell
        let cells = [c("moe", "a", 0, 80), c("moe", "b", 0, 60), c("moe", "a", 1, 90), c("moe", "b", 1, 70)]
        let t = ReportBuilder(layout: layout, paper: try paper()).build(spec: "t", profile: "default", cells: cells, parameters: [:])
        XCTAssertEqual(t.columns.last?.name, "average")
        let avg = try XCTUnwrap(t.rows[0].cells.last!)
        XCTAssertEqual(avg.values, [70, 80])   // per seed: (80+60)/2, (90+70)/2
        XCTAssertEqual(avg.seeds, ["0", "1"])
        XCTAssertTrue(ReportRenderer.markdown(t).contains("_82.77_"), "paper GLUE average for MoE")
    }

    /// Table 1's paper profile: GLUE and SuperGLUE columns, each group with its own per-seed average and the
    /// paper's numbers from its own table; a claim on a column the table lacks is left out.
    func testColumnGroupsAverageSeparatelyWithTheirOwnPaperNumbers() throws {
        let json: [String: Any] = [
            "paper": "table1-glue", "title": "T1", "rows": "variant", "columns": "task", "stage": "test",
            "metric": ["default": "accuracy"], "backbone": "tiny", "average": true, "row_order": ["moe", "hypermoe"],
            "column_groups": [["name": "GLUE", "paper": "table1-glue", "columns": ["glue-rte"], "average": "glue-average"],
                              ["name": "SuperGLUE", "paper": "table1-superglue", "columns": ["superglue-boolq", "superglue-cb"], "average": "superglue-average"]],
            "claims": [["text": "h > m on SuperGLUE", "better": "hypermoe", "worse": "moe", "column": "superglue-average"],
                       ["text": "another profile's column", "better": "hypermoe", "worse": "moe", "column": "superglue-wsc"],
                       ["text": "h > m on the averages", "better": "hypermoe", "worse": "moe"]]]
        let layout = try load(json), c = taskCell
        var cells: [CellResult] = []
        for (v, shift) in [("moe", 0.0), ("hypermoe", 2.0)] {
            for seed in 0..<2 {
                let s = Double(seed)
                cells += [c(v, "glue-rte", seed, 60 + s), c(v, "superglue-boolq", seed, 70 + shift + s), c(v, "superglue-cb", seed, 50 + shift * 2 - s)]
            }
        }
        let t = ReportBuilder(layout: layout, paper: try paper()).build(spec: "t", profile: "paper", cells: cells, parameters: [:])
        XCTAssertEqual(t.columns.map(\.name), ["glue-rte", "superglue-boolq", "superglue-cb", "glue-average", "superglue-average"])
        XCTAssertEqual(t.columns[4].averageOf, ["superglue-boolq", "superglue-cb"])
        XCTAssertEqual(t.rows[0].cells[4]?.values, [60, 60])   // MoE per seed: (70+50)/2, (71+49)/2
        XCTAssertEqual(t.rows[1].cells[4]?.values, [63, 63])
        XCTAssertEqual(t.rows[0].cells[3]?.values, [60, 61])   // the GLUE average is RTE's alone here
        let md = ReportRenderer.markdown(t)
        for paperValue in ["_67.35_", "_72.69_", "_69.64_", "_82.77_", "_64.04_", "_64.88_"] {
            XCTAssertTrue(md.contains(paperValue), "\(paperValue) (GLUE RTE, BoolQ, CB, GLUE and SuperGLUE averages) in:\n\(md)")
        }
        XCTAssertEqual(t.claims.map(\.text), ["h > m on SuperGLUE", "h > m on the averages"])
        XCTAssertEqual(t.claims[0].perSeed, ["0": 3, "1": 3])
        XCTAssertEqual(t.claims[0].paperEffect ?? .nan, 64.88 - 64.04, accuracy: 1e-9)
        XCTAssertEqual(t.claims[0].columnsRead, ["superglue-boolq", "superglue-cb"])
        // Without a column: the mean of the two averages, GLUE (difference 0) and SuperGLUE (3).
        XCTAssertEqual(t.claims[1].perSeed, ["0": 1.5, "1": 1.5])
        XCTAssertEqual(t.claims[1].terms.first { $0.column == "glue-rte" && $0.row == "hypermoe" }?.weight, 0.5)
        XCTAssertEqual(t.claims[1].terms.first { $0.column == "superglue-cb" && $0.row == "hypermoe" }?.weight, 0.25)
        XCTAssertTrue(t.caption.contains { $0.hasPrefix("`superglue-average`: per seed, the mean of the 2 SuperGLUE columns") }, "\(t.caption)")
    }

    func testClaimVerdicts() throws {
        let claims = [ReportLayout.Claim(text: "h > m", better: "hypermoe", worse: "moe", column: nil),
                      ReportLayout.Claim(text: "m > h", better: "moe", worse: "hypermoe", column: nil)]
        // Clear gap: 20 vs 10 with std ~1.
        var cells = [cell("moe", seed: 0, em: 9), cell("moe", seed: 1, em: 11), cell("hypermoe", seed: 0, em: 19), cell("hypermoe", seed: 1, em: 21)]
        var t = ReportBuilder(layout: try layout(claims: claims), paper: try paper())
            .build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        XCTAssertEqual(t.claims.map(\.verdict), [.reproduced, .contradicted])
        XCTAssertEqual(t.claims[0].perSeed, ["0": 10, "1": 10])
        XCTAssertEqual(t.claims[1].test?.mean, -10)
        // Overlapping seeds: within the spread.
        cells = [cell("moe", seed: 0, em: 5), cell("moe", seed: 1, em: 15), cell("hypermoe", seed: 0, em: 7), cell("hypermoe", seed: 1, em: 16)]
        t = ReportBuilder(layout: try layout(claims: claims), paper: try paper())
            .build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        // Paired differences 2 and 1: mean 1.5, t = 3 on 1 df, p = 0.20.
        XCTAssertEqual(t.claims.map(\.verdict), [.inconclusive, .inconclusive])
        XCTAssertEqual(t.claims[0].test?.p ?? 0, 0.2048, accuracy: 1e-4)
        // One seed: never a verdict.
        cells = [cell("moe", seed: 0, em: 1), cell("hypermoe", seed: 0, em: 90)]
        t = ReportBuilder(layout: try layout(claims: claims), paper: try paper())
            .build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        XCTAssertEqual(t.claims.first?.verdict, .inconclusive)
    }

    func testColumnTaskFromAParameterFollowsTheProfile() throws {
        let json: [String: Any] = ["paper": "table2", "title": "T2", "rows": "variant", "stage": "xsum_test",
                                   "metric": ["default": "rouge2"], "metric_columns": ["xsum_test.rouge2"],
                                   "column_tasks": ["xsum_test.rouge2": "${xsum_task}"],
                                   "paper_task": ["xsum_test.rouge2": "xsum"], "backbone": "tiny"]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["report": json]).write(to: url)
        let layout = try XCTUnwrap(ReportLayout.load(specFile: url))
        let cells = [CellResult(spec: "t", profile: "default", label: "moe", axes: ["variant": .string("moe")],
                                stages: ["xsum_test": .init(key: "k", status: .done, metrics: ["rouge2": 7.5])])]
        func caption(_ task: String) throws -> String {
            ReportBuilder(layout: layout, paper: try paper())
                .build(spec: "t", profile: "default", cells: cells, parameters: ["xsum_task": .string(task)]).caption.joined(separator: "\n")
        }
        let standIn = try caption("lead-summary")
        XCTAssertTrue(standIn.contains("lead summaries (derived"), standIn)
        XCTAssertTrue(standIn.contains("stands in for the paper's xsum; metric rouge2 ×100"), standIn)
        let real = try caption("xsum")
        XCTAssertTrue(real.contains("XSum (user JSON Lines"), real)
        XCTAssertFalse(real.contains("derived"), real)
    }

    /// `${parameter}` in the backbone line takes the profile's value (Table 2's cross-attention init differs
    /// between the default and paper profiles); a name the profile does not set leaves the line as written.
    func testBackboneLineNamesTheProfilesParameter() throws {
        let json: [String: Any] = ["paper": "table3", "title": "T", "rows": "variant", "stage": "test",
                                   "metric": ["default": "em"], "backbone": "BERT2BERT, cross-attention init `${sum_cross_init}`"]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["report": json]).write(to: url)
        let builder = ReportBuilder(layout: try XCTUnwrap(ReportLayout.load(specFile: url)), paper: try paper())
        func backboneLine(_ parameters: [String: JSONValue]) -> String {
            builder.build(spec: "t", profile: "default", cells: [cell("moe", seed: 0, em: 10)], parameters: parameters).caption[0]
        }
        XCTAssertEqual(backboneLine(["sum_cross_init": .string("self-attention")]),
                       "Profile `default`; backbone: BERT2BERT, cross-attention init `self-attention`.")
        XCTAssertEqual(backboneLine(["sum_cross_init": .string("fresh")]),
                       "Profile `default`; backbone: BERT2BERT, cross-attention init `fresh`.")
        XCTAssertEqual(backboneLine([:]), "Profile `default`; backbone: BERT2BERT, cross-attention init `${sum_cross_init}`.")
    }

    /// Columns that are not tasks (Figure 3's expert counts) name the data their cells ran on — the spec's task —
    /// rather than a generic label; this caption once called the cloze-QA stand-in "user-supplied files".
    func testNonTaskColumnsNameTheSpecsTaskData() throws {
        let json: [String: Any] = ["paper": "table2", "title": "F3", "rows": "variant", "columns": "experts", "stage": "test",
                                   "metric": ["default": "em"], "paper_task": ["8": "squad"], "backbone": "tiny"]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["report": json]).write(to: url)
        let layout = try XCTUnwrap(ReportLayout.load(specFile: url))
        let cells = [8, 16].map { n in
            CellResult(spec: "t", profile: "default", label: "moe-\(n)", axes: ["variant": .string("moe"), "experts": .int(Int64(n))],
                       stages: ["test": .init(key: "k\(n)", status: .done, metrics: ["em": 10])])
        }
        let t = ReportBuilder(layout: layout, paper: try paper())
            .build(spec: "t", profile: "default", cells: cells, parameters: ["task": .string("cloze-qa")])
        let caption = t.caption.joined(separator: "\n")
        XCTAssertEqual(t.columns.map(\.name), ["8", "16"])
        XCTAssertTrue(caption.contains("`8`: extractive cloze QA (derived"), caption)
        XCTAssertTrue(caption.contains("`16`: extractive cloze QA (derived"), caption)
        XCTAssertFalse(caption.contains("user-supplied"), caption)
    }

    /// Figure 3's trend claims: a row improves from the first column to the last (8 → 32 experts), and a gap
    /// grows along the columns — judged by the same seed-spread rule as "beats".
    func testTrendClaims() throws {
        let claims = [ReportLayout.Claim(text: "moe improves", kind: .improves, row: "moe"),
                      ReportLayout.Claim(text: "share improves", kind: .improves, row: "moe-share"),
                      ReportLayout.Claim(text: "all improve", kind: .improves),
                      ReportLayout.Claim(text: "gap grows", kind: .gapGrows, better: "hypermoe", worse: "moe"),
                      ReportLayout.Claim(text: "gap grows vs share", kind: .gapGrows, better: "hypermoe", worse: "moe-share")]
        var json: [String: Any] = ["paper": "table2", "title": "F3", "rows": "variant", "columns": "experts", "stage": "test",
                                   "metric": ["default": "em"], "backbone": "tiny"]
        json["claims"] = claims.map { c in
            ["text": c.text, "kind": c.kind?.rawValue, "better": c.better, "worse": c.worse, "row": c.row].compactMapValues { $0 }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["report": json]).write(to: url)
        let layout = try XCTUnwrap(ReportLayout.load(specFile: url))
        // em by variant and expert count, two seeds each (std 1.41 everywhere).
        let em: [String: [Int: [Double]]] = ["moe": [8: [10, 12], 16: [14, 16], 32: [20, 22]],
                                             "moe-share": [8: [20, 22], 16: [15, 17], 32: [10, 12]],
                                             "hypermoe": [8: [12, 14], 16: [20, 22], 32: [30, 32]]]
        func cells(_ em: [String: [Int: [Double]]]) -> [CellResult] {
            em.flatMap { variant, byN in byN.flatMap { n, values in values.enumerated().map { seed, v in
                CellResult(spec: "t", profile: "default", label: "\(variant)-\(n)-\(seed)",
                           axes: ["variant": .string(variant), "experts": .int(Int64(n)), "seed": .int(Int64(seed))],
                           stages: ["test": .init(key: "k\(variant)\(n)\(seed)", status: .done, metrics: ["em": v])])
            } } }
        }
        let t = ReportBuilder(layout: layout, paper: try paper())
            .build(spec: "t", profile: "default", cells: cells(em), parameters: ["task": .string("cloze-qa")])
        XCTAssertEqual(t.columns.map(\.name), ["8", "16", "32"], "numeric columns in increasing order")
        // "all improve" is one test per row.
        let verdicts = Dictionary(uniqueKeysWithValues: t.claims.map { ($0.text, $0.verdict) })
        XCTAssertEqual(verdicts, ["moe improves": .reproduced, "share improves": .contradicted, "all improve — MoE": .reproduced,
                                  "all improve — MoE-Share": .contradicted, "all improve — HyperMoE": .reproduced,
                                  "gap grows": .reproduced, "gap grows vs share": .reproduced])
        let gap = t.claims.firstIndex { $0.text == "gap grows" }!
        XCTAssertTrue(t.claims[0].detail.hasPrefix("MoE: change 8 → 32: difference +10.00"), t.claims[0].detail)
        XCTAssertTrue(t.claims[0].detail.contains("means 11.00 at 8 vs 21.00 at 32"), t.claims[0].detail)
        // hypermoe − moe: +2 at 8, +10 at 32; hypermoe − moe-share: −8 at 8, +20 at 32.
        XCTAssertTrue(t.claims[gap].detail.contains("difference +8.00") && t.claims[gap].detail.contains("gap +2.00 at 8 vs +10.00 at 32"),
                      t.claims[gap].detail)
        XCTAssertTrue(t.claims[gap + 1].detail.contains("difference +28.00"), t.claims[gap + 1].detail)
        XCTAssertTrue(ReportRenderer.markdown(t).contains("all improve — MoE-Share: **contradicted**"))

        // Seeds that disagree about the trend: moe's change is +20 for seed 0 and −8 for seed 1.
        var noisy = em
        noisy["moe"] = [8: [10, 12], 16: [14, 16], 32: [30, 4]]
        let u = ReportBuilder(layout: layout, paper: try paper())
            .build(spec: "t", profile: "default", cells: cells(noisy), parameters: ["task": .string("cloze-qa")])
        XCTAssertEqual(u.claims[0].verdict, .inconclusive, u.claims[0].detail)
        XCTAssertEqual(u.claims[gap].verdict, .inconclusive, u.claims[gap].detail)
    }

    /// A claim that lacks what its kind needs, or has a kind that does not exist, is a spec error naming the
    /// file and the claim — not a silently inconclusive line.
    func testMalformedClaimsNameTheSpecAndPlace() throws {
        func load(_ claim: [String: Any]) throws -> ReportLayout? {
            let json: [String: Any] = ["paper": "table2", "title": "F3", "rows": "variant", "stage": "test",
                                       "metric": ["default": "em"], "backbone": "tiny", "claims": [["text": "ok", "better": "a", "worse": "b"], claim]]
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
            try JSONSerialization.data(withJSONObject: ["report": json]).write(to: url)
            return try ReportLayout.load(specFile: url)
        }
        func message(_ claim: [String: Any]) -> String {
            do { _ = try load(claim); return "no error" } catch { return "\(error)" }
        }
        var m = message(["text": "x", "kind": "improves", "better": "a"])
        XCTAssertTrue(m.contains("layout-") && m.contains("$.report.claims[1]: an 'improves' claim takes 'row'"), m)
        m = message(["text": "x", "kind": "gap_grows", "better": "a"])
        XCTAssertTrue(m.contains("$.report.claims[1]: a 'gap_grows' claim needs 'better' and 'worse'"), m)
        m = message(["text": "x", "kind": "gap-grows", "better": "a", "worse": "b"])
        XCTAssertTrue(m.contains("$.report.claims[1].kind"), m)
        m = message(["better": "a", "worse": "b"])
        XCTAssertTrue(m.contains("$.report.claims[1].text: missing required key 'text'"), m)
        XCTAssertEqual(try load(["text": "x", "kind": "improves"])?.claims?.last?.kind, .improves)
    }

    /// Table 1's layout (tasks as columns): each task's caption line gives that task's own split sizes and
    /// documents, not the first cell's (every line used to repeat one task's counts).
    func testCaptionCountsAreTheColumnTasksOwn() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["report": ["paper": "table1-glue", "title": "T1", "rows": "variant",
                                                               "columns": "task", "stage": "test", "metric": ["default": "pearson"],
                                                               "backbone": "tiny"]]).write(to: url)
        let layout = try XCTUnwrap(ReportLayout.load(specFile: url))
        func cell(_ task: String, _ counts: [Double]) -> CellResult {
            let names = ["train_examples", "validation_examples", "test_examples", "train_documents", "validation_documents", "test_documents"]
            return CellResult(spec: "t", profile: "default", label: task, axes: ["variant": .string("moe"), "task": .string(task)],
                              stages: ["test": .init(key: "t\(task)", status: .done, metrics: ["pearson": 50]),
                                       "data": .init(key: "d\(task)", status: .done, metrics: Dictionary(uniqueKeysWithValues: zip(names, counts)))])
        }
        let t = ReportBuilder(layout: layout, paper: try paper()).build(
            spec: "t", profile: "default", cells: [cell("vader-movie", [8000, 200, 500, 8000, 200, 500]), cell("lee-similarity", [406, 10, 120, 29, 5, 16])],
            parameters: [:])
        let lee = try XCTUnwrap(t.caption.first { $0.hasPrefix("`lee-similarity`") })
        XCTAssertTrue(lee.contains("split by document: 29 / 5 / 16 documents"), lee)
        XCTAssertTrue(lee.contains("(train 406 from 29 documents, validation 10 from 5 documents, test 120 from 16 documents)"), lee)
        let movie = try XCTUnwrap(t.caption.first { $0.hasPrefix("`vader-movie`") })
        XCTAssertTrue(movie.contains("(train 8000 from 8000 documents, validation 200 from 200 documents, test 500 from 500 documents)"), movie)
    }
}
