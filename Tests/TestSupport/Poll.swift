import Foundation
import Pipeline

/// Waiting on a process the test started (a run under Slurm, a job writing a checkpoint).
public enum Poll {
    /// Polls until `value` gives something; the deadline only guards against a hung test.
    public static func until<T>(_ what: String, deadline: TimeInterval = 300, _ value: () throws -> T?) throws -> T {
        let end = Date().addingTimeInterval(deadline)
        while Date() < end {
            if let v = try value() { return v }
            usleep(100_000)
        }
        throw TestFailure("gave up waiting for \(what)")
    }

    /// The workspace's state once a run has created it.
    public static func state(_ workspace: URL) throws -> StateStore {
        try until("the state database") {
            FileManager.default.fileExists(atPath: Workspace(workspace).database.path) ? try Runner.openState(Workspace(workspace)) : nil
        }
    }
}
