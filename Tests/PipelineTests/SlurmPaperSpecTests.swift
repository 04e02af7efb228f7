import Foundation
import Pipeline
import TestSupport
import XCTest

/// The paper's pipelines through `hmpipe run --executor slurm` against a real Slurm (the local one of
/// `scripts/slurm-local.sh`; see `RunnerTests/SlurmExecutorTests` for the executor over `command` stages):
/// the built-in ML kinds and the report, end to end. Skipped like those when no Slurm answers.
final class SlurmPaperSpecTests: XCTestCase {
    let repo = ReleaseBinary.repo

    override func setUpWithError() throws { try LocalSlurm.require() }

    /// Item 1 of the issue: the smoke profile of a paper spec through Slurm gives the local executor's table.
    func testSmokeSpecThroughSlurmReportsTheSameTableAsLocal() throws {
        let dir = try temporaryDirectory("hm-slurm-smoke")
        let spec = "experiments/table1.json"   // the fastest smoke spec (~20 s locally)
        var tables: [String: Any] = [:]
        for executor in ["local", "slurm"] {
            let workspace = dir.appendingPathComponent(executor).path
            // One thread per stage in both: results are deterministic for a given seed and thread count.
            let started = Date()
            let (code, log) = try ReleaseBinary.run(["run", spec, "--profile", "smoke", "--threads", "1",
                                                     "--executor", executor, "--workspace", workspace])
            XCTAssertEqual(code, 0, "\(executor) run failed:\n\(log)")
            print("table1 smoke, \(executor) executor: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            let (rc, json) = try ReleaseBinary.run(["report", spec, "--profile", "smoke", "--format", "json", "--workspace", workspace])
            XCTAssertEqual(rc, 0, json)
            // Every number of the table except throughput (samples/s), which measures the machine, not the result.
            let rows = try XCTUnwrap(try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])["rows"] as? [[String: Any]])
            tables[executor] = rows.map { row in
                row.merging(["extra": (row["extra"] as? [String: Any] ?? [:]).filter { !$0.key.hasSuffix("_per_second") }]) { _, new in new }
            }
        }
        let exits = try FileManager.default.subpathsOfDirectory(atPath: dir.appendingPathComponent("slurm/slurm").path)
            .filter { $0.hasSuffix(".exit") }
        let stages = try Runner.openState(Workspace(dir.appendingPathComponent("slurm"))).allStages()
        XCTAssertEqual(exits.count, stages.count, "every stage ran as its own Slurm job")
        let local = try XCTUnwrap(tables["local"] as? [[String: Any]])
        let slurm = try XCTUnwrap(tables["slurm"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(local.count, 2)
        XCTAssertEqual(NSArray(array: local), NSArray(array: slurm), "the Slurm run's table differs from the local run's")
    }

    /// Item 2 and 5: a job killed mid-training (scancel) fails that run; the next run submits it again and the
    /// training resumes from its checkpoint instead of starting over.
    func testScancelledTrainingJobIsCompletedByTheNextRun() throws {
        let dir = try temporaryDirectory("hm-slurm-scancel")
        let specFile = dir.appendingPathComponent("resume.json")
        let profile: [String: Any] = ["parameters": [String: Any]()]
        try JSONSerialization.data(withJSONObject: [
            "name": "slurm-scancel",
            "pipelines": [repo.appendingPathComponent("pipelines/finetune-minilm-sentences.json").path],
            "parameters": ["task": "vader-movie", "backbone": "scratch", "variant": "moe", "experts": 2,
                           "pretrain_steps": 2, "pretrain_batch_size": 4,
                           "steps": 80, "batch_size": 8, "max_train": 400, "max_test": 32, "max_length": 64],
            "grid": ["axes": ["seed": [5]]],
            "profiles": ["smoke": profile, "default": profile, "paper": profile],
            "targets": ["train"],
        ] as [String: Any]).write(to: specFile)
        let workspace = dir.appendingPathComponent("ws")
        let args = ["run", specFile.path, "--executor", "slurm", "--workspace", workspace.path]

        let first = try ReleaseBinary.process(args)
        let log = Pipe()
        first.standardError = log
        try first.run()
        let state = try Poll.state(workspace)
        let trainKey = try Poll.until("the training stage to write a checkpoint") { () -> String? in
            guard let row = try state.allStages().first(where: { $0.template == "train" }), row.status == .running else { return nil }
            let dir = Workspace(workspace).checkpointDirectory(key: row.key).appendingPathComponent("resume.safetensors.zst")
            return FileManager.default.fileExists(atPath: dir.path) ? row.key : nil
        }
        let job = try XCTUnwrap(try state.openSlurmJobs(keys: [trainKey]).last?.jobId)
        XCTAssertEqual(try LocalSlurm.run(["scancel", job]).0, 0)
        first.waitUntilExit()
        let firstLog = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(first.terminationStatus, 1, firstLog)
        XCTAssertTrue(firstLog.contains("slurm job \(job) was cancelled"), firstLog)
        XCTAssertNotEqual(try state.stage(trainKey)?.status, .done)

        let (code, secondLog) = try ReleaseBinary.run(args)
        XCTAssertEqual(code, 0, secondLog)
        XCTAssertEqual(try state.stage(trainKey)?.status, .done)
        let jobs = try state.events(stageKey: trainKey).filter { $0.kind == "submitted" }
        XCTAssertEqual(jobs.count, 2, "one job cancelled, one resubmitted: \(jobs.map(\.message))")
        let logs = try FileManager.default.subpathsOfDirectory(atPath: workspace.appendingPathComponent("logs").path)
            .filter { $0.contains(trainKey) }
            .map { try String(contentsOf: workspace.appendingPathComponent("logs").appendingPathComponent($0), encoding: .utf8) }
        XCTAssertTrue(logs.contains { $0.contains("resumed at step") }, "the resubmitted job did not resume from the checkpoint")
    }

    // MARK: helpers

    private func temporaryDirectory(_ prefix: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}
