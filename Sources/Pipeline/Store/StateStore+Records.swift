import Foundation
import Formats
import GRDB

/// Append-only records: metrics, events, and the input-file hash memo.
extension StateStore {
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
}
