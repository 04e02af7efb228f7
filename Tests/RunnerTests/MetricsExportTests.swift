import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest

/// `hmpipe metrics`: every recorded metric of a spec's cells, one row per (cell, stage, metric, step).
final class MetricsExportTests: XCTestCase {
    /// A real run of command stages that log a per-step curve and a final value, exported by the release binary.
    func testExportsCurvesAndFinalValuesWithAxisColumns() throws {
        let p = try TestProject()
        let spec = try p.spec(pipeline: #"""
            {"name": "p", "parameters": {"seed": {"type": "integer"}, "metric": {"type": "string"}},
             "stages": {"fit": {"kind": "command", "params": {
               "command": "for i in 1 2 3; do echo \"loss $((10 - i * ${seed})) $i\" >> $HM_METRICS; done; echo \"acc 0.${seed}5\" >> $HM_METRICS; touch $HM_OUT/w",
               "outputs": ["w"]}}}}
            """#, experiment: #"""
            {"name": "e", "pipelines": ["../pipelines/p.json"],
             "grid": {"axes": {"seed": [1, 2], "metric": ["a,b"]}},
             "profiles": {"smoke": {}, "default": {}, "paper": {}}}
            """#)
        let ws = p.workspace.path
        var (code, log) = try ReleaseBinary.run(["run", spec.path, "--workspace", ws])
        XCTAssertEqual(code, 0, log)

        (code, log) = try ReleaseBinary.run(["metrics", spec.path, "--workspace", ws, "--format", "csv"])
        XCTAssertEqual(code, 0, log)
        let lines = log.split(separator: "\n").map(String.init)
        // The axis named like a fixed column is renamed, and its value (with a comma) is quoted.
        XCTAssertEqual(lines.first, "spec,profile,cell,axis_metric,seed,stage,stage_key,status,metric,step,value")
        XCTAssertEqual(lines.count, 1 + 2 * 4, log)   // 2 cells × (3 loss steps + 1 final acc)
        let seed2 = lines.filter { $0.contains(",\"a,b\",2,fit,") }
        XCTAssertEqual(seed2.count, 4, log)
        XCTAssertTrue(seed2[0].hasSuffix(",done,acc,,0.25"), seed2[0])
        XCTAssertTrue(seed2[1].hasSuffix(",done,loss,1,8.0"), seed2[1])
        XCTAssertTrue(seed2[3].hasSuffix(",done,loss,3,4.0"), seed2[3])

        let out = p.root.appendingPathComponent("m.jsonl")
        (code, log) = try ReleaseBinary.run(["metrics", spec.path, "--workspace", ws, "--format", "jsonl", "--out", out.path])
        XCTAssertEqual(code, 0, log)
        XCTAssertTrue(log.contains("wrote 8 rows"), log)
        let rows = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(rows.count, 8)
        let last = try XCTUnwrap(rows.last { ($0["seed"] as? Int) == 1 && ($0["metric"] as? String) == "loss" })
        XCTAssertEqual(last["step"] as? Int, 3)
        XCTAssertEqual(last["value"] as? Double, 7)
        XCTAssertEqual(last["axis_metric"] as? String, "a,b")
        XCTAssertEqual(last["stage"] as? String, "fit")
    }

    func testBadInputsSayWhatIsWrong() throws {
        let p = try TestProject()
        let spec = try p.spec(pipeline: #"{"name": "p", "stages": {"s": {"kind": "command", "params": {"command": "true"}}}}"#,
                              experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        var (code, log) = try ReleaseBinary.run(["metrics", spec.path, "--workspace", p.workspace.path])
        XCTAssertNotEqual(code, 0)
        XCTAssertTrue(log.contains("no state database at \(p.workspace.path)/state.sqlite"), log)
        (code, log) = try ReleaseBinary.run(["metrics", spec.path, "--format", "xlsx"])
        XCTAssertNotEqual(code, 0)
        XCTAssertTrue(log.contains("--format must be csv or jsonl, not 'xlsx'"), log)
        (code, log) = try ReleaseBinary.run(["metrics", spec.path, "--profile", "paperr", "--workspace", p.workspace.path])
        XCTAssertNotEqual(code, 0)
        XCTAssertTrue(log.contains("no profile 'paperr' (have: default, paper, smoke)"), log)
    }

    /// Non-finite values: CSV writes what pandas reads, JSON Lines writes null (JSON has no NaN).
    func testNonFiniteValues() {
        let row = MetricRow(cell: "c", axes: ["seed": .int(1)], stage: "train", stageKey: "k", status: .failed,
                            metric: "train_loss", step: 5, value: .nan)
        XCTAssertEqual(MetricsExport.render([row], spec: "e", profile: "default", format: .csv),
                       "spec,profile,cell,seed,stage,stage_key,status,metric,step,value\ne,default,c,1,train,k,failed,train_loss,5,NaN\n")
        XCTAssertEqual(MetricsExport.render([row], spec: "e", profile: "default", format: .jsonl),
                       #"{"cell":"c","metric":"train_loss","profile":"default","seed":1,"spec":"e","stage":"train","stage_key":"k","status":"failed","step":5,"value":null}"# + "\n")
    }
}
