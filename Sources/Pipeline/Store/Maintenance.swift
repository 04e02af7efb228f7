import Foundation

/// `hmpipe verify` and `hmpipe gc`: keeping the store honest and small.
public enum Maintenance {
    public struct VerifyResult: Sendable {
        public var checked = 0
        /// Node name → problem; these stages were invalidated and will be recomputed by the next run.
        public var problems: [(name: String, problem: String)] = []
    }

    /// Re-hashes every artifact of every done stage. A bad one invalidates its stage (never silently used).
    public static func verify(workspace: Workspace, state: StateStore) throws -> VerifyResult {
        let store = ArtifactStore(workspace: workspace)
        var result = VerifyResult()
        let stages = Dictionary(uniqueKeysWithValues: try state.allStages().map { ($0.key, $0) })
        for (key, records) in try state.artifacts() {
            guard let stage = stages[key], stage.status == .done else { continue }
            for record in records {
                result.checked += 1
                do { try store.check(record, full: true) } catch {
                    result.problems.append((stage.name, "\(record.name): \(error)"))
                    try state.invalidate(key: key, runId: nil, reason: "verify: \(record.name): \(error)")
                }
            }
        }
        return result
    }

    public struct GCResult: Sendable {
        public var removedObjects = 0
        public var removedBytes: Int64 = 0
        public var removedWorkDirs = 0
    }

    /// gc found the workspace in use: it removed nothing.
    public struct WorkspaceBusy: Error, CustomStringConvertible, Sendable {
        public let workspace: String
        public var description: String {
            "the workspace \(workspace) is in use by a running hmpipe (run or exec-stage); gc deletes only while no run " +
                "is writing, so it removed nothing: run it again once the runs have finished"
        }
    }

    /// Deletes CAS objects no artifact row references, decompressed copies, temp files, and attempt folders of
    /// stages not running in a live process. Holds the workspace lock exclusively (`WorkspaceLock`): with a run
    /// active it throws `WorkspaceBusy` and deletes nothing, and a run started meanwhile waits for it.
    public static func gc(workspace: Workspace, state: StateStore, dryRun: Bool = false) throws -> GCResult {
        let fm = FileManager.default
        let lock = dryRun ? nil : try WorkspaceLock.exclusive(workspace)
        if !dryRun && lock == nil { throw WorkspaceBusy(workspace: workspace.root.path) }
        defer { lock?.release() }
        var result = GCResult()
        let referenced = Set(try state.artifacts().values.flatMap { $0 }.map {
            ArtifactStore(workspace: workspace).objectPath(sha256: $0.sha256, compressed: $0.compressed).lastPathComponent
        })
        let live = Set(try state.allStages().filter { $0.status == .running && $0.owner?.isAlive() != false }.map(\.key))
        func remove(_ url: URL) {
            let size = ((try? fm.attributesOfItem(atPath: url.path)[.size]) as? NSNumber)?.int64Value ?? 0
            if !dryRun { try? fm.removeItem(at: url) }
            result.removedBytes += size
        }
        for shard in (try? fm.contentsOfDirectory(at: workspace.cas, includingPropertiesForKeys: nil)) ?? [] {
            for object in (try? fm.contentsOfDirectory(at: shard, includingPropertiesForKeys: nil)) ?? []
            where !referenced.contains(object.lastPathComponent) {
                remove(object)
                result.removedObjects += 1
            }
        }
        for item in (try? fm.contentsOfDirectory(at: workspace.materialized, includingPropertiesForKeys: nil)) ?? [] { remove(item) }
        for dir in (try? fm.contentsOfDirectory(at: workspace.work, includingPropertiesForKeys: nil)) ?? []
        where !live.contains(dir.lastPathComponent) {
            if !dryRun { try? fm.removeItem(at: dir) }
            result.removedWorkDirs += 1
        }
        // Temp files older than an hour cannot belong to a write in progress.
        for item in (try? fm.contentsOfDirectory(at: workspace.tmp, includingPropertiesForKeys: [.contentModificationDateKey])) ?? [] {
            let modified = (try? item.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            if modified < Date().addingTimeInterval(-3600) { remove(item) }
        }
        return result
    }
}
