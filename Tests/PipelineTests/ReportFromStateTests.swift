import Foundation
import Formats
import Pipeline
import Stages
import TestSupport
import XCTest
import Report

/// `hmpipe report` on a hand-built SQLite state: Figure 3's real spec planned into a fresh workspace, its test
/// stages committed with chosen EM values (one seed failed), then the CLI renders it. Nothing trains; what is
/// checked is state → cells → table → Markdown, including the trend claims and the missing-cell mark.
final class ReportFromStateTests: XCTestCase {
    func testFigure3ReportFromAHandBuiltState() throws {
        let repo = ReleaseBinary.repo
        let workspace = try TestProject().workspace
        let state = try Runner.openState(Workspace(workspace))
        // Hashes of the pinned input files do not matter here (nothing runs), so none are read.
        let graph = try StageGraph.build(try ExperimentSpec.load(repo.appendingPathComponent("experiments/figure3.json")),
                                         profile: "default", registry: .builtIn, hashFile: { _ in String(repeating: "0", count: 64) })
        XCTAssertEqual(graph.cells.count, 27)
        try state.recordPlan(graph)
        let run = try state.beginRun(command: "test", specs: ["figure3"], profile: "default")

        // EM = base + slope × log2(N / 8) + (seed − 1) / 2: every row improves with N, HyperMoE's gap grows.
        let base = ["moe": 10.0, "moe-share": 11, "hypermoe": 12], slope = ["moe": 2.0, "moe-share": 1, "hypermoe": 4]
        for cell in graph.cells {
            guard case .string(let variant)? = cell.axes["variant"], case .int(let n)? = cell.axes["experts"],
                  case .int(let seed)? = cell.axes["seed"], let key = cell.stages["test"] else { return XCTFail("cell \(cell.label)") }
            XCTAssertEqual(try state.claim(key: key, runId: run, force: false, threads: 1), .claimed(attempt: 1))
            if variant == "moe", n == 16, seed == 2 {
                try state.commitFailure(key: key, runId: run, status: .failed, exitCode: 1, error: "loss is NaN at step 3")
                continue
            }
            let em = base[variant]! + slope[variant]! * log2(Double(n) / 8) + (Double(seed) - 1) / 2
            try state.recordMetric(key: key, name: "em", value: em, step: nil)
            XCTAssertTrue(try state.commitDone(key: key, runId: run, artifacts: []))
        }

        let (code, md) = try ReleaseBinary.run(["report", "experiments/figure3.json", "--workspace", workspace.path])
        XCTAssertEqual(code, 0, md)
        XCTAssertTrue(md.contains("_Spec `figure3`, 26 of 27 runs done._"), md)
        XCTAssertTrue(md.contains("| MoE | 10.00 ± 0.50 (3) | 11.75 ± 0.35 (2) +1 missing | 14.00 ± 0.50 (3) |"), md)
        XCTAssertTrue(md.contains("| HyperMoE | **12.00 ± 0.50 (3)** | **16.00 ± 0.50 (3)** | **20.00 ± 0.50 (3)** |"), md)
        XCTAssertTrue(md.contains("| _paper: HyperMoE_ | _83.51_ |  |  |"), md)
        // Seeds shift every variant alike, so the paired differences have no spread: p < 0.001 after Holm.
        for claim in ["HyperMoE beats MoE (average over expert counts): **reproduced** — HyperMoE − MoE on mean over 3 columns: difference +4.00",
                      "HyperMoE beats MoE at 32 experts: **reproduced** — HyperMoE − MoE on 32: difference +6.00, 95% CI [+6.00, +6.00], p < 0.001, Holm p < 0.001 (7 tests in this table), n = 3",
                      "Every method improves from 8 to 32 experts — MoE: **reproduced**",
                      "Every method improves from 8 to 32 experts — HyperMoE: **reproduced**",
                      "HyperMoE's gap over MoE grows from 8 to 32 experts: **reproduced** — growth of the gap HyperMoE − MoE from 8 to 32: difference +4.00",
                      "means gap +2.00 at 8 vs +6.00 at 32"] {
            XCTAssertTrue(md.contains(claim), "\(claim)\n\(md)")
        }
        // --out writes the three files and an index that lists each claim's verdict under its report.
        let out = try TestProject().root.appendingPathComponent("results")
        let (outCode, outLog) = try ReleaseBinary.run(["report", "experiments/figure3.json", "--workspace", workspace.path, "--out", out.path])
        XCTAssertEqual(outCode, 0, outLog)
        let index = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(index.contains("- [Figure 3 — cloze-QA EM vs number of experts](figure3.md) — Spec `figure3`, 26 of 27 runs done.\n"
                                     + "  - HyperMoE beats MoE (average over expert counts): **reproduced**\n"), index)
        XCTAssertTrue(index.contains("  - HyperMoE's gap over MoE grows from 8 to 32 experts: **reproduced**\n"), index)
        // `hmpipe power`: the paired differences are constant here (sd 0), so 2 seeds detect them; the cost is the
        // recorded test-stage time per seed (started at claim, finished at commit).
        let (powerCode, plan) = try ReleaseBinary.run(["power", "experiments/figure3.json", "--workspace", workspace.path])
        XCTAssertEqual(powerCode, 0, plan)
        XCTAssertTrue(plan.contains("- HyperMoE beats MoE at 32 experts\n  now n = 3, sd of differences 0.000, observed difference +6.000"), plan)
        XCTAssertTrue(plan.contains("to detect the observed difference: 2 seeds — 0 min of stage time in all"), plan)
        XCTAssertTrue(plan.contains("per seed, as recorded)"), plan)
        // The written JSON reads back: re-rendering from it (no state) gives the same report.
        let again = try TestProject().root.appendingPathComponent("again")
        let (backCode, backLog) = try ReleaseBinary.run(["report", "experiments/figure3.json", "--from-results", out.path, "--out", again.path])
        XCTAssertEqual(backCode, 0, backLog)
        XCTAssertEqual(try String(contentsOf: again.appendingPathComponent("figure3.md"), encoding: .utf8),
                       try String(contentsOf: out.appendingPathComponent("figure3.md"), encoding: .utf8))
        XCTAssertEqual(try String(contentsOf: again.appendingPathComponent("figure3.csv"), encoding: .utf8),
                       try String(contentsOf: out.appendingPathComponent("figure3.csv"), encoding: .utf8))
        for file in ["figure3.md", "figure3.csv", "figure3.json", "figure3.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        // HyperMoE − MoE-Share is 1, 4, 7 at 8, 16, 32 experts: +4.00 on average, beyond the 0.5 spread.
        XCTAssertTrue(md.contains("HyperMoE beats MoE-Share (average over expert counts): **reproduced** — HyperMoE − MoE-Share on mean over 3 columns: difference +4.00"), md)
    }
}
