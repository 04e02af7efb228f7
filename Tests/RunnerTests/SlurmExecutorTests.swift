import Foundation
import Pipeline
import TestSupport
import XCTest

/// `hmpipe run --executor slurm` against a real Slurm: the one `scripts/slurm-local.sh start` runs on this
/// machine (`.ci/run` starts it before `make test`). Skipped with a message when no Slurm answers, except when
/// `HMPIPE_REQUIRE_SLURM=1` (CI), where that is a failure.
final class SlurmExecutorTests: XCTestCase {
    override func setUpWithError() throws { try LocalSlurm.require() }

    /// Item 3: a failing upstream stage is reported and leaves no job of ours in the queue; an independent
    /// stage still completes under --keep-going.
    func testFailingUpstreamLeavesNoJobPending() throws {
        let p = try TestProject()
        let spec = try p.spec(pipeline: #"""
            {"name": "p", "stages": {
              "broken": {"kind": "command", "params": {"command": "echo oops >&2; exit 1", "outputs": ["o"]}},
              "after": {"kind": "command", "inputs": {"x": "broken:o"}, "params": {"command": "cp $HM_IN_X $HM_OUT/o", "outputs": ["o"]}},
              "later": {"kind": "command", "inputs": {"x": "after:o"}, "params": {"command": "cp $HM_IN_X $HM_OUT/o", "outputs": ["o"]}},
              "other": {"kind": "command", "params": {"command": "sleep 1; echo ok > $HM_OUT/o", "outputs": ["o"]}}}}
            """#, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        let (code, log) = try ReleaseBinary.run(["run", spec.path, "--executor", "slurm", "-k", "--workspace", p.workspace.path])
        XCTAssertEqual(code, 1, log)
        XCTAssertTrue(log.contains("failed: broken: command exited with status 1"), log)
        XCTAssertTrue(log.contains("1 executed, 0 cached, 1 failed, 2 skipped"), log)
        let state = try p.state()
        let byName = Dictionary(uniqueKeysWithValues: try state.allStages().map { ($0.name, $0) })
        XCTAssertEqual(byName["other"]?.status, .done)
        XCTAssertEqual(try state.openSlurmJobs(), [], "every submitted job was concluded")
        let submitted = Set(try state.events().filter { $0.kind == "submitted" }.compactMap(\.stageKey))
        XCTAssertEqual(submitted, Set([byName["broken"]!.key, byName["other"]!.key]), "dependents of a failure are never submitted")
        let (_, queue) = try LocalSlurm.run(["squeue", "-h", "-o", "%i %T %o"])
        XCTAssertFalse(queue.contains(p.workspace.path), "jobs of this run still queued:\n\(queue)")
    }

    /// Item 4: --detach submits what is ready and exits; `status` shows the jobs; the next run follows them
    /// (never submitting a stage twice) and submits the rest.
    func testDetachedRunIsContinuedByTheNextRun() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2]))
        let args = ["run", spec.path, "--executor", "slurm", "--workspace", p.workspace.path]

        let (code, log) = try ReleaseBinary.run(args + ["--detach"])
        XCTAssertEqual(code, 0, log)
        XCTAssertTrue(log.contains("still running on Slurm: prep (job"), log)
        XCTAssertTrue(log.contains("2 stage(s) wait for them"), log)
        let (_, status) = try ReleaseBinary.run(["status", spec.path, "--workspace", p.workspace.path])
        XCTAssertTrue(status.contains("prep: slurm job"), status)

        let (code2, log2) = try ReleaseBinary.run(args)
        XCTAssertEqual(code2, 0, log2)
        // prep's job may still run (the next run follows it) or may have finished in between (the next run
        // concludes its record); either way it is never submitted again.
        XCTAssertTrue(log2.contains("prep: following slurm job") || log2.range(of: #"prep: slurm job \d+ finished while no run followed it"#, options: .regularExpression) != nil, log2)
        XCTAssertEqual(try p.state().openSlurmJobs(), [], "every submitted job was concluded")
        XCTAssertEqual([p.count("prep"), p.count("work-1"), p.count("work-2")], [1, 1, 1], "each stage ran exactly once")
        XCTAssertEqual(try p.state().events().filter { $0.kind == "submitted" }.count, 3)
        XCTAssertTrue(try p.state().allStages().allSatisfy { $0.status == .done })
    }

    /// A detached job that finishes before the next run starts (CI hit this race): the next run takes the stage as
    /// done, concludes the job's open record and says so, and submits only what is left.
    func testJobThatFinishedWhileDetachedIsConcludedByTheNextRun() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        try p.write("experiments/e.json", countingExperiment(seeds: [1]))
        let args = ["run", spec.path, "--executor", "slurm", "--workspace", p.workspace.path]
        let (code, log) = try ReleaseBinary.run(args + ["--detach"])
        XCTAssertEqual(code, 0, log)
        let deadline = Date().addingTimeInterval(60)
        while try p.state().allStages().first(where: { $0.name == "prep" })?.status != .done {
            guard Date() < deadline else { return XCTFail("prep's slurm job did not finish within 60 s") }
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTAssertEqual(try p.state().openSlurmJobs().count, 1, "prep is done but nothing has concluded its job yet")

        let (code2, log2) = try ReleaseBinary.run(args)
        XCTAssertEqual(code2, 0, log2)
        XCTAssertNotNil(log2.range(of: #"prep: slurm job \d+ finished while no run followed it"#, options: .regularExpression), log2)
        XCTAssertEqual([p.count("prep"), p.count("work-1")], [1, 1], "each stage ran exactly once")
        XCTAssertEqual(try p.state().events().filter { $0.kind == "submitted" }.count, 2)
        XCTAssertEqual(try p.state().openSlurmJobs(), [], "every submitted job was concluded")
    }

    /// Two runs started together on one workspace: each stage is submitted once (the second run waits while the
    /// first is in sbatch, then follows its job), and both end successfully.
    func testConcurrentRunsSubmitEachStageOnce() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2, 3]))
        let args = ["run", spec.path, "--executor", "slurm", "--workspace", p.workspace.path]
        let runs = try (0..<2).map { _ in try ReleaseBinary.process(args) }
        for run in runs { try run.run() }
        for run in runs { run.waitUntilExit() }
        XCTAssertEqual(runs.map(\.terminationStatus), [0, 0])
        XCTAssertEqual([p.count("prep"), p.count("work-1"), p.count("work-2"), p.count("work-3")], [1, 1, 1, 1], "each stage ran once")
        let submitted = try p.state().events().filter { $0.kind == "submitted" }.compactMap(\.stageKey)
        XCTAssertEqual(submitted.count, 4, "one job per stage: \(submitted)")
        XCTAssertEqual(Set(submitted).count, 4)
        XCTAssertEqual(try p.state().openSlurmJobs(), [])
    }

    /// `--slurm-array`: the stages that become ready together go out as one job array (prep alone as a plain job,
    /// then the four seeds as elements 0–3 of one array — more stages than this machine's cores, which a thread
    /// pool sized to the cores once split into an array and two plain jobs); each element is followed, concluded
    /// and recorded as its own stage. A scancel of one element fails that stage only.
    func testSlurmArraySubmitsStagesReadyTogetherAsOneArray() throws {
        let p = try TestProject()
        // Seed 2's stage waits for a file that never comes: it is the one cancelled.
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts, extraParam: "if [ ${seed} = 2 ]; then sleep 120; fi;"))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2, 3, 4]))
        let run = try ReleaseBinary.process(["run", spec.path, "--executor", "slurm", "--slurm-array", "-k", "--workspace", p.workspace.path])
        let log = Pipe()
        run.standardError = log
        try run.run()
        let state = try Poll.state(p.workspace)
        let element = try Poll.until("seed 2's array element to run") { () -> String? in
            guard let row = try state.allStages().first(where: { $0.name == "work[seed=2]" }), row.status == .running else { return nil }
            return row.slurmJob
        }
        XCTAssertNotNil(element.range(of: #"^\d+_\d$"#, options: .regularExpression), "an array element id: \(element)")
        XCTAssertEqual(try LocalSlurm.run(["scancel", element]).0, 0)
        run.waitUntilExit()
        let text = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(run.terminationStatus, 1, text)
        XCTAssertTrue(text.contains("slurm job \(element) was cancelled"), text)
        XCTAssertTrue(text.contains("4 executed, 0 cached, 1 failed"), text)

        let submitted = try state.events().filter { $0.kind == "submitted" }.map(\.message)
        XCTAssertEqual(submitted.count, 5, "\(submitted)")
        let ids = submitted.map { String($0.dropFirst("slurm job ".count)) }
        let arrays = Set(ids.compactMap { $0.split(separator: "_").count == 2 ? $0.split(separator: "_")[0] : nil })
        XCTAssertEqual(arrays.count, 1, "the four seeds share one array: \(ids)")
        XCTAssertEqual(Set(ids.filter { $0.contains("_") }.map { $0.split(separator: "_")[1] }), ["0", "1", "2", "3"])
        XCTAssertEqual([p.count("prep"), p.count("work-1"), p.count("work-3"), p.count("work-4")], [1, 1, 1, 1])
        let rows = Dictionary(uniqueKeysWithValues: try state.allStages().map { ($0.name, $0) })
        XCTAssertEqual(rows["work[seed=1]"]?.status, .done)
        XCTAssertEqual(rows["work[seed=3]"]?.status, .done)
        XCTAssertEqual(rows["work[seed=4]"]?.status, .done)
        XCTAssertNotEqual(rows["work[seed=2]"]?.status, .done)
        XCTAssertEqual(try state.openSlurmJobs(), [])
    }

    /// Item 5: a job killed at its time limit (a profile's `resources`, 1 minute) is resubmitted in the same run
    /// and continues from the stage's checkpoint folder. A command stage stands in for training here (its
    /// checkpoint is a step counter in HM_CKPT; real training resumes the same way, see `SlurmPaperSpecTests`): a real
    /// TIMEOUT is the point, and Slurm enforces limits only in whole minutes. Slow: ~1.5 minutes.
    func testTimeLimitedJobIsResubmittedAndResumesFromItsCheckpoint() throws {
        let p = try TestProject()
        // The first run takes one second a step, longer than the 1-minute limit plus Slurm's up to ~30 s lag; a
        // resumed run steps without sleeping, since only where it starts is under test (this saved a minute of CI).
        let steps = 150
        let command = "n=0; pause=1; if [ -f $HM_CKPT/n ]; then n=$(cat $HM_CKPT/n); pause=0; echo $n >> \(p.counts.path)/resumed-at; fi; "
            + "while [ $n -lt \(steps) ]; do sleep $pause; n=$((n+1)); echo $n > $HM_CKPT/n.tmp; mv $HM_CKPT/n.tmp $HM_CKPT/n; done; "
            + "echo $n > $HM_OUT/o"
        let spec = try p.spec(pipeline: #"{"name": "p", "stages": {"long": {"kind": "command", "params": {"command": "\#(command)", "outputs": ["o"]}}}}"#,
                              experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "paper": {}, "default": {"resources": {"long": {"time_minutes": 1}}}}}"#)
        let (code, log) = try ReleaseBinary.run(["run", spec.path, "--executor", "slurm", "--workspace", p.workspace.path])
        XCTAssertEqual(code, 0, log)
        XCTAssertTrue(log.contains("ended TIMEOUT; submitting it again"), log)
        let resumedAt = ((try? String(contentsOf: p.counts.appendingPathComponent("resumed-at"), encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { Int($0) }
        XCTAssertFalse(resumedAt.isEmpty, "the resubmitted job started over instead of resuming")
        XCTAssertTrue(resumedAt.allSatisfy { $0 >= 50 && $0 < steps }, "resumed at \(resumedAt)")
        let state = try p.state()
        XCTAssertEqual(try state.allStages().map(\.status), [.done])
        XCTAssertEqual(try state.events().filter { $0.kind == "submitted" }.count, 1 + resumedAt.count)
    }
}
