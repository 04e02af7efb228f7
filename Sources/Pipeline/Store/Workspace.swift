import Foundation
import Formats

/// The on-disk layout of a workspace (default `.hmpipe/` in the project directory):
///
///     state.sqlite            runs, stages, metrics, artifacts, events (WAL)
///     cas/ab/<sha256>[.zst]   content-addressed artifacts, read-only
///     materialized/<sha256>   decompressed copies of .zst artifacts for stages to read
///     work/<key>/<attempt>/   private scratch + output folder of one attempt (removed after commit)
///     checkpoints/<key>/      resumable stages' checkpoints; survive interruption, removed on success
///     logs/<ab>/<key>.<n>.log one log per attempt
///     slurm/<key>/            Slurm executor: job.sh, <jobid>.out (job stdout/stderr), <jobid>.exit
///     slurm/arrays/<uuid>/    --slurm-array: array.sh (element i execs stage i's job.sh)
///     tmp/                    temp names for atomic renames
public struct Workspace: Sendable {
    public let root: URL

    /// `cas` as text, computed once (artifact checks build object paths from it by concatenation).
    public let casPath: String

    public init(_ root: URL) {
        self.root = root.standardizedFileURL
        casPath = self.root.appendingPathComponent("cas").path
    }

    public var database: URL { root.appendingPathComponent("state.sqlite") }
    public var cas: URL { root.appendingPathComponent("cas") }
    public var materialized: URL { root.appendingPathComponent("materialized") }
    public var work: URL { root.appendingPathComponent("work") }
    public var checkpoints: URL { root.appendingPathComponent("checkpoints") }
    public var logs: URL { root.appendingPathComponent("logs") }
    public var tmp: URL { root.appendingPathComponent("tmp") }
    public var slurm: URL { root.appendingPathComponent("slurm") }

    public func workDirectory(key: String) -> URL { work.appendingPathComponent(key) }
    public func checkpointDirectory(key: String) -> URL { checkpoints.appendingPathComponent(key) }
    public func slurmDirectory(key: String) -> URL { slurm.appendingPathComponent(key) }
    public func logFile(key: String, attempt: Int) -> URL {
        logs.appendingPathComponent(String(key.prefix(2))).appendingPathComponent("\(key).\(attempt).log")
    }

    /// Creates the directories; cheap when they exist.
    public func prepare() throws {
        for dir in [root, cas, materialized, work, checkpoints, logs, tmp] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw PipelineError.io(dir == root ? "workspace \(root.path) is a file, not a folder (give --workspace a folder)"
                                                       : "workspace entry \(dir.path) is a file, not a folder")
                }
                continue
            }
            do {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            } catch {
                throw PipelineError.io("cannot create the workspace folder \(dir.path): \(ErrorText.describe(error))")
            }
        }
    }
}
