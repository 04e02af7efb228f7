import Foundation
import Formats

/// The content-addressed artifact store: `cas/<ab>/<sha256>` (raw) or `cas/<ab>/<sha256>.zst` (zstd, for
/// files ≥ `compressThreshold`), where the hash is always of the *uncompressed* bytes.
///
/// Objects are written under `tmp/` and renamed into place (atomic on one filesystem), then made read-only.
/// Reads verify: `path(for:)` re-hashes before handing a file to a stage, so a corrupt or missing object is
/// reported (and its producer recomputed) instead of being used.
public struct ArtifactStore: Sendable {
    public let workspace: Workspace
    public let compressThreshold: Int64

    public init(workspace: Workspace, compressThreshold: Int64 = 4 << 20) {
        self.workspace = workspace
        self.compressThreshold = compressThreshold
    }

    public enum Problem: Error, Equatable, CustomStringConvertible, Sendable {
        case missing(String)
        case corrupt(String, expected: String, actual: String)
        public var description: String {
            switch self {
            case .missing(let path): return "missing \(path)"
            case .corrupt(let path, let expected, let actual): return "\(path): sha256 \(actual.prefix(12))… ≠ recorded \(expected.prefix(12))…"
            }
        }
    }

    public func objectPath(sha256: String, compressed: Bool) -> URL {
        URL(fileURLWithPath: objectFile(sha256: sha256, compressed: compressed), isDirectory: false)
    }

    /// `objectPath` as plain text, built without URL parsing (a no-op run stats every stored object).
    func objectFile(sha256: String, compressed: Bool) -> String {
        casPath + "/" + String(sha256.prefix(2)) + "/" + sha256 + (compressed ? ".zst" : "")
    }

    private var casPath: String { workspace.casPath }

    /// Why `file` cannot be stored as the output `name`, or nil for a regular file. Checked with lstat(2):
    /// a symbolic link is refused rather than followed — storing it would record the link, hash its target,
    /// and make the store's chmod 0444 land on a file outside the workspace.
    public static func notARegularFile(_ file: URL, name: String) -> String? {
        var info = stat()
        guard lstat(file.path, &info) == 0 else { return "declared output '\(name)' was not created" }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "declared output '\(name)' is a directory; outputs are single files"
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: file.path)) ?? "?"
            return "declared output '\(name)' is a symbolic link (to \(target)); write or copy the file itself into the output folder"
        default: return "declared output '\(name)' is not a regular file"
        }
    }

    /// Moves a finished output into the store and describes it. Identical content is stored once.
    public func ingest(_ file: URL, stageKey: String, name: String) throws -> ArtifactRecord {
        let fm = FileManager.default
        if let problem = ArtifactStore.notARegularFile(file, name: name) { throw PipelineError.io(problem) }
        let size = Int64((try fm.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0)
        let sha = try Hashing.sha256Hex(fileAt: file)
        let compressed = size >= compressThreshold
        let target = objectPath(sha256: sha, compressed: compressed)
        // An existing object is re-verified in full before being trusted: a damaged copy must be replaced, not kept.
        let storedSize = compressed ? Int64(((try? fm.attributesOfItem(atPath: target.path)[.size]) as? NSNumber)?.int64Value ?? -1) : size
        if (try? check(sha256: sha, size: storedSize, compressed: compressed, full: true)) == nil {
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temp = workspace.tmp.appendingPathComponent(UUID().uuidString)
            do {
                if compressed {
                    let data = try Data(contentsOf: file)
                    try Zstd.compress(data).write(to: temp)
                } else {
                    try fm.copyItem(at: file, to: temp)
                }
                try fm.setAttributes([.posixPermissions: 0o444], ofItemAtPath: temp.path)
            } catch {
                // A partial copy must not stay behind: on a full disk it is exactly the space that is missing.
                try? fm.removeItem(at: temp)
                throw PipelineError.io("cannot copy \(file.path) into the artifact store: \(ErrorText.describe(error))")
            }
            try replace(target, with: temp)
        }
        let stored = Int64((try fm.attributesOfItem(atPath: target.path)[.size] as? NSNumber)?.int64Value ?? 0)
        return ArtifactRecord(stageKey: stageKey, name: name, sha256: sha, size: size, storedSize: stored, compressed: compressed)
    }

    /// rename(2) over any existing file: atomic, and the last writer of identical content wins harmlessly.
    private func replace(_ target: URL, with temp: URL) throws {
        if rename(temp.path, target.path) != 0 {
            let err = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw PipelineError.io("cannot move \(temp.path) to \(target.path): \(err)")
        }
    }

    /// Checks an artifact. `full` re-hashes the content; otherwise only existence and size are checked (cheap
    /// enough for every no-op run over hundreds of cells).
    public func check(_ artifact: ArtifactRecord, full: Bool) throws {
        try check(sha256: artifact.sha256, size: artifact.compressed ? artifact.storedSize : artifact.size,
                  compressed: artifact.compressed, full: full)
    }

    private func check(sha256: String, size: Int64, compressed: Bool, full: Bool) throws {
        // stat(2) on a string path: FileManager's attribute dictionary and URL building were a sixth of a no-op
        // run over 600 stages.
        let file = objectFile(sha256: sha256, compressed: compressed)
        var info = stat()
        guard stat(file, &info) == 0 else { throw Problem.missing(file) }
        let actualSize = Int64(info.st_size)
        if actualSize != size { throw Problem.corrupt(file, expected: sha256, actual: "size \(actualSize) ≠ \(size)") }
        guard full else { return }
        let path = URL(fileURLWithPath: file)
        let actual: String
        if compressed {
            guard let data = try? Zstd.decompress(Data(contentsOf: path), what: path.path) else {
                throw Problem.corrupt(path.path, expected: sha256, actual: "undecodable zstd")
            }
            actual = Hashing.sha256Hex(data)
        } else {
            actual = try Hashing.sha256Hex(fileAt: path)
        }
        if actual != sha256 { throw Problem.corrupt(path.path, expected: sha256, actual: actual) }
    }

    /// A verified, readable path for a stage to read. Raw objects are used in place (they are read-only);
    /// compressed ones are decompressed once into `materialized/` (itself verified on every use).
    public func path(for artifact: ArtifactRecord) throws -> URL {
        try check(artifact, full: true)
        guard artifact.compressed else { return objectPath(sha256: artifact.sha256, compressed: false) }
        let target = workspace.materialized.appendingPathComponent(artifact.sha256)
        if FileManager.default.fileExists(atPath: target.path), (try? Hashing.sha256Hex(fileAt: target)) == artifact.sha256 {
            return target
        }
        let data = try Zstd.decompress(Data(contentsOf: objectPath(sha256: artifact.sha256, compressed: true)))
        let temp = workspace.tmp.appendingPathComponent(UUID().uuidString)
        try data.write(to: temp)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: temp.path)
        try replace(target, with: temp)
        return target
    }
}
