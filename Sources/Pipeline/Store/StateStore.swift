import Foundation
import Formats
import GRDB

/// The workspace's SQLite database (GRDB, WAL). Every SQL statement of hmpipe lives in this file (opening,
/// schema) and its extensions by concern: `+Runs` (runs, recorded plan), `+Leases` (claims, commits),
/// `+Records` (metrics, events, file hashes), `+Queries` (reads), `+Slurm` (jobs, reservations).
///
/// Several `hmpipe` processes may open one workspace at once: WAL lets readers proceed, write transactions
/// are IMMEDIATE (GRDB's default) and wait up to `busyTimeout` for each other. Stage leases are rows in
/// `stage` claimed inside such a transaction, so two processes can never both move a key to `running`.
public final class StateStore: @unchecked Sendable {
    public let writer: DatabasePool

    public init(path: URL, busyTimeout: TimeInterval = 120) throws {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.label = "hmpipe-state"
        // Two processes opening a new workspace at once would race on switching it to WAL and would both see
        // "no migrations applied"; an exclusive file lock around opening makes the second see the first's work.
        writer = try StateStore.withFileLock(path.path + ".lock") {
            try StateStore.refuseTruncated(path)
            do {
                let pool = try DatabasePool(path: path.path, configuration: config)
                // quick_check walks every b-tree page: a damaged page is found here by every command (status,
                // verify, gc, run) instead of by whichever query happens to read it.
                let check = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check(3)") }
                guard check == ["ok"] else { throw StateDatabaseError.damaged(path.path, detail: check.joined(separator: "; ")) }
                try StateStore.migrator.migrate(pool)
                return pool
            } catch let e as DatabaseError where [ResultCode.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(e.resultCode.primaryResultCode) {
                throw StateDatabaseError.damaged(path.path, detail: e.message ?? "\(e.resultCode)")
            }
        }
    }

    /// An empty database file is what SQLite would silently take for a new workspace. It is one only when the
    /// workspace holds nothing else; beside stored artifacts or logs it is a truncated history.
    private static func refuseTruncated(_ path: URL) throws {
        let fm = FileManager.default
        guard let size = (try? fm.attributesOfItem(atPath: path.path)[.size]) as? NSNumber, size.intValue == 0 else { return }
        let root = path.deletingLastPathComponent()
        let history = ["cas", "logs"].contains { !((try? fm.contentsOfDirectory(atPath: root.appendingPathComponent($0).path)) ?? []).isEmpty }
        if history { throw StateDatabaseError.empty(path.path) }
    }

    static func withFileLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    // MARK: Schema

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: "run") { t in
                t.primaryKey("id", .text)
                t.column("command", .text).notNull()
                t.column("specs", .text).notNull()
                t.column("profile", .text).notNull()
                t.column("host", .text).notNull()
                t.column("pid", .integer).notNull()
                t.column("startedAt", .double).notNull()
                t.column("finishedAt", .double)
                t.column("status", .text).notNull()
                t.column("executed", .integer).notNull().defaults(to: 0)
                t.column("cached", .integer).notNull().defaults(to: 0)
                t.column("failed", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "stage") { t in
                t.primaryKey("key", .text)
                t.column("kind", .text).notNull()
                t.column("template", .text).notNull()
                t.column("name", .text).notNull()
                t.column("params", .text).notNull()
                t.column("inputs", .text).notNull()
                t.column("outputs", .text).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("attempt", .integer).notNull().defaults(to: 0)
                t.column("runId", .text)
                t.column("host", .text)
                t.column("pid", .integer)
                t.column("processStart", .text)
                t.column("heartbeatAt", .double)
                t.column("startedAt", .double)
                t.column("finishedAt", .double)
                t.column("exitCode", .integer)
                t.column("logPath", .text)
                t.column("error", .text)
                t.column("threads", .integer)
            }
            try db.create(table: "specNode") { t in
                t.column("spec", .text).notNull()
                t.column("profile", .text).notNull()
                t.column("name", .text).notNull()
                t.column("key", .text).notNull()
                t.column("updatedAt", .double).notNull()
                t.primaryKey(["spec", "profile", "name"])
            }
            try db.create(table: "cell") { t in
                t.column("spec", .text).notNull()
                t.column("profile", .text).notNull()
                t.column("label", .text).notNull()
                t.column("axes", .text).notNull()
                t.column("template", .text).notNull()
                t.column("stageKey", .text).notNull()
                t.primaryKey(["spec", "profile", "label", "template"])
            }
            try db.create(table: "metric") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("stageKey", .text).notNull().indexed()
                t.column("name", .text).notNull()
                t.column("value", .double).notNull()
                t.column("step", .integer)
                t.column("at", .double).notNull()
            }
            try db.create(table: "artifact") { t in
                t.column("stageKey", .text).notNull()
                t.column("name", .text).notNull()
                t.column("sha256", .text).notNull().indexed()
                t.column("size", .integer).notNull()
                t.column("storedSize", .integer).notNull()
                t.column("compressed", .boolean).notNull()
                t.primaryKey(["stageKey", "name"])
            }
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runId", .text)
                t.column("stageKey", .text).indexed()
                t.column("at", .double).notNull()
                t.column("kind", .text).notNull()
                t.column("message", .text).notNull()
            }
            try db.create(table: "fileHash") { t in
                t.primaryKey("path", .text)
                t.column("size", .integer).notNull()
                t.column("mtimeNs", .integer).notNull()
                t.column("inode", .integer).notNull()
                t.column("sha256", .text).notNull()
            }
        }
        m.registerMigration("v2-slurm") { db in
            try db.alter(table: "stage") { t in t.add(column: "slurmJob", .text) }
            try db.create(table: "slurmJob") { t in
                t.primaryKey("jobId", .text)
                t.column("stageKey", .text).notNull().indexed()
                t.column("runId", .text)
                t.column("submittedAt", .double).notNull()
                t.column("endedAt", .double)
                t.column("outcome", .text)
            }
        }
        m.registerMigration("v3-slurm-reservation") { db in
            // A run between "nothing submitted for this stage" and sbatch returning: held so that a second run on
            // the same workspace waits instead of submitting the stage again.
            try db.create(table: "slurmReservation") { t in
                t.primaryKey("stageKey", .text)
                t.column("host", .text).notNull()
                t.column("pid", .integer).notNull()
                t.column("processStart", .text).notNull()
                t.column("at", .double).notNull()
            }
        }
        return m
    }

    static var now: Double { Date().timeIntervalSince1970 }
}
