import CommandStage
import Formats
import Foundation
import Pipeline
import StageInterface
import TestSupport
import XCTest

/// The generic `command` kind decodes its parameters strictly at plan time, like the built-in ML kinds
/// (`PipelineTests/StageParameterTests`); before, its unknown key came once per cell, without a suggestion.
final class CommandKindTests: XCTestCase {
    func testCommandKindUnknownKeyIsReportedOnceWithASuggestion() throws {
        let p = try TestProject()
        try p.spec(pipeline: #"{"name": "p", "parameters": {"seed": {"type": "integer"}}, "stages": {"s": {"kind": "command", "params": {"command": "echo ${seed}", "outputs": ["o"], "evn": {}}}}}"#,
                   experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [1, 2, 3, 4]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        do {
            _ = try StageGraph.build(try ExperimentSpec.load(p.root.appendingPathComponent("experiments/e.json")))
            XCTFail("accepted")
        } catch let e as SpecErrors {
            XCTAssertEqual(e.errors.map(\.description), [
                "\(p.root.path)/pipelines/p.json: $.stages.s.params.evn: unknown parameter for kind 'command' (known: command, env, outputs) (first in cell seed=1) (did you mean 'env'?)",
            ])
        }
    }

    /// A stage cancelled while its command runs is cancelled, even when the shell outlives its killed child: CI
    /// once recorded a scancelled stage as done because the `sleep` died first and the script's last line
    /// (writing the output) ran and exited 0.
    func testCancelledCommandIsCancelledNotDoneEvenIfItsScriptCouldFinish() throws {
        let start = Date()
        let (context, out, cleanup) = try commandContext("sleep 30; echo late > \"$HM_OUT/o\"",
                                                         isCancelled: { Date().timeIntervalSince(start) > 0.5 })
        defer { cleanup() }
        XCTAssertThrowsError(try CommandKind().run(context)) { error in
            XCTAssertTrue(error is StageCancelled, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "the sleep was not stopped")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("o").path),
                       "the script ran on after its child was killed")
    }

    /// The race CI hit under Slurm: scancel signals every process of the job, so the command's `sleep` dies and
    /// the stop flag is set at the same moment; the shell runs the script's last line and exits 0 before the
    /// 100 ms poll sees the flag. That exit 0 must not make the stage done.
    func testCommandWhoseChildIsKilledAsTheRunStopsIsCancelled() throws {
        final class Flag: @unchecked Sendable { let lock = NSLock(); var set = false }
        let flag = Flag()
        let (context, _, cleanup) = try commandContext("echo $$ > \"$HM_CKPT/pid\"; sleep 30; echo late > \"$HM_OUT/o\"",
                                                       isCancelled: { flag.lock.withLock { flag.set } })
        defer { cleanup() }
        let pidFile = context.checkpointDirectory.appendingPathComponent("pid")
        let killer = Thread {
            // Wait for the shell's sleep, then stop the run and kill the sleep together, as scancel does.
            for _ in 0..<200 {
                Thread.sleep(forTimeInterval: 0.05)
                guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
                      let shell = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                      let children = try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8),
                      let child = children.split(separator: " ").first.flatMap({ Int32($0) }) else { continue }
                flag.lock.withLock { flag.set = true }
                kill(child, SIGTERM)
                return
            }
        }
        killer.start()
        let start = Date()
        XCTAssertThrowsError(try CommandKind().run(context)) { error in
            XCTAssertTrue(error is StageCancelled, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "the sleep was not stopped")
    }

    /// A `command` stage's context in a fresh temporary folder (removed by the returned cleanup).
    private func commandContext(_ command: String, isCancelled: @escaping @Sendable () -> Bool) throws
        -> (context: StageContext, out: URL, cleanup: () -> Void) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-cancel-\(UUID())")
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let context = StageContext(
            key: "k", parameters: ["command": .string(command), "outputs": ["o"]], inputs: [:], outputDirectory: out,
            checkpointDirectory: dir, logFile: dir.appendingPathComponent("log"), threads: 1, metric: { _, _, _ in },
            log: { _ in }, isCancelled: isCancelled)
        return (context, out, { try? FileManager.default.removeItem(at: dir) })
    }
}
