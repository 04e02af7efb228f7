import Foundation

/// What one run's Slurm executor shares between the worker threads following jobs: the set of jobs in flight,
/// one batched `squeue` answer for all of them (at most one call per `maxAge`), and the single answer to
/// "cancel the submitted jobs?" after Ctrl-C.
public final class SlurmJobTracker: @unchecked Sendable {
    public enum Hint: Sendable, Equatable {
        case state(SlurmJobState)
        /// squeue answered and does not know the job (finished long ago, or purged).
        case absent
        /// squeue failed or timed out: ask again later, never conclude from this.
        case unknown
    }

    private let commands: SlurmCommands
    private let lock = NSLock()
    private var inFlight: Set<String> = []
    private var answer: [String: SlurmJobState]?
    private var answeredAt = Date.distantPast
    /// A job was added since the last answer, so that answer cannot know it.
    private var newJobs = false
    private var cancelDecision: Bool?

    public init(commands: SlurmCommands) { self.commands = commands }

    public func follow(_ jobId: String) { lock.withLock { _ = inFlight.insert(jobId); newJobs = true } }
    public func unfollow(_ jobId: String) { lock.withLock { _ = inFlight.remove(jobId) } }
    public var count: Int { lock.withLock { inFlight.count } }

    public func hint(_ jobId: String, maxAge: TimeInterval = 1) -> Hint {
        lock.withLock {
            if newJobs || Date().timeIntervalSince(answeredAt) > maxAge {
                answer = try? commands.states(of: Array(inFlight.union([jobId])).sorted())
                answeredAt = Date()
                newJobs = false
            }
            guard let answer else { return .unknown }
            return answer[jobId].map(Hint.state) ?? .absent
        }
    }

    /// The first caller after Ctrl-C decides (asking if the policy says so); everyone else gets the same answer.
    public func shouldCancel(_ policy: SlurmOptions.InterruptPolicy) -> Bool {
        lock.withLock {
            if let cancelDecision { return cancelDecision }
            let decision: Bool
            switch policy {
            case .cancel: decision = true
            case .leave: decision = false
            case .ask(let ask): decision = ask(inFlight.count)
            }
            cancelDecision = decision
            return decision
        }
    }
}
