/// A job's state as `squeue` names it. Only a hint: the job's exit file and the state database decide a stage's
/// outcome; `squeue` tells "still alive" from "gone" and says why a job that wrote nothing ended.
public struct SlurmJobState: Sendable, Equatable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    /// Queued, running, or coming back (requeue, suspension; PREEMPTED too, since with `--requeue` it turns into
    /// PENDING — a preempted job that never returns is concluded once it leaves the queue): do not conclude yet.
    public var isLive: Bool { SlurmJobState.live.contains(name) }

    /// Will (re)start later, so an exit file present now belongs to an earlier run of the same job id.
    public var willRunAgain: Bool { SlurmJobState.restarting.contains(name) }

    /// Ended by the cluster rather than by the stage or a user — a resubmission can finish it (training resumes
    /// from its checkpoint).
    public var endedByCluster: Bool { ["TIMEOUT", "PREEMPTED", "NODE_FAIL", "BOOT_FAIL", "DEADLINE"].contains(name) }

    public var description: String { name }

    static let restarting: Set<String> = ["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD",
                                          "RESV_DEL_HOLD", "SUSPENDED", "SPECIAL_EXIT", "PREEMPTED"]
    static let live: Set<String> = restarting.union(["RUNNING", "COMPLETING", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED"])
}
