import Foundation
import TestSupport
import XCTest

/// Every experiment spec's smoke profile end to end through the release `hmpipe` binary: `run`, then
/// `report --format json`, asserting on the produced table (rows, columns, numbers, paper rows).
/// Needs network access to PyPI the first time (pinned packages); the fetch cache makes later runs offline.
final class SmokeSpecsTests: XCTestCase {
    let repo = ReleaseBinary.repo
    func hmpipe(_ args: [String]) throws -> (Int32, String) { try ReleaseBinary.run(args) }

    func testEverySpecSmokeProfileRunsAndReports() throws {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("hm-smoke-\(UUID())")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let specs = try FileManager.default.contentsOfDirectory(atPath: repo.appendingPathComponent("experiments").path)
            .filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertTrue(specs.contains("table3.json"))
        for spec in specs {
            let path = "experiments/\(spec)"
            let (code, log) = try hmpipe(["run", path, "--profile", "smoke", "--workspace", workspace.path])
            XCTAssertEqual(code, 0, "\(spec) smoke run failed:\n\(log)")
            guard code == 0 else { continue }
            let (rc, json) = try hmpipe(["report", path, "--profile", "smoke", "--format", "json", "--workspace", workspace.path])
            // The command-stage example and the backbone comparison have no report block.
            if spec.hasPrefix("example") || spec == "backbone.json" { continue }
            XCTAssertEqual(rc, 0, json)
            let table = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(spec): \(json)")
            let rows = try XCTUnwrap(table["rows"] as? [[String: Any]])
            let columns = try XCTUnwrap(table["columns"] as? [[String: Any]])
            XCTAssertGreaterThanOrEqual(rows.count, 2, spec)
            XCTAssertGreaterThanOrEqual(columns.count, 1, spec)
            for row in rows {
                let cells = try XCTUnwrap(row["cells"] as? [Any])
                XCTAssertEqual(cells.count, columns.count, spec)
                for case let cell as [String: Any] in cells {
                    let values = try XCTUnwrap((cell["perSeed"] as? [String: Double]).map { Array($0.values) }, "\(spec): unfinished cell")
                    XCTAssertFalse(values.isEmpty, "\(spec): empty cell in \(row["key"] ?? "?")")
                    XCTAssertTrue(values.allSatisfy(\.isFinite), spec)
                }
            }
            // Summarization columns (encoder–decoder, beam search, ROUGE) are filled, not shown as unavailable.
            let names = columns.compactMap { $0["name"] as? String }
            let summarization: [String] = spec == "table2.json"
                ? ["xsum_test.rouge1", "xsum_test.rouge2", "xsum_test.rougeL", "cnndm_test.rouge1", "cnndm_test.rouge2", "cnndm_test.rougeL"]
                : spec == "figure4.json" ? ["xsum_test.rouge2", "cnndm_test.rouge2"] : []
            for name in summarization {
                let i = try XCTUnwrap(names.firstIndex(of: name), "\(spec): no column \(name) in \(names)")
                XCTAssertNil(columns[i]["unavailable"], "\(spec): \(name)")
                for row in rows {
                    let cell = (row["cells"] as? [Any])?[i] as? [String: Any]
                    let values = try XCTUnwrap((cell?["perSeed"] as? [String: Double]).map { Array($0.values) }, "\(spec): \(name) unfinished")
                    XCTAssertTrue(values.allSatisfy { (0...100).contains($0) }, "\(spec): \(name) = \(values)")
                }
            }
            if ["table3.json", "table1.json", "figure3.json", "table2.json", "figure4.json"].contains(spec) {
                // Fine-tuned from the pre-trained MoE backbone, whose diagnostics the caption reports.
                let caption = (table["caption"] as? [String] ?? []).joined(separator: "\n")
                XCTAssertTrue(caption.contains("MoE backbone (`") && caption.contains("held-out MLM loss"), "\(spec): \(caption)")
            }
            if spec == "table2.json" {   // the LM evaluation writes per-block token NLL, so perplexity is resampled too
                let claims = table["claims"] as? [[String: Any]] ?? []
                let ppl = try XCTUnwrap(claims.first { ($0["text"] as? String ?? "").contains("perplexity") }, "table2: no perplexity claim")
                let interval = try XCTUnwrap(ppl["bootstrap"] as? [Double], "table2: perplexity claim without a bootstrap interval")
                XCTAssertTrue(interval.count == 2 && interval[0] <= interval[1], "\(interval)")
            }
            if spec == "table4.json" {   // generation speed: train and eval (beam search) of the encoder–decoder
                for name in ["xsum_train.train_samples_per_second", "xsum_test.eval_samples_per_second"] {
                    XCTAssertTrue(names.contains(name), "table4: no column \(name) in \(names)")
                    let line = (table["caption"] as? [String] ?? []).first { $0.hasPrefix("`\(name)`") } ?? ""
                    // Its caption counts the summarization data, not the QA task's.
                    XCTAssertTrue(line.contains("lead summaries") && line.contains("test 4 from 4 documents)"), line)
                }
            }
            if spec != "figure4.json" {   // the paper gives no Figure 4 values in its text
                XCTAssertFalse((table["paperRows"] as? [Any] ?? []).isEmpty, "\(spec): no paper rows")
            }
            XCTAssertEqual(table["cellsDone"] as? Int, table["cellsTotal"] as? Int, spec)
        }
    }

    func testStageParameterMistakesAreReportedBeforeAnythingRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-bad-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("bad.json")
        let json = #"{"name":"bad","pipelines":["\#(repo.path)/pipelines/finetune-minilm.json"],"#
            + #""parameters":{"task":"cloze-qaa","variant":"moe"},"profiles":{"smoke":{},"default":{},"paper":{}}}"#
        try json.write(to: spec, atomically: true, encoding: .utf8)
        let (code, out) = try hmpipe(["run", spec.path, "--dry-run", "--workspace", dir.appendingPathComponent("ws").path])
        XCTAssertEqual(code, 2, out)
        XCTAssertTrue(out.contains("$.stages.data.params.task: unknown task 'cloze-qaa'"), out)
        let stored = (try? FileManager.default.subpathsOfDirectory(atPath: dir.appendingPathComponent("ws/cas").path)) ?? []
        XCTAssertTrue(stored.isEmpty, "nothing may run: \(stored)")
    }
}
