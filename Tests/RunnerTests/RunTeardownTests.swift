import Foundation
import Pipeline
import TestSupport
import XCTest

/// `hmpipe run` once exited with status 134 ("double free or corruption") after every stage had finished: each
/// attempt ran on a detached thread whose closure held the last reference to the run's state database, released
/// while that thread tore down — concurrently with the process's exit. Attempt threads are now joined before the
/// run returns (`AttemptThread`), so nothing of a run outlives it on a stage thread.
final class RunTeardownTests: XCTestCase {
    /// Dies when the last reference goes; records on which thread.
    final class Sentinel: @unchecked Sendable {
        let onDeinit: (Bool) -> Void
        init(onDeinit: @escaping (Bool) -> Void) { self.onDeinit = onDeinit }
        deinit { onDeinit(Thread.isMainThread) }
    }

    /// The local executor with a sentinel the stage threads hold through the runner.
    struct SentinelExecutor: Executor {
        let sentinel: Sentinel
        func execute(key: String, environment: ExecutionEnvironment) -> StageOutcome {
            LocalExecutor().execute(key: key, environment: environment)
        }
    }

    func testNothingOfARunOutlivesItOnAStageThread() throws {
        XCTAssertTrue(Thread.isMainThread, "XCTest runs tests on the main thread")
        let p = try TestProject()
        let spec = try p.spec(pipeline: """
            {"name": "p", "parameters": {"seed": {"type": "integer"}}, "stages": {
              "a": {"kind": "command", "params": {"command": "echo ${seed} > $HM_OUT/o", "outputs": ["o"]}}}}
            """, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [1, 2, 3, 4, 5, 6, 7, 8]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        // Repeated: the old race lost by microseconds, so one run alone would rarely show it.
        for round in 0..<20 {
            let deaths = NSLock()
            var diedOnMain: [Bool] = []
            weak var watch: Sentinel?
            do {
                let sentinel = Sentinel { onMain in deaths.lock(); diedOnMain.append(onMain); deaths.unlock() }
                watch = sentinel
                let runner = Runner(options: p.options(jobs: 8) { $0.force = ["a*"] }, registry: p.registry,
                                    executor: SentinelExecutor(sentinel: sentinel), progress: ProgressReporter(style: .quiet))
                let summary = try runner.run(specs: [spec])
                XCTAssertTrue(summary.succeeded, "\(summary.failed)")
                XCTAssertEqual(summary.executed.count, 8)
            }
            XCTAssertNil(watch, "round \(round): a stage thread still held the run when it returned")
            deaths.lock()
            XCTAssertEqual(diedOnMain, [true], "round \(round): the run's objects must be released by its caller, not a stage thread")
            deaths.unlock()
        }
    }
}
