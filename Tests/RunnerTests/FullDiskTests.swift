import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest

/// A workspace on a full disk (a 1 MB tmpfs): failures say "No space left on device" and name the log; a partial
/// copy into the artifact store is removed (on a full disk it is exactly the missing space); the stage finished
/// before the disk filled stays done and is cached once there is room. Needs root and mount(2), so it skips
/// with the reason where the machine does not allow a tmpfs mount.
final class FullDiskTests: XCTestCase {
    func testFullDiskFailuresAreNamedAndLoseNothingComputed() throws {
        let p = try TestProject()
        try FileManager.default.createDirectory(at: p.workspace, withIntermediateDirectories: true)
        let mount = (try? commandStatus("/bin/mount", ["-t", "tmpfs", "-o", "size=1M", "tmpfs", p.workspace.path])) ?? -1
        guard mount == 0 else { throw XCTSkip("cannot mount a tmpfs here (mount status \(mount)): needs root, mount(8) and mount(2)") }
        defer { _ = try? commandStatus("/bin/umount", [p.workspace.path]) }

        let spec = try p.spec(pipeline: #"""
            {"name": "p", "parameters": {"kb": {"type": "integer"}}, "stages": {
              "small": {"kind": "command", "params": {"command": "echo hello > $HM_OUT/o", "outputs": ["o"]}},
              "big": {"kind": "command", "inputs": {"x": "small:o"}, "params": {"command": "head -c ${kb}000 /dev/urandom > $HM_OUT/o", "outputs": ["o"]}}}}
            """#, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "parameters": {"kb": 2000}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        // The command itself runs out of space: its own last words are the message.
        var s = try p.run(spec)
        XCTAssertEqual(s.executed.count, 1)
        XCTAssertEqual(s.failed.map(\.name), ["big"])
        XCTAssertNotNil(s.failed[0].message.range(of: #"command exited with status 1: head: .*No space left on device"#, options: .regularExpression),
                        s.failed[0].message)
        XCTAssertTrue(s.failed[0].message.contains("(log: \(p.workspace.path)/logs/"), s.failed[0].message)
        XCTAssertEqual(try p.state().allStages().first { $0.name == "big" }?.status, .failed, "the failure is recorded, too")

        // The output fits, its copy into the store does not: a short reason, and no partial copy left behind.
        try p.write("experiments/e.json", #"{"name": "e", "pipelines": ["../pipelines/p.json"], "parameters": {"kb": 600}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        s = try p.run(spec)
        XCTAssertEqual(s.cached.count, 1, "small, computed before the disk filled, is kept")
        XCTAssertEqual(s.failed.map(\.name), ["big"])
        XCTAssertTrue(s.failed[0].message.contains("into the artifact store: No space left on device"), s.failed[0].message)
        XCTAssertFalse(s.failed[0].message.contains("NSCocoaErrorDomain"), s.failed[0].message)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: p.workspace.appendingPathComponent("tmp").path), [])

        // Room again: only the failed stage runs.
        try p.write("experiments/e.json", #"{"name": "e", "pipelines": ["../pipelines/p.json"], "parameters": {"kb": 100}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        s = try p.run(spec)
        XCTAssertEqual(s.executed.count, 1)
        XCTAssertEqual(s.cached.count, 1)
        XCTAssertEqual(s.failed.count, 0)
    }

    func testErrorTextGivesTheReasonAndThePath() {
        let full = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/ws/tmp/x", NSUnderlyingErrorKey: POSIXError(.ENOSPC)])
        XCTAssertEqual(ErrorText.describe(full), "No space left on device (/ws/tmp/x)")
        XCTAssertEqual(ErrorText.describe(POSIXError(.EACCES)), "Permission denied")
        XCTAssertEqual(ErrorText.describe(PipelineError.io("cannot move a to b")), "cannot move a to b")
    }

    private func commandStatus(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
