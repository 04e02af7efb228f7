import Foundation
import Formats

/// Hashes input files once: (path, size, mtime ns, inode) → SHA-256 is remembered in the state database, so
/// an unchanged 10 GB dataset is not re-read on every `run`/`status` (DVC #1991, #7681). Any change of size,
/// mtime or inode re-hashes; mtime is only a hint to skip work, never a reason to consider content unchanged
/// when the other fields differ.
public struct FileHasher: Sendable {
    public let state: StateStore?

    public init(state: StateStore?) { self.state = state }

    public func hash(_ url: URL) throws -> String {
        var st = stat()
        guard stat(url.path, &st) == 0 else { throw PipelineError.io("cannot stat input file \(url.path)") }
        let size = Int64(st.st_size)
        let mtimeNs = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        let inode = Int64(bitPattern: UInt64(st.st_ino))
        if let state, let known = try state.cachedFileHash(path: url.path, size: size, mtimeNs: mtimeNs, inode: inode) {
            return known
        }
        let sha = try Hashing.sha256Hex(fileAt: url)
        try state?.storeFileHash(FileHashRecord(path: url.path, size: size, mtimeNs: mtimeNs, inode: inode, sha256: sha))
        return sha
    }
}
