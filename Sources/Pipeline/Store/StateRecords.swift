import Foundation
import GRDB

// Typed rows of the state database (GRDB records). No SQL here: queries live in StateStore.swift.
// Times are Unix seconds (Double) so they sort and subtract without date parsing.

/// Status of a stage key. `interrupted` = its owner stopped or died mid-run; it is retried like `pending`.
public enum StageStatus: String, Codable, Sendable, DatabaseValueConvertible {
    case pending, running, done, failed, interrupted
}

/// One `hmpipe run` (or `exec-stage`) invocation.
public struct RunRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "run"
    public var id: String
    public var command: String
    public var specs: String
    public var profile: String
    public var host: String
    public var pid: Int32
    public var startedAt: Double
    public var finishedAt: Double?
    /// running / done / failed / interrupted
    public var status: String
    public var executed: Int
    public var cached: Int
    public var failed: Int
}

/// One stage key: what it is (kind, params, inputs) and its latest attempt. Keyed by cache key, so the same
/// stage needed by two specs is one row and one computation.
public struct StageRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stage"
    public var key: String
    public var kind: String
    public var template: String
    public var name: String
    /// Canonical JSON of the parameters.
    public var params: String
    /// Canonical JSON object: input name → `ResolvedInput.json`.
    public var inputs: String
    /// Canonical JSON array of output names.
    public var outputs: String
    public var status: StageStatus
    public var attempt: Int
    public var runId: String?
    public var host: String?
    public var pid: Int32?
    /// Process start token (start ticks + boot id) telling a live owner from a reused pid.
    public var processStart: String?
    public var heartbeatAt: Double?
    public var startedAt: Double?
    public var finishedAt: Double?
    public var exitCode: Int32?
    public var logPath: String?
    public var error: String?
    public var threads: Int?
    /// The Slurm job the owner ran in (`SLURM_JOB_ID`), so the Slurm executor can release the lease of a job it
    /// knows has ended even when the owner's host is another node.
    public var slurmJob: String?

    public var owner: ProcessIdentity? {
        guard let host, let pid, let processStart else { return nil }
        return ProcessIdentity(host: host, pid: pid, start: processStart)
    }
}

/// Which key a (spec, profile, node name) resolved to at its last run — lets `status` say *why* a node is stale.
public struct SpecNodeRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "specNode"
    public var spec: String
    public var profile: String
    public var name: String
    public var key: String
    public var updatedAt: Double
}

/// One grid cell of a spec and the key its template stage resolved to — what `report` joins metrics on.
public struct CellRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "cell"
    public var spec: String
    public var profile: String
    /// `seed=1,task=copy`
    public var label: String
    /// Canonical JSON object of axis values.
    public var axes: String
    public var template: String
    public var stageKey: String
}

/// A metric reported by a stage attempt: `loss` at step 120, or a final `accuracy` (step nil).
public struct MetricRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metric"
    public var id: Int64?
    public var stageKey: String
    public var name: String
    public var value: Double
    public var step: Int?
    public var at: Double
}

/// An output file of a done stage, stored in the content-addressed store.
public struct ArtifactRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "artifact"
    public var stageKey: String
    public var name: String
    public var sha256: String
    public var size: Int64
    public var storedSize: Int64
    public var compressed: Bool
}

/// Append-only history: claimed, done, failed, interrupted, reclaimed-from-dead-owner, corrupt-artifact…
public struct EventRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var runId: String?
    public var stageKey: String?
    public var at: Double
    public var kind: String
    public var message: String
}

/// (path, size, mtime, inode) → SHA-256, so unchanged input files are not re-hashed on every run.
public struct FileHashRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fileHash"
    public var path: String
    public var size: Int64
    public var mtimeNs: Int64
    public var inode: Int64
    public var sha256: String
}

/// One `sbatch` submission of a stage by the Slurm executor. `endedAt` nil = in flight as far as hmpipe knows, so a
/// later `hmpipe run` attaches to it instead of submitting the stage again.
public struct SlurmJobRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "slurmJob"
    public var jobId: String
    public var stageKey: String
    public var runId: String?
    public var submittedAt: Double
    public var endedAt: Double?
    /// How hmpipe concluded it: `exit 0`, `exit 1`, `vanished (TIMEOUT)`, `cancelled`…
    public var outcome: String?

    public init(jobId: String, stageKey: String, runId: String?, submittedAt: Double, endedAt: Double? = nil, outcome: String? = nil) {
        self.jobId = jobId
        self.stageKey = stageKey
        self.runId = runId
        self.submittedAt = submittedAt
        self.endedAt = endedAt
        self.outcome = outcome
    }
}

// Column by column instead of GRDB's Codable row decoder, which was a fifth of a no-op run's time: every
// run reads every planned stage row and every artifact row.
extension StageRecord {
    public init(row: Row) throws {
        key = row["key"]; kind = row["kind"]; template = row["template"]; name = row["name"]
        params = row["params"]; inputs = row["inputs"]; outputs = row["outputs"]
        status = row["status"]; attempt = row["attempt"]; runId = row["runId"]
        host = row["host"]; pid = row["pid"]; processStart = row["processStart"]; heartbeatAt = row["heartbeatAt"]
        startedAt = row["startedAt"]; finishedAt = row["finishedAt"]; exitCode = row["exitCode"]
        logPath = row["logPath"]; error = row["error"]; threads = row["threads"]; slurmJob = row["slurmJob"]
    }
}

extension ArtifactRecord {
    public init(row: Row) throws {
        stageKey = row["stageKey"]; name = row["name"]; sha256 = row["sha256"]
        size = row["size"]; storedSize = row["storedSize"]; compressed = row["compressed"]
    }
}

/// The part of a stage row planning reads (`StateStore.planningRows`).
public struct PlanningRow: Sendable {
    public var status: StageStatus
    public var error: String?
    public var owner: ProcessIdentity?
}
