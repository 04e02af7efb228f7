import Foundation
import Pipeline
import TestSupport
import XCTest

/// A stage that leaves a symbolic link among its outputs fails, naming the output, and hmpipe touches nothing
/// outside the workspace (before: the store chmod'ed the link's target to 0444 and recorded the link).
final class OutputSymlinkTests: XCTestCase {
    func testSymlinkOutputIsRejectedAndItsTargetLeftAlone() throws {
        let p = try TestProject()
        let outside = p.root.appendingPathComponent("outside.txt")
        try "precious\n".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: outside.path)
        let spec = try p.spec(pipeline: #"""
            {"name": "p", "stages": {"s": {"kind": "command", "params": {"command": "ln -s \#(outside.path) $HM_OUT/out.txt", "outputs": ["out.txt"]}}}}
            """#, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        let s = try p.run(spec)
        XCTAssertEqual(s.failed.count, 1)
        XCTAssertTrue(s.failed.first?.message.contains("declared output 'out.txt' is a symbolic link (to \(outside.path))") == true,
                      s.failed.first?.message ?? "")
        let mode = try FileManager.default.attributesOfItem(atPath: outside.path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o644, "the target outside the workspace must keep its permissions")
        XCTAssertTrue(try p.state().artifacts().isEmpty, "nothing stored")
    }
}
