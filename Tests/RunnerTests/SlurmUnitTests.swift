import Foundation
import Pipeline
import TestSupport
import XCTest

/// The Slurm executor's pure parts — no Slurm needed: client output parsing, the job script (run for real with
/// bash against a stand-in binary), `--slurm-opt`, and stage resources in specs.
final class SlurmUnitTests: XCTestCase {
    func testSbatchParsableOutputGivesTheJobId() throws {
        XCTAssertEqual(try SlurmCommands.parseSubmission("123\n"), "123")
        XCTAssertEqual(try SlurmCommands.parseSubmission("4567;hmpipe\n"), "4567")
        for bad in ["", "Submitted batch job 5\n", "sbatch: error: Batch job submission failed\n"] {
            XCTAssertThrowsError(try SlurmCommands.parseSubmission(bad)) { error in
                XCTAssertEqual(error as? SlurmError, .unparsableSubmission(output: bad))
            }
        }
    }

    func testSqueueStatesAreHintsWithLiveRequeueAndClusterEndedClasses() {
        let states = SlurmCommands.parseQueue("12|RUNNING\n13|PENDING\n14|TIMEOUT\nnoise\n15|CANCELLED\n16|REQUEUED\n")
        XCTAssertEqual(states.keys.sorted(), ["12", "13", "14", "15", "16"])
        XCTAssertTrue(states["12"]!.isLive)
        XCTAssertFalse(states["12"]!.willRunAgain, "an exit file beside a RUNNING job is the end of that run")
        XCTAssertTrue(states["13"]!.willRunAgain)
        XCTAssertTrue(states["16"]!.isLive && states["16"]!.willRunAgain, "REQUEUED is not terminal")
        XCTAssertTrue(SlurmJobState("PREEMPTED").isLive && SlurmJobState("PREEMPTED").endedByCluster)
        XCTAssertFalse(states["14"]!.isLive)
        XCTAssertTrue(states["14"]!.endedByCluster, "a time limit is resubmitted: training resumes from its checkpoint")
        XCTAssertFalse(states["15"]!.endedByCluster, "a user's scancel is not undone")
        XCTAssertFalse(SlurmJobState("FAILED").endedByCluster)
    }

    func testSlurmOptBecomesALongSbatchOption() throws {
        XCTAssertEqual(try SlurmOptions.sbatchArgument("account=proj-1"), "--account=proj-1")
        XCTAssertEqual(try SlurmOptions.sbatchArgument("exclusive"), "--exclusive")
        XCTAssertEqual(try SlurmOptions.sbatchArgument("constraint=a&b"), "--constraint=a&b")
        for bad in ["--time=3", "=x", "", "time limit=3"] {
            XCTAssertThrowsError(try SlurmOptions.sbatchArgument(bad), bad)
        }
    }

    func testSbatchArgumentsCarryResourcesAndUserOptionsLast() {
        let script = SlurmJobScript(key: "abc", name: "train[seed=1]", binary: URL(fileURLWithPath: "/opt/hmpipe"),
                                    workspace: Workspace(URL(fileURLWithPath: "/shared/ws")), threads: 2, force: false)
        let args = script.sbatchArguments(resources: StageResources(cpus: 2, memoryMB: 4096, timeMinutes: 90),
                                          partition: "cpu", workingDirectory: URL(fileURLWithPath: "/shared/project"),
                                          extra: ["--time=5"])
        for expected in ["--chdir=/shared/project", "--cpus-per-task=2", "--mem=4096M", "--time=90", "--partition=cpu", "--requeue",
                         "--output=/shared/ws/slurm/abc/%j.out", "--job-name=hmpipe:train[seed=1]"] {
            XCTAssertTrue(args.contains(expected), "\(expected) missing from \(args)")
        }
        XCTAssertEqual(args.last, "--time=5", "--slurm-opt must come last so sbatch lets it override")
    }

    /// The script as Slurm would run it: exec-stage's status lands in `<jobid>.exit`; SIGTERM (scancel, time
    /// limit) reaches exec-stage and its own exit status is what gets recorded.
    func testJobScriptRecordsTheStageExitStatusAlsoWhenTerminated() throws {
        let p = try TestProject()
        let fake = p.root.appendingPathComponent("fake-hmpipe")
        try """
            #!/bin/bash
            echo "$@" > \(p.root.path)/args
            trap 'exit 130' TERM
            [ -f \(p.root.path)/block ] && { touch \(p.root.path)/blocking; while :; do sleep 0.05; done; }
            exit 3
            """.write(to: fake, atomically: true, encoding: .utf8)
        chmod(fake.path, 0o755)
        let script = SlurmJobScript(key: "k1", name: "s", binary: fake, workspace: Workspace(p.workspace), threads: 2, force: true)
        try script.write()

        func start(job: String) throws -> Process {
            let bash = Process()
            bash.executableURL = URL(fileURLWithPath: "/bin/bash")
            bash.arguments = [script.scriptFile.path]
            bash.environment = ["SLURM_JOB_ID": job, "PATH": "/usr/bin:/bin"]
            try bash.run()
            return bash
        }
        let plain = try start(job: "41")
        plain.waitUntilExit()
        XCTAssertEqual(plain.terminationStatus, 3)
        XCTAssertEqual(script.exitStatus(jobId: "41"), 3)
        XCTAssertEqual(try String(contentsOf: p.root.appendingPathComponent("args"), encoding: .utf8),
                       "exec-stage k1 --workspace \(p.workspace.standardizedFileURL.path) --threads 2 --force\n")

        try "".write(to: p.root.appendingPathComponent("block"), atomically: true, encoding: .utf8)
        let blocked = try start(job: "42")
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: p.root.appendingPathComponent("blocking").path) && Date() < deadline { usleep(20_000) }
        XCTAssertNil(script.exitStatus(jobId: "42"), "no verdict while the stage runs")
        kill(blocked.processIdentifier, SIGTERM)   // only the batch shell, as the worst case: it must pass it on
        blocked.waitUntilExit()
        XCTAssertEqual(script.exitStatus(jobId: "42"), 130)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: script.directory.path).filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [], "the exit file is written by rename")
    }

    /// `--slurm-array`: element i of the array runs stage i's own job.sh, which writes its verdict as
    /// `ARRAY_TASK.exit` (the id hmpipe follows, not the element's SLURM_JOB_ID) and its output beside it; a
    /// SIGTERM to the element still reaches job.sh's trap (the array script execs it).
    func testArrayElementRunsItsStagesJobScript() throws {
        let p = try TestProject()
        let fake = p.root.appendingPathComponent("fake-hmpipe")
        try """
            #!/bin/bash
            echo "ran $2 as $HMPIPE_JOB_ID"
            trap 'exit 130' TERM
            [ -f \(p.root.path)/block-$2 ] && { touch \(p.root.path)/blocking; while :; do sleep 0.05; done; }
            exit 4
            """.write(to: fake, atomically: true, encoding: .utf8)
        chmod(fake.path, 0o755)
        let scripts = try ["k0", "k1", "k2"].map { key in
            let s = SlurmJobScript(key: key, name: key, binary: fake, workspace: Workspace(p.workspace), threads: 1, force: false)
            try s.write()
            return s
        }
        let array = p.root.appendingPathComponent("array.sh")
        try SlurmArrayBatcher.scriptText(scripts).write(to: array, atomically: true, encoding: .utf8)
        func start(task: Int) throws -> Process {
            let bash = Process()
            bash.executableURL = URL(fileURLWithPath: "/bin/bash")
            bash.arguments = [array.path]
            bash.environment = ["SLURM_ARRAY_JOB_ID": "50", "SLURM_ARRAY_TASK_ID": String(task), "SLURM_JOB_ID": "53", "PATH": "/usr/bin:/bin"]
            try bash.run()
            return bash
        }
        let element = try start(task: 1)
        element.waitUntilExit()
        XCTAssertEqual(element.terminationStatus, 4)
        XCTAssertEqual(scripts[1].exitStatus(jobId: "50_1"), 4)
        XCTAssertNil(scripts[1].exitStatus(jobId: "53"))
        XCTAssertNil(scripts[0].exitStatus(jobId: "50_1"))
        XCTAssertEqual(try String(contentsOf: scripts[1].outputFile(jobId: "50_1"), encoding: .utf8), "ran k1 as 50_1\n")

        try "".write(to: p.root.appendingPathComponent("block-k2"), atomically: true, encoding: .utf8)
        let blocked = try start(task: 2)
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: p.root.appendingPathComponent("blocking").path) && Date() < deadline { usleep(20_000) }
        kill(blocked.processIdentifier, SIGTERM)
        blocked.waitUntilExit()
        XCTAssertEqual(scripts[2].exitStatus(jobId: "50_2"), 130)
    }

    func testResourcesComeFromKindTemplateAndProfileAndNeverEnterCacheKeys() throws {
        let p = try TestProject()
        func build(templateResources: String, profileResources: String) throws -> StageGraph {
            try p.write("pipelines/p.json", #"""
                {"name": "p", "stages": {
                  "a": {"kind": "command", "params": {"command": "echo 1 > $HM_OUT/o", "outputs": ["o"]}\#(templateResources)},
                  "b": {"kind": "command", "inputs": {"x": "a:o"}, "params": {"command": "cat $HM_IN_X > $HM_OUT/o", "outputs": ["o"]}}}}
                """#)
            try p.write("experiments/e.json", #"""
                {"name": "e", "pipelines": ["../pipelines/p.json"],
                 "profiles": {"smoke": {}, "default": {\#(profileResources)}, "paper": {}}}
                """#)
            return try StageGraph.build(try ExperimentSpec.load(p.root.appendingPathComponent("experiments/e.json")))
        }
        let plain = try build(templateResources: "", profileResources: "")
        let tuned = try build(templateResources: #", "resources": {"cpus": 3, "time_minutes": 7}"#,
                              profileResources: #""resources": {"a": {"time_minutes": 9}, "b": {"memory_mb": 512}}"#)
        XCTAssertEqual(Set(plain.nodes.keys), Set(tuned.nodes.keys), "changing resources must not invalidate results")
        let byName = Dictionary(uniqueKeysWithValues: tuned.nodes.values.map { ($0.name, $0.resources) })
        XCTAssertEqual(byName["a"], StageResources(cpus: 3, memoryMB: 1024, timeMinutes: 9), "profile over template over kind")
        XCTAssertEqual(byName["b"], StageResources(cpus: 1, memoryMB: 512, timeMinutes: 60))
        XCTAssertEqual(StageResources.defaults(kind: "train").cpus, 2)
        // The encoder–decoder kinds get their encoder-only siblings' defaults, not the 1 h / 1 GiB catch-all.
        XCTAssertEqual(StageResources.defaults(kind: "train-seq2seq"), StageResources.defaults(kind: "train"))
        XCTAssertEqual(StageResources.defaults(kind: "evaluate-seq2seq"), StageResources.defaults(kind: "evaluate"))

        XCTAssertThrowsError(try build(templateResources: #", "resources": {"gpus": 1}"#, profileResources: "")) { error in
            XCTAssertTrue("\(error)".contains("gpus"), "\(error)")
        }
        XCTAssertThrowsError(try build(templateResources: #", "resources": {"cpus": 0}"#, profileResources: ""))
        XCTAssertThrowsError(try build(templateResources: "", profileResources: #""resources": {"aa": {"cpus": 2}}"#)) { error in
            XCTAssertTrue("\(error)".contains("no stage named 'aa'"), "\(error)")
        }
    }

    /// Two runs on one workspace never both submit a stage: the first to reserve it submits; a second sees it
    /// "submitting" (then "following" the job); a dead holder's reservation is taken over; done means done.
    func testSubmissionReservationLetsOneRunSubmit() throws {
        let p = try TestProject()
        let spec = try p.spec(pipeline: #"{"name": "p", "stages": {"s": {"kind": "command", "params": {"command": "true", "outputs": ["o"]}}}}"#,
                              experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        let state = try p.state()
        let graph = try StageGraph.build(try ExperimentSpec.load(spec))
        try state.recordPlan(graph)
        let key = try XCTUnwrap(graph.order.first)
        func reserve(_ who: ProcessIdentity = .current, force: Bool = false, staleAfter: TimeInterval = 120) throws -> StateStore.SubmissionSlot {
            try state.reserveSlurmSubmission(key: key, force: force, as: who, staleAfter: staleAfter)
        }
        // pid 1 lives as long as the machine: another run in the middle of sbatch.
        let other = ProcessIdentity(host: ProcessIdentity.current.host, pid: 1, start: try XCTUnwrap(ProcessIdentity.startToken(of: 1)))
        XCTAssertEqual(try reserve(other), .reserved)
        XCTAssertEqual(try reserve(), .submitting(by: other.description))
        XCTAssertEqual(try reserve(other), .reserved, "the holder itself may ask again")
        // A run that died holding it (pid 1 with another start token): its reservation is taken over.
        try state.releaseSlurmReservation(key: key, as: other)
        XCTAssertEqual(try reserve(ProcessIdentity(host: other.host, pid: 1, start: "0@gone")), .reserved)
        XCTAssertEqual(try reserve(), .reserved)
        // From another host only age tells: a fresh reservation holds, one older than the limit does not.
        try state.releaseSlurmReservation(key: key)
        XCTAssertEqual(try reserve(ProcessIdentity(host: "elsewhere", pid: 7, start: "1@x")), .reserved)
        XCTAssertEqual(try reserve(), .submitting(by: "pid 7 on elsewhere"))
        XCTAssertEqual(try reserve(staleAfter: 0), .reserved)
        // Released: another run may reserve at once.
        try state.releaseSlurmReservation(key: key)
        XCTAssertEqual(try reserve(other), .reserved)

        // Recording the job ends the reservation; while the job is open everyone follows it.
        try state.recordSlurmSubmission(SlurmJobRecord(jobId: "41", stageKey: key, runId: nil, submittedAt: Date().timeIntervalSince1970))
        XCTAssertEqual(try reserve(), .following(jobId: "41"))
        XCTAssertEqual(try reserve(other), .following(jobId: "41"))
        try state.concludeSlurmJob("41", key: key, outcome: "exit 1", runId: nil)
        XCTAssertEqual(try reserve(), .reserved, "recording the job released the other run's reservation")

        // Done means nothing to submit, unless forced.
        let run = try state.beginRun(command: "test", specs: ["e"], profile: "default")
        XCTAssertEqual(try state.claim(key: key, runId: run, force: false, threads: 1), .claimed(attempt: 1))
        XCTAssertTrue(try state.commitDone(key: key, runId: run, artifacts: []))
        XCTAssertEqual(try reserve(), .done)
        XCTAssertEqual(try reserve(force: true), .reserved)
    }
}
