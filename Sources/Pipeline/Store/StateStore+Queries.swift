import Foundation
import Formats
import GRDB

/// Reads for planning, status, verify, gc and report.
extension StateStore {
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
