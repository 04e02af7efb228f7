import Foundation
import GRDB

/// The Slurm side of the state database: which jobs were submitted for which stage, which are still open,
/// and the short reservation a run holds while it submits (so concurrent runs never submit a stage twice).
extension StateStore {
    /// Where a stage stands before this run may submit it, decided in one transaction so that two runs on one
    /// workspace never both submit it.
    public enum SubmissionSlot: Sendable, Equatable {
        /// This process may submit now; `recordSlurmSubmission` or `releaseSlurmReservation` ends the reservation.
        case reserved
        /// A job for the stage is already in flight: follow it.
        case following(jobId: String)
        /// Another live run is submitting it right now: ask again shortly.
        case submitting(by: String)
        /// Done (and not forced): nothing to submit.
        case done
    }

    /// Reserves the right to submit `key` for `me` (this process; tests play other runs). A reservation whose holder died (or, from another host, one older
    /// than `staleAfter` seconds — sbatch never takes that long) is taken over.
    public func reserveSlurmSubmission(key: String, force: Bool, as me: ProcessIdentity = .current,
                                       staleAfter: TimeInterval = 120) throws -> SubmissionSlot {
        return try writer.write { db -> SubmissionSlot in
            if let open = try String.fetchOne(db, sql: """
                SELECT jobId FROM slurmJob WHERE stageKey = ? AND endedAt IS NULL ORDER BY submittedAt DESC LIMIT 1
                """, arguments: [key]) {
                return .following(jobId: open)
            }
            if !force, try String.fetchOne(db, sql: "SELECT status FROM stage WHERE key = ?", arguments: [key]) == "done" {
                return .done
            }
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM slurmReservation WHERE stageKey = ?", arguments: [key]) {
                let holder = ProcessIdentity(host: row["host"], pid: row["pid"], start: row["processStart"])
                let at: Double = row["at"]
                let alive = holder.isAlive() ?? (StateStore.now - at < staleAfter)
                if holder != me, alive { return .submitting(by: holder.description) }
            }
            try db.execute(sql: "INSERT OR REPLACE INTO slurmReservation (stageKey, host, pid, processStart, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [key, me.host, me.pid, me.start, StateStore.now])
            return .reserved
        }
    }

    /// Ends this process's reservation without a job (sbatch failed).
    public func releaseSlurmReservation(key: String, as me: ProcessIdentity = .current) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM slurmReservation WHERE stageKey = ? AND host = ? AND pid = ?", arguments: [key, me.host, me.pid])
        }
    }

    /// Records a submitted job and ends the stage's reservation, in one transaction.
    public func recordSlurmSubmission(_ job: SlurmJobRecord) throws {
        try writer.write { db in
            try job.insert(db)
            try db.execute(sql: "DELETE FROM slurmReservation WHERE stageKey = ?", arguments: [job.stageKey])
            try appendEvent(db, runId: job.runId, key: job.stageKey, kind: "submitted", "slurm job \(job.jobId)")
        }
    }

    /// Submissions not yet concluded, for the given keys (all keys when nil), oldest first.
    public func openSlurmJobs(keys: [String]? = nil) throws -> [SlurmJobRecord] {
        try writer.read { db in
            let open = try SlurmJobRecord.fetchAll(db, sql: "SELECT * FROM slurmJob WHERE endedAt IS NULL ORDER BY submittedAt")
            guard let keys else { return open }
            let wanted = Set(keys)
            return open.filter { wanted.contains($0.stageKey) }
        }
    }

    /// Concludes the submissions whose job already committed its stage as done while no run was following it
    /// (a `--detach` run exited first). Without this the planner counts the stage as cached and the record stays
    /// open for ever. Returns (stage name, job id) of each.
    public func concludeSlurmJobsThatFinishedTheirStage(runId: String?) throws -> [(name: String, jobId: String)] {
        try writer.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT slurmJob.jobId, slurmJob.stageKey, stage.name FROM slurmJob JOIN stage ON stage.key = slurmJob.stageKey
                WHERE slurmJob.endedAt IS NULL AND stage.status = 'done' AND stage.slurmJob = slurmJob.jobId
                """)
            var concluded: [(name: String, jobId: String)] = []
            for row in rows {
                let jobId: String = row["jobId"], key: String = row["stageKey"]
                try db.execute(sql: "UPDATE slurmJob SET endedAt = ?, outcome = ? WHERE jobId = ?",
                               arguments: [StateStore.now, "exit 0, finished while no run followed it", jobId])
                try appendEvent(db, runId: runId, key: key, kind: "concluded", "slurm job \(jobId) finished while no run followed it")
                concluded.append((row["name"], jobId))
            }
            return concluded
        }
    }

    /// Concludes a submission. If the job's own process still holds `running` on the stage (it was killed before
    /// it could record anything), the lease is released as `interrupted` so the stage can run again at once.
    public func concludeSlurmJob(_ jobId: String, key: String, outcome: String, runId: String?) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE slurmJob SET endedAt = ?, outcome = ? WHERE jobId = ? AND endedAt IS NULL",
                           arguments: [StateStore.now, outcome, jobId])
            try db.execute(sql: """
                UPDATE stage SET status = 'interrupted', finishedAt = ?, error = ? WHERE key = ? AND status = 'running' AND slurmJob = ?
                """, arguments: [StateStore.now, "slurm job \(jobId) ended: \(outcome)", key, jobId])
            if db.changesCount > 0 {
                try appendEvent(db, runId: runId, key: key, kind: "interrupted", "slurm job \(jobId) ended (\(outcome)) while it held the lease")
            }
        }
    }
}
