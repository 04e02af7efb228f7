import Foundation

/// Options of `hmpipe run` (and of `Runner` when driven from code or tests).
public struct RunOptions: Sendable {
    public var workspace: URL
    public var profile: String = "default"
    /// `--set NAME=VALUE`, applied after the profile (they name a synthesized profile; see `ParameterOverride`).
    public var overrides: [ParameterOverride] = []
    /// Parallel stages; nil → as many as cores.
    public var jobs: Int? = nil
    /// Threads per stage; nil → cores / jobs (at least 1), so threads × jobs never exceeds the cores.
    public var threads: Int? = nil
    public var dryRun = false
    public var keepGoing = false
    public var force: [String] = []
    public var only: [String] = []

    public init(workspace: URL) { self.workspace = workspace }

    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// (jobs, threads per stage) with jobs × threads ≤ cores unless the user asked for more jobs than cores.
    public var resolvedParallelism: (jobs: Int, threads: Int) {
        let cores = RunOptions.cores
        let jobs = max(1, self.jobs ?? cores)
        let fair = max(1, cores / jobs)
        return (jobs, min(max(1, threads ?? fair), fair))
    }

    /// Threads of an exclusive stage, which runs alone: every core, or `--threads` up to the cores.
    public var exclusiveThreads: Int { min(max(1, threads ?? RunOptions.cores), RunOptions.cores) }
}

/// What a run did.
public struct RunSummary: Sendable {
    public var planned: [Plan.Item] = []
    public var executed: [String] = []
    public var cached: [String] = []
    public var failed: [(name: String, message: String)] = []
    /// Not run because an upstream stage failed (or the run stopped first).
    public var skipped: [String] = []
    /// Left to cluster jobs this run does not wait for (`--detach`): stage name → job id.
    public var submitted: [(name: String, jobId: String)] = []
    /// Not submitted yet because they need the output of a submitted stage; a later `hmpipe run` continues.
    public var waiting: [String] = []
    public var interrupted = false
    public var succeeded: Bool { failed.isEmpty && skipped.isEmpty && !interrupted }
}
