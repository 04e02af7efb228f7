import Foundation
import Pipeline
import TestSupport
import XCTest

/// Crash and concurrency behaviour, with real `hmpipe` processes.
final class ProcessTests: XCTestCase {
    /// Starts `hmpipe ARGS`. Foundation's `Process` on Linux starts the child in its own process group, so
    /// killing that group kills hmpipe and its commands at once, like a power loss would.
    /// stdout/stderr go to a log file in the project.
    private func launch(_ p: TestProject, _ args: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = try TestProject.binary()
        process.arguments = args
        process.currentDirectoryURL = p.root
        let out = p.root.appendingPathComponent(log)
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Polls a condition; the deadline only guards against a hung test, it asserts nothing about speed.
    private func waitFor(_ what: String, deadline: TimeInterval = 120, _ condition: () -> Bool) throws {
        let end = Date().addingTimeInterval(deadline)
        while !condition() {
            if Date() > end { throw TestFailure("gave up waiting for \(what)") }
            usleep(20_000)
        }
    }

    private func sweep(_ p: TestProject, gate: URL, seeds: Int) throws -> URL {
        // Cell 3 blocks until the gate file exists and records each start; every cell records each completion.
        try p.spec(pipeline: #"""
            {"name": "p", "parameters": {"seed": {"type": "integer"}}, "stages": {
              "w": {"kind": "command", "params": {"command": "echo x >> \#(p.counts.path)/start-${seed}; if [ ${seed} = 3 ]; then while [ ! -f \#(gate.path) ]; do sleep 0.02; done; fi; sleep 0.05; echo ${seed} > $HM_OUT/o; echo x >> \#(p.counts.path)/done-${seed}", "outputs": ["o"]}}}}
            """#, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [\#((1...seeds).map(String.init).joined(separator: ","))]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
    }

    func testSIGKILLMidSweepThenRerunCompletesEverythingExactlyOnce() throws {
        let p = try TestProject()
        let gate = p.root.appendingPathComponent("gate")
        let spec = try sweep(p, gate: gate, seeds: 6)
        let first = try launch(p, ["run", spec.path, "-j", "1", "--workspace", p.workspace.path], log: "first.log")
        try waitFor("cell 3 to start") { p.count("start-3") == 1 }
        // kill -9 the whole process group: hmpipe and the running command die without any cleanup.
        let pid = first.processIdentifier
        guard getpgid(pid) == pid else { throw TestFailure("hmpipe is not a process-group leader; cannot simulate a power loss") }
        XCTAssertEqual(kill(-pid, SIGKILL), 0)
        first.waitUntilExit()
        XCTAssertEqual(p.count("done-3"), 0)
        let leftRunning = try p.state().allStages().filter { $0.status == .running }
        XCTAssertEqual(leftRunning.map(\.name), ["w[seed=3]"], "the dead run left its lease behind")

        try "".write(to: gate, atomically: true, encoding: .utf8)
        let second = try launch(p, ["run", spec.path, "-j", "2", "--workspace", p.workspace.path], log: "second.log")
        second.waitUntilExit()
        XCTAssertEqual(second.terminationStatus, 0, (try? String(contentsOf: p.root.appendingPathComponent("second.log"), encoding: .utf8)) ?? "")
        for seed in 1...6 { XCTAssertEqual(p.count("done-\(seed)"), 1, "cell \(seed) completed exactly once") }
        XCTAssertEqual(p.count("start-3"), 2, "the interrupted cell was re-run")
        XCTAssertTrue(try p.state().allStages().allSatisfy { $0.status == .done })
        XCTAssertTrue(try p.state().events().contains { $0.kind == "interrupted" || $0.kind == "reclaimed" })
    }

    func testTwoConcurrentRunsExecuteEachStageExactlyOnce() throws {
        let p = try TestProject()
        let gate = p.root.appendingPathComponent("gate")
        try "".write(to: gate, atomically: true, encoding: .utf8)
        let spec = try sweep(p, gate: gate, seeds: 10)
        let a = try launch(p, ["run", spec.path, "-j", "2", "--workspace", p.workspace.path], log: "a.log")
        let b = try launch(p, ["run", spec.path, "-j", "2", "--workspace", p.workspace.path], log: "b.log")
        a.waitUntilExit()
        b.waitUntilExit()
        let logs = ["a.log", "b.log"].map { (try? String(contentsOf: p.root.appendingPathComponent($0), encoding: .utf8)) ?? "" }
        XCTAssertEqual(a.terminationStatus, 0, logs[0])
        XCTAssertEqual(b.terminationStatus, 0, logs[1])
        for seed in 1...10 {
            XCTAssertEqual(p.count("start-\(seed)"), 1, "cell \(seed) started once")
            XCTAssertEqual(p.count("done-\(seed)"), 1, "cell \(seed) completed once")
        }
        let runs = try p.state().runs()
        XCTAssertEqual(runs.map(\.executed).reduce(0, +), 10)
    }

    func testExecStageRunsOnePlannedStageByKey() throws {
        let p = try TestProject()
        let gate = p.root.appendingPathComponent("gate")
        try "".write(to: gate, atomically: true, encoding: .utf8)
        let spec = try sweep(p, gate: gate, seeds: 2)
        _ = try p.run(spec) { $0.only = ["nothing-matches"] }   // plans (records stage rows) without running
        let key = try p.state().allStages().first { $0.name == "w[seed=2]" }!.key
        let outcome = try ExecStage.run(key: String(key.prefix(10)), workspace: p.workspace)
        XCTAssertEqual(outcome, .executed)
        XCTAssertEqual(p.count("done-2"), 1)
        XCTAssertEqual(try ExecStage.run(key: key, workspace: p.workspace), .cached)
        XCTAssertEqual(try p.run(spec).executed.count, 1, "only seed 1 was left")
    }
}
