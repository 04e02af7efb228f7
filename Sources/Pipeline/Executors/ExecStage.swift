import Dispatch
import Foundation
import StageInterface

/// `hmpipe exec-stage KEY`: run one already-planned stage by key, with the same lease and commit rules as a
/// local run. This is the entry point a cluster executor (Slurm) submits on a compute node.
public enum ExecStage {
    public static func run(key: String, workspace: URL, registry: StageRegistry, threads: Int? = nil,
                           force: Bool = false, cancellation: CancellationFlag = CancellationFlag()) throws -> StageOutcome {
        let ws = Workspace(workspace)
        let state = try Runner.openState(ws)
        let use = try WorkspaceLock.shared(ws)   // keeps gc out while this stage runs
        defer { use.release() }
        let matches = try state.allStages().filter { $0.key.hasPrefix(key) }
        guard matches.count == 1, let row = matches.first else {
            throw matches.isEmpty ? PipelineError.unknownStage(key) : PipelineError.io("key prefix \(key) is ambiguous")
        }
        let runId = try state.beginRun(command: CommandLine.arguments.joined(separator: " "), specs: [], profile: "")
        _ = try state.reconcileDeadOwners(runId: runId)
        let environment = ExecutionEnvironment(workspace: ws, state: state, registry: registry, runId: runId,
                                               threads: threads ?? RunOptions.cores, force: force, cancellation: cancellation)
        // On a cluster node the owner's pid means nothing to other hosts: they judge the lease by its heartbeat.
        let heartbeat = DispatchSource.makeTimerSource(queue: .global())
        heartbeat.schedule(deadline: .now() + 30, repeating: 30)
        heartbeat.setEventHandler { try? state.heartbeat(keys: [row.key]) }
        heartbeat.resume()
        let outcome = LocalExecutor().execute(key: row.key, environment: environment)
        heartbeat.cancel()
        let ok = outcome == .executed || outcome == .cached
        try state.finishRun(runId, status: ok ? "done" : (outcome == .interrupted ? "interrupted" : "failed"),
                            executed: outcome == .executed ? 1 : 0, cached: outcome == .cached ? 1 : 0, failed: ok ? 0 : 1)
        return outcome
    }
}
