import Foundation
import StageInterface

/// How one stage attempt ended, as the scheduler sees it.
public enum StageOutcome: Sendable, Equatable {
    /// Computed now and committed.
    case executed
    /// Already done (another process finished it, or it was done when claimed).
    case cached
    /// Another live process holds the lease: ask again later.
    case held
    /// An input artifact failed verification; its producer was invalidated and must run first.
    case inputInvalid(producer: String)
    case failed(String)
    case interrupted
    /// Handed to a cluster job that is still queued or running, and this run does not wait for it (`--detach`,
    /// or Ctrl-C answered "leave them running"); a later `hmpipe run` attaches to the job.
    case submitted(jobId: String)
}

/// Runs stages. The scheduler decides *what* and *when*; an executor decides *where*. The local executor runs
/// built-in kinds in-process (on the scheduler's worker thread) and `command` kinds as child processes; the
/// Slurm executor (`Slurm/SlurmExecutor.swift`) submits `hmpipe exec-stage KEY --workspace DIR` and waits for
/// the job's exit file and the state row instead.
///
/// `execute` blocks until the stage reaches an outcome and must leave the state store consistent with it.
public protocol Executor: Sendable {
    /// Called once per run after the plan is recorded and before deciding what to run: the executor settles
    /// what its own earlier runs left (the Slurm executor concludes jobs that finished while no run followed
    /// them). The runner makes no executor-specific call itself.
    func beforePlanning(state: StateStore, runId: String, progress: ProgressReporter) throws
    func execute(key: String, environment: ExecutionEnvironment) -> StageOutcome
}

extension Executor {
    public func beforePlanning(state: StateStore, runId: String, progress: ProgressReporter) throws {}
}

/// What every executor needs to know about the run it serves.
public struct ExecutionEnvironment: Sendable {
    public let workspace: Workspace
    public let state: StateStore
    public let registry: StageRegistry
    public let runId: String
    public let threads: Int
    public let force: Bool
    public let cancellation: CancellationFlag
    /// Live progress (training step and loss on the TTY line); nil where nobody watches (exec-stage).
    public let progress: ProgressReporter?
    /// Per stage key, what a cluster job for it requests (from the spec; the local executor ignores it).
    public let resources: [String: StageResources]

    public init(workspace: Workspace, state: StateStore, registry: StageRegistry, runId: String, threads: Int,
                force: Bool, cancellation: CancellationFlag, progress: ProgressReporter? = nil,
                resources: [String: StageResources] = [:]) {
        self.workspace = workspace
        self.state = state
        self.registry = registry
        self.runId = runId
        self.threads = threads
        self.force = force
        self.cancellation = cancellation
        self.progress = progress
        self.resources = resources
    }

    func with(force: Bool, threads: Int? = nil) -> ExecutionEnvironment {
        ExecutionEnvironment(workspace: workspace, state: state, registry: registry, runId: runId, threads: threads ?? self.threads,
                             force: force, cancellation: cancellation, progress: progress, resources: resources)
    }
}

/// Runs stages in this process (see `StageAttempt`).
public struct LocalExecutor: Executor {
    public init() {}
    public func execute(key: String, environment: ExecutionEnvironment) -> StageOutcome {
        StageAttempt(environment: environment).perform(key: key)
    }
}
