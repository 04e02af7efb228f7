import Foundation

/// Runs each stage as a Slurm batch job (`hmpipe exec-stage KEY`, see `SlurmJobScript`), or with `--slurm-array`
/// as an element of a job array shared with the stages that became ready with it (`SlurmArrayBatcher`).
///
/// The scheduler hands over a stage when its inputs are done, so stages are submitted as their inputs complete:
/// no `afterok` chains, and a failed upstream stage leaves nothing pending in the queue. Every submission is
/// recorded in the state database first thing; a stage whose job is still in flight (from this run or an earlier,
/// detached or interrupted one) is followed, never submitted twice.
///
/// A job's outcome comes from its own records — the exit file its script writes, then the stage row that
/// exec-stage committed — and never from `sacct`. `squeue` only says whether a job is still alive, and why one
/// that wrote nothing ended; a job the cluster ended (time limit, node failure) is resubmitted and training
/// resumes from its checkpoint.
public struct SlurmExecutor: Executor {
    public let options: SlurmOptions
    public let commands: SlurmCommands
    public let tracker: SlurmJobTracker
    let batcher: SlurmArrayBatcher

    public init(options: SlurmOptions, commands: SlurmCommands = SlurmCommands()) {
        self.options = options
        self.commands = commands
        self.tracker = SlurmJobTracker(commands: commands)
        self.batcher = SlurmArrayBatcher(commands: commands, options: options)
    }

    /// Jobs that finished their stage while no run followed them are concluded before planning, so they are
    /// never left open or submitted again.
    public func beforePlanning(state: StateStore, runId: String, progress: ProgressReporter) throws {
        for job in try state.concludeSlurmJobsThatFinishedTheirStage(runId: runId) {
            progress.message("\(job.name): slurm job \(job.jobId) finished while no run followed it")
        }
    }

    public func execute(key: String, environment: ExecutionEnvironment) -> StageOutcome {
        do {
            return try run(key: key, environment)
        } catch {
            return .failed("\(error)")
        }
    }

    /// Where following a job ended up.
    enum Verdict {
        case outcome(StageOutcome)
        /// The cluster ended the job; submitting again can finish the stage.
        case resubmit(String)
    }

    private func run(key: String, _ env: ExecutionEnvironment) throws -> StageOutcome {
        var resubmitted = 0
        while true {
            guard let row = try env.state.stage(key) else { throw PipelineError.unknownStage(key) }
            let script = SlurmJobScript(key: key, name: row.name, binary: options.binary, workspace: env.workspace,
                                        threads: options.threads ?? (env.resources[key] ?? .defaults(kind: row.kind)).cpus,
                                        force: env.force)
            let jobId: String
            switch try env.state.reserveSlurmSubmission(key: key, force: env.force) {
            case .following(let open):
                jobId = open
                env.progress?.message("\(row.name): following slurm job \(jobId), submitted earlier")
            case .done:
                return .cached
            case .submitting:
                return .held   // another run is in sbatch for this stage; its job appears as open in a moment
            case .reserved:
                if try env.state.leaseHolder(key: key) != nil {
                    try env.state.releaseSlurmReservation(key: key)
                    return .held
                }
                do {
                    jobId = try submit(script, resources: env.resources[key] ?? .defaults(kind: row.kind), env)
                } catch {
                    try? env.state.releaseSlurmReservation(key: key)
                    throw error
                }
            }
            switch try follow(jobId, script: script, env) {
            case .outcome(let outcome):
                return outcome
            case .resubmit(let why) where resubmitted < options.resubmits:
                resubmitted += 1
                env.progress?.message("\(row.name): \(why); submitting it again (\(resubmitted) of \(options.resubmits))")
            case .resubmit(let why):
                return .failed("\(why), \(options.resubmits + 1) times")
            }
        }
    }

    private func submit(_ script: SlurmJobScript, resources: StageResources, _ env: ExecutionEnvironment) throws -> String {
        try script.write()
        let arguments = script.sbatchArguments(resources: resources, partition: options.partition,
                                               workingDirectory: options.workingDirectory, extra: options.extraArguments)
        let jobId = options.arrays
            ? try batcher.submit(.init(script: script, resources: resources, plainArguments: arguments))
            : try commands.submit(script: script.scriptFile, arguments: arguments)
        try env.state.recordSlurmSubmission(SlurmJobRecord(jobId: jobId, stageKey: script.key, runId: env.runId,
                                                           submittedAt: Date().timeIntervalSince1970))
        env.progress?.message("\(script.name): submitted as slurm job \(jobId)")
        return jobId
    }

    /// Polls the job's exit file (and squeue as a liveness hint) until the job ends; with `--detach`, looks once.
    private func follow(_ jobId: String, script: SlurmJobScript, _ env: ExecutionEnvironment) throws -> Verdict {
        tracker.follow(jobId)
        defer { tracker.unfollow(jobId) }
        var delay = options.pollSeconds
        var goneSince: Date?
        var lastState: SlurmJobState?
        while true {
            if env.cancellation.isCancelled && !options.detach {
                guard tracker.shouldCancel(options.onInterrupt) else { return .outcome(.submitted(jobId: jobId)) }
                return try cancel(jobId, script: script, env)
            }
            let hint = tracker.hint(jobId)
            if case .state(let state) = hint { lastState = state }
            if let code = script.exitStatus(jobId: jobId), lastState?.willRunAgain != true {
                return try conclude(jobId, exitStatus: code, script: script, env)
            }
            switch hint {
            case .state(let state) where state.isLive:
                goneSince = nil
            case .state, .absent:
                let since = goneSince ?? Date()
                goneSince = since
                if Date().timeIntervalSince(since) > options.missingExitGraceSeconds {
                    return try vanished(jobId, lastState: lastState, script: script, env)
                }
            case .unknown:
                break
            }
            if options.detach { return .outcome(.submitted(jobId: jobId)) }
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 1.5, options.maxPollSeconds)
        }
    }

    /// The job wrote its verdict. Success is what exec-stage committed; a failure keeps the stage's own error.
    private func conclude(_ jobId: String, exitStatus code: Int32, script: SlurmJobScript, _ env: ExecutionEnvironment) throws -> Verdict {
        if code == 0, let row = try env.state.stage(script.key), row.status == .done {
            try env.state.concludeSlurmJob(jobId, key: script.key, outcome: "exit 0", runId: env.runId)
            return .outcome(row.slurmJob == jobId ? .executed : .cached)
        }
        let final = finalState(jobId)
        try env.state.concludeSlurmJob(jobId, key: script.key, outcome: "exit \(code)" + (final.map { ", \($0)" } ?? ""), runId: env.runId)
        let row = try env.state.stage(script.key)
        if code == 75 { return .outcome(.held) }   // exec-stage found another live owner: the scheduler asks again
        if let final, final.endedByCluster { return .resubmit("slurm job \(jobId) ended \(final)") }
        let why = final?.name == "CANCELLED" ? "slurm job \(jobId) was cancelled" : "slurm job \(jobId) exited with status \(code)"
        return .outcome(.failed("\(row?.error ?? "no error recorded") (\(why); output \(script.outputFile(jobId: jobId).path))"))
    }

    /// The job left (or ended in) the queue and no exit file appeared: it was killed before its script could
    /// write one (SIGKILL after the time limit's grace, node failure). Its lease is released so the stage can run.
    private func vanished(_ jobId: String, lastState: SlurmJobState?, script: SlurmJobScript, _ env: ExecutionEnvironment) throws -> Verdict {
        let state = lastState?.name ?? "unknown state"
        try env.state.concludeSlurmJob(jobId, key: script.key, outcome: "ended \(state) without an exit file", runId: env.runId)
        if let lastState, lastState.endedByCluster || lastState.isLive {
            return .resubmit("slurm job \(jobId) ended \(state) without writing its exit file")
        }
        return .outcome(.failed("slurm job \(jobId) ended (\(state)) without writing its exit file; output \(script.outputFile(jobId: jobId).path)"))
    }

    /// Ctrl-C answered "cancel": SIGTERM to the job script (exec-stage stops the stage cleanly and it is recorded
    /// `interrupted`; training checkpoints), then a plain scancel if no verdict appears within 30 s.
    private func cancel(_ jobId: String, script: SlurmJobScript, _ env: ExecutionEnvironment) throws -> Verdict {
        func ended(within seconds: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if script.exitStatus(jobId: jobId) != nil { return true }
                if case .state(let s) = tracker.hint(jobId), !s.isLive { return true }
                Thread.sleep(forTimeInterval: 0.5)
            }
            return false
        }
        // A job still waiting in the queue has no script running yet: only a plain scancel removes it.
        if case .state(let s) = tracker.hint(jobId, maxAge: 0), s.name == "RUNNING" {
            try commands.cancel([jobId], batchShellOnly: true)
            if !ended(within: 30) { try commands.cancel([jobId]) }
        } else {
            try commands.cancel([jobId])
        }
        _ = ended(within: 30)
        try env.state.concludeSlurmJob(jobId, key: script.key, outcome: "cancelled after Ctrl-C", runId: env.runId)
        return .outcome(.interrupted)
    }

    /// squeue's word on how a job that wrote its exit file ended, once it is past COMPLETING (bounded wait).
    private func finalState(_ jobId: String) -> SlurmJobState? {
        for _ in 0..<20 {
            guard let state = (try? commands.states(of: [jobId]))?[jobId] else { return nil }
            if !state.isLive { return state }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return nil
    }
}
