import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest

final class ExecutionTests: XCTestCase {
    func testKeepGoingRunsIndependentCellsAndRetryRunsOnlyFailures() throws {
        let p = try TestProject()
        let flag = p.root.appendingPathComponent("fixed")
        let spec = try p.spec(pipeline: #"""
            {"name": "p", "parameters": {"seed": {"type": "integer"}}, "stages": {
              "w": {"kind": "command", "params": {"command": "echo x >> \#(p.counts.path)/w-${seed}; if [ ${seed} = 2 ] && [ ! -f \#(flag.path) ]; then exit 3; fi; echo ok > $HM_OUT/o", "outputs": ["o"]}},
              "after": {"kind": "command", "inputs": {"o": "w:o"}, "params": {"command": "cp $HM_IN_O $HM_OUT/o2", "outputs": ["o2"]}}}}
            """#, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [1, 2, 3]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        var s = try p.run(spec, jobs: 1) { $0.keepGoing = true }
        XCTAssertEqual(s.failed.map(\.name), ["w[seed=2]"])
        XCTAssertTrue(s.failed[0].message.contains("status 3"))
        XCTAssertEqual(s.skipped, ["after[seed=2]"])
        XCTAssertEqual(s.executed.count, 4)
        let failedRow = try p.state().allStages().first { $0.name == "w[seed=2]" }!
        XCTAssertEqual(failedRow.status, .failed)
        XCTAssertEqual(failedRow.exitCode, 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: failedRow.logPath!))

        try "".write(to: flag, atomically: true, encoding: .utf8)
        s = try p.run(spec)
        XCTAssertTrue(s.succeeded)
        XCTAssertEqual(s.executed.count, 2)
        XCTAssertEqual([p.count("w-1"), p.count("w-2"), p.count("w-3")], [1, 2, 1])
    }

    func testMissingDeclaredOutputIsAFailureNotACacheEntry() throws {
        let p = try TestProject()
        let spec = try p.spec(pipeline: #"{"name": "p", "stages": {"s": {"kind": "command", "params": {"command": "true", "outputs": ["never"]}}}}"#,
                              experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        let s = try p.run(spec)
        XCTAssertEqual(s.failed.count, 1)
        XCTAssertTrue(s.failed[0].message.contains("'never'"))
        XCTAssertEqual(try p.run(spec).failed.count, 1, "retried, not cached")
    }

    func testMetricsAndCellQueryAPI() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2]))
        _ = try p.run(spec)
        let cells = try p.state().cellResults(spec: "e")
        XCTAssertEqual(cells.map(\.label), ["seed=1", "seed=2"])
        XCTAssertEqual(cells[1].axes["seed"], .int(2))
        XCTAssertEqual(cells[1].stages["work"]?.metrics["score"], 2.5)
        XCTAssertEqual(cells[1].metrics["work.score"], 2.5)
        XCTAssertEqual(cells[0].stages["work"]?.status, .done)
        XCTAssertEqual(cells[0].stages["prep"]?.key, cells[1].stages["prep"]?.key, "shared node")
        XCTAssertEqual(try p.state().specs().map(\.spec), ["e"])
    }

    func testThreadsTimesJobsNeverExceedsCores() {
        var o = RunOptions(workspace: URL(fileURLWithPath: "/tmp"))
        for jobs in 1...8 {
            o.jobs = jobs
            o.threads = 64
            let (j, t) = o.resolvedParallelism
            XCTAssertTrue(j * t <= max(RunOptions.cores, j), "jobs \(j) × threads \(t)")
            XCTAssertGreaterThanOrEqual(t, 1)
        }
    }

    func testStatusCountsAndStaleReasons() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2]))
        _ = try p.run(spec)
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2, 3], extra: #""parameters": {"size": 5},"#))
        let state = try p.state()
        let graph = try StageGraph.build(try ExperimentSpec.load(spec), hashFile: FileHasher(state: state).hash)
        let status = try SpecStatus.compute(graph: graph, state: state, store: ArtifactStore(workspace: Workspace(p.workspace)))
        XCTAssertEqual(status.count(.stale, cells: false), 3)
        XCTAssertEqual(status.count(.pending, cells: false), 1)
        XCTAssertEqual(status.count(.stale), 3, "every cell needs the stale prep")
        XCTAssertTrue(status.reasons["prep"]?.contains("params.command changed") == true, "\(status.reasons)")
        XCTAssertTrue(status.reasons["work[seed=1]"]?.contains("upstream prep changed") == true, "\(status.reasons)")
    }
}
