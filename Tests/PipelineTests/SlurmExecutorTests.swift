import Foundation
import Pipeline
import XCTest

/// `hmpipe run --executor slurm` against a real Slurm: the one `scripts/slurm-local.sh start` runs on this
/// machine (`.ci/run` starts it before `make test`). Skipped with a message when no Slurm answers, except when
/// `HMPIPE_REQUIRE_SLURM=1` (CI), where that is a failure.
final class SlurmExecutorTests: XCTestCase {
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
        let state = try waitForState(workspace)
        let trainKey = try waitFor("the training stage to write a checkpoint") { () -> String? in
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
        let state = try waitForState(p.workspace)
        let element = try waitFor("seed 2's array element to run") { () -> String? in
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
    /// checkpoint is a step counter in HM_CKPT; real training resumes the same way, see the scancel test): a real
    /// TIMEOUT is the point, and Slurm enforces limits only in whole minutes. Slow: ~2.5 minutes.
    func testTimeLimitedJobIsResubmittedAndResumesFromItsCheckpoint() throws {
        let p = try TestProject()
        let steps = 150   // one second each: longer than the 1-minute limit plus Slurm's up to ~30 s lag
        let command = "n=0; if [ -f $HM_CKPT/n ]; then n=$(cat $HM_CKPT/n); echo $n >> \(p.counts.path)/resumed-at; fi; "
            + "while [ $n -lt \(steps) ]; do sleep 1; n=$((n+1)); echo $n > $HM_CKPT/n.tmp; mv $HM_CKPT/n.tmp $HM_CKPT/n; done; "
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

    // MARK: helpers

    private func temporaryDirectory(_ prefix: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func waitForState(_ workspace: URL) throws -> StateStore {
        try waitFor("the state database") {
            FileManager.default.fileExists(atPath: Workspace(workspace).database.path) ? try Runner.openState(Workspace(workspace)) : nil
        }
    }

    /// Polls; the deadline only guards against a hung test.
    private func waitFor<T>(_ what: String, deadline: TimeInterval = 300, _ value: () throws -> T?) throws -> T {
        let end = Date().addingTimeInterval(deadline)
        while Date() < end {
            if let v = try value() { return v }
            usleep(100_000)
        }
        throw TestFailure("gave up waiting for \(what)")
    }
}

/// Finds the local cluster of `scripts/slurm-local.sh` (its env.sh) unless SLURM_CONF is already set.
enum LocalSlurm {
    static let envFile = "/tmp/hmpipe-slurm/env.sh"

    /// Asked once per test process: an unreachable controller makes `sinfo` retry for ~9 s.
    static let reachable: Bool = {
        if ProcessInfo.processInfo.environment["SLURM_CONF"] == nil,
           let text = try? String(contentsOfFile: envFile, encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("export SLURM_CONF=") }) {
            setenv("SLURM_CONF", String(line.dropFirst("export SLURM_CONF=".count)), 1)   // children inherit it
        }
        return ((try? run(["sinfo", "-h"], timeout: 15))?.0 ?? -1) == 0
    }()

    static func require() throws {
        guard !reachable else { return }
        let message = "Slurm not running: start it with scripts/slurm-local.sh start"
        if ProcessInfo.processInfo.environment["HMPIPE_REQUIRE_SLURM"] == "1" { throw TestFailure(message + " (HMPIPE_REQUIRE_SLURM=1)") }
        throw XCTSkip(message)
    }

    /// Runs a Slurm client; (exit status, stdout + stderr). A client that hangs is killed after `timeout`.
    static func run(_ args: [String], timeout: TimeInterval = 30) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let timer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        timer.cancel()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }
}
