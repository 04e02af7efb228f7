import Foundation
import TestSupport
import XCTest

/// `scripts/slurm-local.sh start` must not hang when a daemon is slow to exec (runner issue, item 6): it used to
/// take a child still between fork and exec for a dead daemon and `wait` on it for ever, which in CI spends the
/// whole time limit. `Tests/scripts/slurm-local-slow-exec.sh` runs start/status/stop against fake Slurm and MUNGE
/// commands whose `setsid` waits 1.5 s before exec; no real Slurm is needed.
final class SlurmLocalScriptTests: XCTestCase {
    func testStartFinishesWhenDaemonsAreSlowToExec() throws {
        let script = ReleaseBinary.repo.appendingPathComponent("Tests/scripts/slurm-local-slow-exec.sh").path
        let (code, output) = try LocalSlurm.run(["bash", script], timeout: 120)
        if code == 77 { throw XCTSkip(output.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(code, 0, output)
        XCTAssertTrue(output.contains("ok: start finished with daemons slow to exec"), output)
        XCTAssertTrue(output.contains("ok: stop ended every daemon"), output)
    }
}
