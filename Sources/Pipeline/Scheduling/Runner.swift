import Dispatch
import Foundation
import StageInterface

/// `hmpipe run`: load specs → build graphs → plan → schedule on an executor, with `-j` parallelism,
/// `--keep-going`, leases shared with concurrent runs, and clean stop on SIGINT/SIGTERM.
public final class Runner: @unchecked Sendable {
    public let options: RunOptions
    public let registry: StageRegistry
    public let executor: any Executor
    public let progress: ProgressReporter
    public let cancellation: CancellationFlag
    public let workspace: Workspace

    public init(options: RunOptions, registry: StageRegistry, executor: any Executor = LocalExecutor(),
                progress: ProgressReporter = ProgressReporter(), cancellation: CancellationFlag = CancellationFlag()) {
        self.options = options
        self.registry = registry
        self.executor = executor
        self.progress = progress
        self.cancellation = cancellation
        self.workspace = Workspace(options.workspace)
    }

    /// Opens (creating if needed) the workspace's state database.
    public static func openState(_ workspace: Workspace) throws -> StateStore {
        try workspace.prepare()
        return try StateStore(path: workspace.database)
    }

    public func run(specs: [URL]) throws -> RunSummary {
        let state = try Runner.openState(workspace)
        let use = try WorkspaceLock.shared(workspace)   // keeps gc out until this run ends
        defer { use.release() }
        let hasher = FileHasher(state: state)
        let profile = ParameterOverride.profileName(options.profile, options.overrides)
        let loaded = try specs.map { try ExperimentSpec.load($0).overriding(options.overrides, profile: options.profile).spec }
        let graphs = try loaded.map { try StageGraph.build($0, profile: profile, registry: registry, hashFile: hasher.hash) }
        let store = ArtifactStore(workspace: workspace)

        if options.dryRun {
            let plan = try Planner.plan(graphs: graphs, state: state, store: store,
                                        only: options.only.isEmpty ? nil : StageGlob(options.only),
                                        force: options.force.isEmpty ? nil : StageGlob(options.force))
            var summary = RunSummary()
            summary.planned = plan.toRun
            return summary
        }

        let runId = try state.beginRun(command: CommandLine.arguments.joined(separator: " "),
                                       specs: loaded.map(\.name), profile: profile)
        for key in try state.reconcileDeadOwners(runId: runId) {
            progress.message("recovered \(key.prefix(12)): its previous owner died; it will be re-run")
        }
        for graph in graphs { try state.recordPlan(graph) }
        try executor.beforePlanning(state: state, runId: runId, progress: progress)
        let plan = try Planner.plan(graphs: graphs, state: state, store: store,
                                    only: options.only.isEmpty ? nil : StageGlob(options.only),
                                    force: options.force.isEmpty ? nil : StageGlob(options.force))
        for (key, reason) in plan.brokenArtifacts {
            try state.invalidate(key: key, runId: runId, reason: reason)
            progress.message("rebuilding \(plan.nodes[key]!.name): \(reason)")
        }
        var summary = try Scheduler(runner: self, state: state, runId: runId, plan: plan).run()
        summary.planned = plan.toRun
        summary.cached += plan.upToDate
        let status = summary.interrupted ? "interrupted"
            : (!summary.succeeded ? "failed" : (summary.submitted.isEmpty ? "done" : "submitted"))
        try state.finishRun(runId, status: status, executed: summary.executed.count, cached: summary.cached.count,
                            failed: summary.failed.count)
        return summary
    }
}

/// The scheduling loop: a ready set over the plan, up to `jobs` attempts in flight on worker threads.
///
/// A node is ready when all its producers are done. Attempts that find the lease held by another process are
/// retried after a short pause while other ready nodes proceed; an attempt that finds a corrupt input puts the
/// producer back into the plan. Failures skip their dependents and, without `--keep-going`, stop new launches.
struct Scheduler {
    let runner: Runner
    let state: StateStore
    let runId: String
    let plan: Plan

    func run() throws -> RunSummary {
        let (jobs, threads) = runner.options.resolvedParallelism
        let exclusiveThreads = runner.options.exclusiveThreads
        let baseEnvironment = ExecutionEnvironment(workspace: runner.workspace, state: state, registry: runner.registry,
                                                   runId: runId, threads: threads, force: false,
                                                   cancellation: runner.cancellation, progress: runner.progress,
                                                   resources: plan.nodes.mapValues(\.resources))
        let lock = NSCondition()
        let book = Book()
        book.pending = Set(plan.toRun.map(\.node.key))
        book.forced = Set(plan.toRun.filter { $0.reason == "forced" }.map(\.node.key))
        book.done = Set(plan.order).subtracting(book.pending)
        var lastHeartbeat = Date()
        var attempts: [String: AttemptThread] = [:]

        runner.progress.begin(total: book.pending.count)
        lock.lock()
        while true {
            if runner.cancellation.isCancelled { book.stopLaunching = true }
            // Launch everything ready, in plan order, up to the job limit. An exclusive stage runs alone: while
            // one runs nothing starts; the first ready one in plan order waits for the running stages to end and
            // holds back every stage after it (so it is not starved by a stream of others).
            if !book.stopLaunching && !book.inFlight.contains(where: { plan.nodes[$0]!.resources.exclusive }) {
                for key in plan.order where book.inFlight.count < jobs && book.pending.contains(key) && !book.inFlight.contains(key) {
                    if let at = book.retryAt[key], at > Date() { continue }
                    let node = plan.nodes[key]!
                    guard node.dependencies.allSatisfy({ book.done.contains($0) || plan.nodes[$0] == nil }) else { continue }
                    if node.resources.exclusive && !book.inFlight.isEmpty { break }
                    book.inFlight.insert(key)
                    book.retryAt[key] = nil
                    // Alone on the machine, an exclusive stage gets every core (or --threads), so what it times
                    // does not depend on -j.
                    let environment = baseEnvironment.with(force: book.forced.contains(key),
                                                           threads: node.resources.exclusive ? exclusiveThreads : nil)
                    runner.progress.stageStarted(node.name)
                    // One thread per attempt in flight, started now: a GCD queue runs only about one block per core
                    // at first, which staggers Slurm submissions (64 in flight) by seconds. Joinable, and joined
                    // before the run returns (AttemptThread: a detached thread's teardown raced the process's exit).
                    attempts.removeValue(forKey: key)?.join()   // a retried attempt's previous thread
                    attempts[key] = AttemptThread {
                        let outcome = runner.executor.execute(key: key, environment: environment)
                        lock.lock()
                        book.inFlight.remove(key)
                        record(outcome, of: key, node: node, in: book)
                        lock.broadcast()
                        lock.unlock()
                    }
                    if node.resources.exclusive { break }
                }
                book.pending.subtract(book.blocked)
            }
            if book.inFlight.isEmpty {
                let launchable = book.pending.contains { key in
                    plan.nodes[key]!.dependencies.allSatisfy { book.done.contains($0) || plan.nodes[$0] == nil }
                }
                if book.stopLaunching || book.pending.isEmpty || !launchable { break }
            }
            // Reap the threads of attempts already booked (their thread is ending; join waits microseconds).
            for key in attempts.keys where !book.inFlight.contains(key) { attempts.removeValue(forKey: key)?.join() }
            if Date().timeIntervalSince(lastHeartbeat) > 30 {
                try? state.heartbeat(keys: Array(book.inFlight))
                lastHeartbeat = Date()
            }
            _ = lock.wait(until: Date().addingTimeInterval(0.1))
        }
        lock.unlock()
        for attempt in attempts.values { attempt.join() }   // booked attempts whose threads were still ending
        runner.progress.end()
        if runner.cancellation.isCancelled { book.summary.interrupted = true }
        // Stages downstream of a submitted job are not skipped: the next `hmpipe run` submits them.
        let waiting = book.submitted.reduce(into: Set<String>()) { $0.formUnion(dependents(of: $1)) }.subtracting(book.blocked)
        book.summary.waiting = plan.order.filter { waiting.contains($0) && book.pending.contains($0) }.map { plan.nodes[$0]!.name }
        book.summary.skipped = plan.order.filter { (book.pending.contains($0) && !waiting.contains($0)) || book.blocked.contains($0) }
            .map { plan.nodes[$0]!.name }
        return book.summary
    }

    /// Books one attempt's outcome (called with the scheduler's lock held): done or cached → done; held by
    /// another process → retry shortly; a bad input → rebuild its producer (twice at most); failed → skip its
    /// dependents and, without --keep-going, stop launching; interrupted; submitted to a cluster.
    private func record(_ outcome: StageOutcome, of key: String, node: StageNode, in book: Book) {
        switch outcome {
        case .executed, .cached:
            book.pending.remove(key)
            book.done.insert(key)
            book.forced.remove(key)
            if outcome == .executed { book.summary.executed.append(key) } else { book.summary.cached.append(key) }
            runner.progress.stageFinished(node.name, outcome: outcome == .executed ? "done" : "cached")
        case .held:
            book.retryAt[key] = Date().addingTimeInterval(0.2)
            runner.progress.stageFinished(node.name, outcome: "wait")
        case .inputInvalid(let producer) where book.requeues[key, default: 0] >= 2:
            // The rebuilt input is still bad: stop instead of looping.
            book.pending.remove(key)
            book.summary.failed.append((node.name, "input from \(plan.nodes[producer]?.name ?? producer) failed verification after rebuilding"))
            runner.progress.stageFinished(node.name, outcome: "FAILED")
            book.blocked.formUnion(dependents(of: key))
            if !runner.options.keepGoing { book.stopLaunching = true }
        case .inputInvalid(let producer):
            book.requeues[key, default: 0] += 1
            book.done.remove(producer)
            book.pending.insert(producer)
            runner.progress.stageFinished(node.name, outcome: "requeue")
            runner.progress.message("input of \(node.name) failed verification; rebuilding \(plan.nodes[producer]?.name ?? producer)")
        case .failed(let message):
            book.pending.remove(key)
            book.summary.failed.append((node.name, message))
            runner.progress.stageFinished(node.name, outcome: "FAILED")
            runner.progress.message("\(node.name) failed: \(message)")
            book.blocked.formUnion(dependents(of: key))
            if !runner.options.keepGoing { book.stopLaunching = true }
        case .interrupted:
            book.pending.remove(key)
            book.summary.interrupted = true
            runner.progress.stageFinished(node.name, outcome: "stopped")
        case .submitted(let jobId):
            book.pending.remove(key)
            book.submitted.insert(key)
            book.summary.submitted.append((node.name, jobId))
            runner.progress.stageFinished(node.name, outcome: "submitted (job \(jobId))")
        }
    }

    /// The scheduler's mutable bookkeeping; every access happens with the condition's lock held.
    final class Book: @unchecked Sendable {
        var pending: Set<String> = []
        var forced: Set<String> = []
        var done: Set<String> = []
        var inFlight: Set<String> = []
        var retryAt: [String: Date] = [:]
        var requeues: [String: Int] = [:]
        var blocked: Set<String> = []
        var submitted: Set<String> = []
        var summary = RunSummary()
        var stopLaunching = false
    }

    private func dependents(of key: String) -> Set<String> {
        var result = Set<String>()
        var frontier = [key]
        while let current = frontier.popLast() {
            for (k, node) in plan.nodes where node.dependencies.contains(current) && result.insert(k).inserted {
                frontier.append(k)
            }
        }
        return result
    }
}
