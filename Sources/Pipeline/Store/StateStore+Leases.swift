import Foundation
import Formats
import GRDB

/// Stage leases: claim, heartbeat, commit (done with its artifacts, or failed), invalidate, and reclaiming
/// the rows of owners that died. Every transition is one transaction guarded by the owner identity.
extension StateStore {
    // MARK: Leases

    public enum ClaimResult: Sendable, Equatable {
        /// This process now owns the key; `attempt` numbers the log file.
        case claimed(attempt: Int)
        /// Already computed (possibly by another process since planning).
        case done
        /// Another live process is computing it; wait and ask again.
        case held(by: ProcessIdentity)
    }

    /// Takes the lease on `key` unless it is done (and not forced) or owned by a live process. A `running`
    /// row whose owner is dead is taken over (and logged as an event): no manual unlock, ever.
    public func claim(key: String, runId: String, force: Bool, threads: Int, staleAfter: TimeInterval = 600) throws -> ClaimResult {
        let me = ProcessIdentity.current
        return try writer.write { db -> ClaimResult in
            guard let row = try StageRecord.fetchOne(db, key: key) else {
                throw PipelineError.unknownStage(key)
            }
            switch row.status {
            case .done where !force:
                return .done
            case .running:
                if let owner = row.owner, owner != me, ownerAlive(owner, heartbeat: row.heartbeatAt, staleAfter: staleAfter) {
                    return .held(by: owner)
                }
                try appendEvent(db, runId: runId, key: key, kind: "reclaimed",
                                "owner \(row.owner?.description ?? "unknown") is gone; stage marked interrupted and retried")
            default:
                break
            }
            let attempt = row.attempt + 1
            let now = StateStore.now
            try db.execute(sql: """
                UPDATE stage SET status = 'running', attempt = ?, runId = ?, host = ?, pid = ?, processStart = ?,
                  heartbeatAt = ?, startedAt = ?, finishedAt = NULL, exitCode = NULL, error = NULL, threads = ?, logPath = NULL,
                  slurmJob = ?
                WHERE key = ?
                """, arguments: [attempt, runId, me.host, me.pid, me.start, now, now, threads, ProcessIdentity.slurmJob, key])
            try db.execute(sql: "DELETE FROM metric WHERE stageKey = ?", arguments: [key])
            try db.execute(sql: "DELETE FROM artifact WHERE stageKey = ?", arguments: [key])
            try appendEvent(db, runId: runId, key: key, kind: "claimed", "attempt \(attempt) by \(me)")
            return .claimed(attempt: attempt)
        }
    }

    private func ownerAlive(_ owner: ProcessIdentity, heartbeat: Double?, staleAfter: TimeInterval) -> Bool {
        if let alive = owner.isAlive() { return alive }
        // Another host (e.g. a cluster node): trust its heartbeat.
        return (heartbeat ?? 0) > StateStore.now - staleAfter
    }

    /// The live owner of `key`'s lease, if another process holds it (the same test `claim` applies).
    public func leaseHolder(key: String, staleAfter: TimeInterval = 600) throws -> ProcessIdentity? {
        let me = ProcessIdentity.current
        return try writer.read { db in
            guard let row = try StageRecord.fetchOne(db, key: key), row.status == .running, let owner = row.owner, owner != me,
                  ownerAlive(owner, heartbeat: row.heartbeatAt, staleAfter: staleAfter) else { return nil }
            return owner
        }
    }

    public func setLogPath(key: String, path: String) throws {
        try writer.write { db in try db.execute(sql: "UPDATE stage SET logPath = ? WHERE key = ?", arguments: [path, key]) }
    }

    /// Refreshes the heartbeat of keys this process is running (for owners on other hosts to see).
    public func heartbeat(keys: [String]) throws {
        guard !keys.isEmpty else { return }
        let me = ProcessIdentity.current
        try writer.write { db in
            for key in keys {
                try db.execute(sql: "UPDATE stage SET heartbeatAt = ? WHERE key = ? AND status = 'running' AND pid = ? AND host = ?",
                               arguments: [StateStore.now, key, me.pid, me.host])
            }
        }
    }

    /// Commits a successful attempt: artifacts and `done` in one transaction, only if this process still holds
    /// the lease. Returns false (and writes nothing) if the lease was lost.
    @discardableResult
    public func commitDone(key: String, runId: String, artifacts: [ArtifactRecord]) throws -> Bool {
        let me = ProcessIdentity.current
        return try writer.write { db in
            let updated = try stageOwnedUpdate(db, key: key, me: me, status: .done, exitCode: 0, error: nil)
            guard updated else { return false }
            try db.execute(sql: "DELETE FROM artifact WHERE stageKey = ?", arguments: [key])
            for artifact in artifacts { try artifact.insert(db) }
            try appendEvent(db, runId: runId, key: key, kind: "done", "\(artifacts.count) artifact(s)")
            return true
        }
    }

    /// Records a failed or interrupted attempt (only if this process still holds the lease).
    public func commitFailure(key: String, runId: String, status: StageStatus, exitCode: Int32?, error: String) throws {
        let me = ProcessIdentity.current
        try writer.write { db in
            if try stageOwnedUpdate(db, key: key, me: me, status: status, exitCode: exitCode, error: error) {
                try appendEvent(db, runId: runId, key: key, kind: status.rawValue, error)
            }
        }
    }

    private func stageOwnedUpdate(_ db: Database, key: String, me: ProcessIdentity, status: StageStatus,
                                  exitCode: Int32?, error: String?) throws -> Bool {
        try db.execute(sql: """
            UPDATE stage SET status = ?, finishedAt = ?, exitCode = ?, error = ?
            WHERE key = ? AND status = 'running' AND host = ? AND pid = ? AND processStart = ?
            """, arguments: [status.rawValue, StateStore.now, exitCode, error, key, me.host, me.pid, me.start])
        return db.changesCount > 0
    }

    /// Marks a done stage's record invalid (its artifact is missing or corrupt) so it is recomputed.
    public func invalidate(key: String, runId: String?, reason: String) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE stage SET status = 'pending' WHERE key = ? AND status = 'done'", arguments: [key])
            try db.execute(sql: "DELETE FROM artifact WHERE stageKey = ?", arguments: [key])
            try appendEvent(db, runId: runId, key: key, kind: "invalidated", reason)
        }
    }

    /// Turns `running` rows of dead local owners into `interrupted`. Returns their keys.
    public func reconcileDeadOwners(runId: String?) throws -> [String] {
        try writer.write { db in
            var keys: [String] = []
            for row in try StageRecord.fetchAll(db, sql: "SELECT * FROM stage WHERE status = 'running'") {
                guard let owner = row.owner, owner.isAlive() == false else { continue }
                try db.execute(sql: "UPDATE stage SET status = 'interrupted', finishedAt = ?, error = ? WHERE key = ?",
                               arguments: [StateStore.now, "owner \(owner) died", row.key])
                try appendEvent(db, runId: runId, key: row.key, kind: "interrupted", "owner \(owner) died while running")
                keys.append(row.key)
            }
            return keys
        }
    }
}
