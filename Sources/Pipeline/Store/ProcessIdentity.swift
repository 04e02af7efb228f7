import Foundation

/// Who owns a running stage: host, pid and a start token (process start time in clock ticks since boot, plus
/// the boot id). A pid alone is not enough — after a crash the pid may belong to an unrelated new process.
public struct ProcessIdentity: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let pid: Int32
    public let start: String

    public init(host: String, pid: Int32, start: String) {
        self.host = host
        self.pid = pid
        self.start = start
    }

    public static let current: ProcessIdentity = {
        let pid = getpid()
        return ProcessIdentity(host: ProcessInfo.processInfo.hostName, pid: pid, start: startToken(of: pid) ?? "unknown")
    }()

    /// `"<starttime ticks>@<boot id>"` from /proc, or nil if the process does not exist.
    public static func startToken(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "comm)" start at field 3; starttime is field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return "\(fields[19])@\(bootID)"
    }

    /// The Slurm job this process runs in, if any (recorded with every lease it takes): for an element of a job
    /// array, the `ARRAY_TASK` id hmpipe follows it by (`HMPIPE_JOB_ID`, set by the array script).
    public static let slurmJob: String? = {
        let env = ProcessInfo.processInfo.environment
        return [env["HMPIPE_JOB_ID"], env["SLURM_JOB_ID"]].lazy.compactMap { $0 }.first { !$0.isEmpty }
    }()

    static let bootID: String = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "noboot"

    /// true/false when it can be decided on this host; nil for another host (the caller falls back to heartbeats).
    public func isAlive() -> Bool? {
        guard host == ProcessIdentity.current.host else { return nil }
        guard let token = ProcessIdentity.startToken(of: pid) else { return false }
        return token == start
    }

    public var description: String { "pid \(pid) on \(host)" }
}
