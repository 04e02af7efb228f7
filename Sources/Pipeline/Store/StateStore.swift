import Foundation
import Formats
import GRDB

/// The workspace's SQLite database (GRDB, WAL). Every SQL statement of hmpipe lives in this file and in its
/// Slurm part, `StateStore+Slurm.swift`.
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

    // MARK: Runs

    public func beginRun(command: String, specs: [String], profile: String) throws -> String {
        let me = ProcessIdentity.current
        let record = RunRecord(id: UUID().uuidString.lowercased(), command: command, specs: specs.joined(separator: ","), profile: profile,
                               host: me.host, pid: me.pid, startedAt: StateStore.now, finishedAt: nil, status: "running",
                               executed: 0, cached: 0, failed: 0)
        try writer.write { db in try record.insert(db) }
        return record.id
    }

    public func finishRun(_ id: String, status: String, executed: Int, cached: Int, failed: Int) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE run SET status = ?, finishedAt = ?, executed = ?, cached = ?, failed = ? WHERE id = ?",
                           arguments: [status, StateStore.now, executed, cached, failed, id])
        }
    }

    public func runs() throws -> [RunRecord] {
        try writer.read { db in try RunRecord.fetchAll(db, sql: "SELECT * FROM run ORDER BY startedAt") }
    }

    // MARK: Planning

    /// Records the planned graph: a `pending` row for every new key, and which key each node and cell of
    /// (spec, profile) resolves to now. One transaction, writes only what changed (a no-op run stays fast).
    public func recordPlan(_ graph: StageGraph) throws {
        let now = StateStore.now
        try writer.write { db in
            let existing = Set(try String.fetchAll(db, sql: "SELECT key FROM stage"))
            for key in graph.order where !existing.contains(key) {
                let node = graph.nodes[key]!
                try StageRecord(key: key, kind: node.kind, template: node.template, name: node.name,
                                params: node.params.canonical,
                                inputs: JSONValue.object(node.inputs.mapValues(\.json)).canonical,
                                outputs: JSONValue.array(node.outputs.map { .string($0) }).canonical,
                                status: .pending, attempt: 0).insert(db)
            }
            var current: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, key FROM specNode WHERE spec = ? AND profile = ?",
                                        arguments: [graph.spec, graph.profile]) {
                current[row["name"]] = row["key"]
            }
            for key in graph.order {
                let node = graph.nodes[key]!
                if current[node.name] != key {
                    try SpecNodeRecord(spec: graph.spec, profile: graph.profile, name: node.name, key: key, updatedAt: now).save(db)
                }
            }
            var cells: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT label, template, stageKey FROM cell WHERE spec = ? AND profile = ?",
                                        arguments: [graph.spec, graph.profile]) {
                cells[(row["label"] as String) + "\u{0}" + (row["template"] as String)] = row["stageKey"]
            }
            for cell in graph.cells {
                let axes = JSONValue.object(cell.axes).canonical
                for (template, key) in cell.stages where cells[cell.label + "\u{0}" + template] != key {
                    try CellRecord(spec: graph.spec, profile: graph.profile, label: cell.label, axes: axes,
                                   template: template, stageKey: key).save(db)
                }
            }
        }
    }

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

    // MARK: Metrics and events

    public func recordMetric(key: String, name: String, value: Double, step: Int?) throws {
        try writer.write { db in
            try MetricRecord(id: nil, stageKey: key, name: name, value: value, step: step, at: StateStore.now).insert(db)
        }
    }

    public func event(runId: String?, key: String?, kind: String, _ message: String) throws {
        try writer.write { db in try appendEvent(db, runId: runId, key: key, kind: kind, message) }
    }

    func appendEvent(_ db: Database, runId: String?, key: String?, kind: String, _ message: String) throws {
        try EventRecord(id: nil, runId: runId, stageKey: key, at: StateStore.now, kind: kind, message: message).insert(db)
    }

    // MARK: File hash memo

    public func cachedFileHash(path: String, size: Int64, mtimeNs: Int64, inode: Int64) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT sha256 FROM fileHash WHERE path = ? AND size = ? AND mtimeNs = ? AND inode = ?",
                                arguments: [path, size, mtimeNs, inode])
        }
    }

    public func storeFileHash(_ record: FileHashRecord) throws {
        try writer.write { db in try record.save(db) }
    }

    // MARK: Queries (status, verify, gc, report)

    public func stage(_ key: String) throws -> StageRecord? {
        try writer.read { db in try StageRecord.fetchOne(db, key: key) }
    }

    /// Rows for many keys in one query (status and no-op runs must not do one query per node).
    public func stages(_ keys: [String]) throws -> [String: StageRecord] {
        try writer.read { db in
            var result: [String: StageRecord] = [:]
            for chunk in stride(from: 0, to: keys.count, by: 500).map({ Array(keys[$0..<min($0 + 500, keys.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try StageRecord.fetchAll(db, sql: "SELECT * FROM stage WHERE key IN (\(marks))", arguments: StatementArguments(chunk)) {
                    result[row.key] = row
                }
            }
            return result
        }
    }

    /// What planning needs of each key's row (status, last error, lease owner), read by column index: a
    /// no-op run plans every selected key, and decoding whole records by column name was most of that.
    public func planningRows(_ keys: [String]) throws -> [String: PlanningRow] {
        try writer.read { db in
            var result: [String: PlanningRow] = [:]
            result.reserveCapacity(keys.count)
            for start in stride(from: 0, to: keys.count, by: 500) {
                let chunk = Array(keys[start..<min(start + 500, keys.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchCursor(db, sql: "SELECT key, status, error, host, pid, processStart FROM stage WHERE key IN (\(marks))",
                                               arguments: StatementArguments(chunk))
                while let row = try rows.next() {
                    let host: String? = row[3], pid: Int32? = row[4], start: String? = row[5]
                    let owner = host.flatMap { h in pid.flatMap { p in start.map { ProcessIdentity(host: h, pid: p, start: $0) } } }
                    result[row[0]] = PlanningRow(status: row[1], error: row[2], owner: owner)
                }
            }
            return result
        }
    }

    /// Artifact rows of the given keys (every key when nil), by column index.
    public func artifactRows(keys: [String]? = nil) throws -> [String: [ArtifactRecord]] {
        try writer.read { db in
            let wanted = keys.map(Set.init)
            var result: [String: [ArtifactRecord]] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT stageKey, name, sha256, size, storedSize, compressed FROM artifact")
            while let row = try rows.next() {
                let key: String = row[0]
                if let wanted, !wanted.contains(key) { continue }
                result[key, default: []].append(ArtifactRecord(stageKey: key, name: row[1], sha256: row[2], size: row[3],
                                                               storedSize: row[4], compressed: row[5]))
            }
            return result
        }
    }

    public func allStages() throws -> [StageRecord] {
        try writer.read { db in try StageRecord.fetchAll(db, sql: "SELECT * FROM stage ORDER BY name") }
    }

    /// All artifacts, grouped by stage key.
    public func artifacts(keys: [String]? = nil) throws -> [String: [ArtifactRecord]] {
        try writer.read { db in
            let rows = try ArtifactRecord.fetchAll(db, sql: "SELECT * FROM artifact")
            let wanted = keys.map(Set.init)
            return Dictionary(grouping: rows.filter { wanted?.contains($0.stageKey) ?? true }, by: \.stageKey)
        }
    }

    /// The key each node of (spec, profile) resolved to at its last run.
    public func specNodes(spec: String, profile: String) throws -> [String: String] {
        try writer.read { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, key FROM specNode WHERE spec = ? AND profile = ?", arguments: [spec, profile]) {
                out[row["name"]] = row["key"]
            }
            return out
        }
    }

    /// Specs (and profiles) that have been run in this workspace.
    public func specs() throws -> [(spec: String, profile: String)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT DISTINCT spec, profile FROM cell ORDER BY spec, profile").map { ($0["spec"], $0["profile"]) }
        }
    }

    public func metrics(stageKey: String) throws -> [MetricRecord] {
        try writer.read { db in
            try MetricRecord.fetchAll(db, sql: "SELECT * FROM metric WHERE stageKey = ? ORDER BY id", arguments: [stageKey])
        }
    }

    public func events(stageKey: String? = nil) throws -> [EventRecord] {
        try writer.read { db in
            if let stageKey {
                return try EventRecord.fetchAll(db, sql: "SELECT * FROM event WHERE stageKey = ? ORDER BY id", arguments: [stageKey])
            }
            return try EventRecord.fetchAll(db, sql: "SELECT * FROM event ORDER BY id")
        }
    }

    /// Final value of each metric of a stage: the value at the highest step (a step-less value counts as final).
    public func finalMetrics(stageKey: String) throws -> [String: Double] {
        try writer.read { db in try finalMetrics(db, keys: [stageKey])[stageKey] ?? [:] }
    }

    private func finalMetrics(_ db: Database, keys: [String]) throws -> [String: [String: Double]] {
        var out: [String: [String: Double]] = [:]
        guard !keys.isEmpty else { return out }
        let marks = Array(repeating: "?", count: keys.count).joined(separator: ",")
        // Later rows win among equal steps; NULL step sorts last (= final).
        let rows = try Row.fetchAll(db, sql: """
            SELECT stageKey, name, value FROM metric WHERE stageKey IN (\(marks))
            ORDER BY stageKey, name, (step IS NULL), step, id
            """, arguments: StatementArguments(keys))
        for row in rows { out[row["stageKey"], default: [:]][row["name"]] = row["value"] }
        return out
    }

    /// Per cell of a spec: axis values, and for each template stage its key, status and final metrics.
    /// This is the query `report` builds tables from.
    public func cellResults(spec: String, profile: String = "default") throws -> [CellResult] {
        try writer.read { db in
            let cells = try CellRecord.fetchAll(db, sql: "SELECT * FROM cell WHERE spec = ? AND profile = ? ORDER BY label, template",
                                                arguments: [spec, profile])
            let keys = Array(Set(cells.map(\.stageKey)))
            let metrics = try finalMetrics(db, keys: keys)
            var statuses: [String: StageStatus] = [:]
            if !keys.isEmpty {
                let marks = Array(repeating: "?", count: keys.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT key, status FROM stage WHERE key IN (\(marks))", arguments: StatementArguments(keys)) {
                    statuses[row["key"]] = StageStatus(rawValue: row["status"]) ?? .pending
                }
            }
            var grouped: [String: CellResult] = [:]
            var order: [String] = []
            for c in cells {
                if grouped[c.label] == nil {
                    let axes = (try? JSONValue.parse(c.axes).objectValue) ?? nil
                    grouped[c.label] = CellResult(spec: spec, profile: profile, label: c.label, axes: axes ?? [:], stages: [:])
                    order.append(c.label)
                }
                grouped[c.label]!.stages[c.template] = CellResult.Stage(key: c.stageKey, status: statuses[c.stageKey] ?? .pending,
                                                                        metrics: metrics[c.stageKey] ?? [:])
            }
            return order.map { grouped[$0]! }
        }
    }
}

/// One grid cell's results, as `StateStore.cellResults` returns them.
public struct CellResult: Sendable {
    public struct Stage: Sendable {
        public let key: String
        public let status: StageStatus
        /// Final value per metric name.
        public let metrics: [String: Double]
        public init(key: String, status: StageStatus, metrics: [String: Double]) {
            self.key = key; self.status = status; self.metrics = metrics
        }
    }
    public let spec: String
    public let profile: String
    public let label: String
    public let axes: [String: JSONValue]
    /// Template stage name → its key, status and final metrics in this cell.
    public var stages: [String: Stage]

    public init(spec: String, profile: String, label: String, axes: [String: JSONValue], stages: [String: Stage]) {
        self.spec = spec; self.profile = profile; self.label = label; self.axes = axes; self.stages = stages
    }

    /// All final metrics of the cell, as `template.metric` → value.
    public var metrics: [String: Double] {
        stages.reduce(into: [:]) { all, entry in
            for (name, value) in entry.value.metrics { all["\(entry.key).\(name)"] = value }
        }
    }
}
