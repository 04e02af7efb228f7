import Foundation
import Pipeline
import TestSupport
import XCTest

/// `hmpipe gc` in a loop while a real `hmpipe run` works on the same workspace: the run finishes with every
/// stage done and stored, and gc deletes nothing while the run is active (before: the run failed with
/// "declared output … was not created" or committed a stage whose object gc had just deleted).
final class GCDuringRunTests: XCTestCase {
    func testGCInALoopDuringARunBreaksNothing() throws {
        let binary = try TestProject.binary()
        let p = try TestProject()
        // Three chained stages per seed over a shared upstream; every stage takes a moment and writes two files,
        // one of them identical across seeds (an object a later stage re-uses while gc looks at the store).
        let spec = try p.spec(pipeline: #"""
            {"name": "p", "parameters": {"seed": {"type": "integer"}}, "stages": {
              "prep": {"kind": "command", "params": {"command": "sleep 0.1; seq 100 > $HM_OUT/data.txt", "outputs": ["data.txt"]}},
              "a": {"kind": "command", "inputs": {"d": "prep:data.txt"}, "params": {"command": "sleep 0.05; cat $HM_IN_D > $HM_OUT/same.txt; echo ${seed} > $HM_OUT/a.txt", "outputs": ["a.txt", "same.txt"]}},
              "b": {"kind": "command", "inputs": {"a": "a:a.txt", "s": "a:same.txt"}, "params": {"command": "sleep 0.05; cat $HM_IN_A $HM_IN_S > $HM_OUT/b.txt", "outputs": ["b.txt"]}},
              "c": {"kind": "command", "inputs": {"b": "b:b.txt"}, "params": {"command": "sleep 0.05; wc -l < $HM_IN_B > $HM_OUT/final.txt", "outputs": ["final.txt"]}}}}
            """#, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [\#((1...40).map(String.init).joined(separator: ", "))]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)

        func hmpipe(_ arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments + ["--workspace", p.workspace.path]
            process.currentDirectoryURL = p.root
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let run = try hmpipe(["run", spec.path, "-j", "2"])
        var gcs = 0, refused = 0
        while run.isRunning {
            let gc = Process()
            gc.executableURL = binary
            gc.arguments = ["gc", "--workspace", p.workspace.path]
            let err = Pipe()
            gc.standardError = err
            gc.standardOutput = FileHandle.nullDevice
            try gc.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            gc.waitUntilExit()
            gcs += 1
            if gc.terminationStatus != 0 {
                XCTAssertTrue(text.contains("is in use by a running hmpipe"), text)
                refused += 1
            }
        }
        XCTAssertEqual(run.terminationStatus, 0, "the run must succeed while gc loops (\(gcs) gc calls)")
        XCTAssertGreaterThan(refused, 0, "gc ran \(gcs) times but never met the run")
        // Everything is done and stored: verify re-hashes every artifact, a no-op run executes nothing.
        let stages = try p.state().allStages()
        XCTAssertEqual(stages.count, 1 + 3 * 40)
        XCTAssertTrue(stages.allSatisfy { $0.status == .done })
        let verify = try Maintenance.verify(workspace: Workspace(p.workspace), state: try p.state())
        XCTAssertEqual(verify.checked, 1 + 40 * 4)
        XCTAssertTrue(verify.problems.isEmpty, "\(verify.problems)")
        let again = try p.run(spec)
        XCTAssertEqual(again.executed.count, 0)
        // With no run active gc works again.
        XCTAssertNoThrow(try Maintenance.gc(workspace: Workspace(p.workspace), state: try p.state()))
    }
}
