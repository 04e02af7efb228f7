import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that readers never see half done: write a temporary file in the same directory,
/// fsync it, rename it over the target, fsync the directory. A crash leaves either the old file or
/// the new one — which is what resumable checkpoints and the artifact store rely on.
public enum AtomicFile {
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let path: String
        public let operation: String
        public let errno: Int32
        public var description: String { "\(path): \(operation) failed: \(String(cString: strerror(errno)))" }
    }

    public static func write(_ data: Data, to url: URL, permissions: mode_t = 0o644) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        // Same directory so rename(2) stays on one filesystem and is atomic; pid + random so
        // concurrent writers of the same target never share a temp file.
        let temp = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        func failure(_ op: String, _ p: String = path) -> Failure { Failure(path: p, operation: op, errno: errno) }

        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw failure("create temporary file", temp) }
        var ok = false
        defer { if !ok { unlink(temp) } }
        do {
            defer { close(fd) }
            try data.withUnsafeBytes { raw in
                var written = 0
                while written < raw.count {
                    let n = posixWrite(fd, raw.baseAddress! + written, raw.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw failure("write", temp)
                    }
                    written += n
                }
            }
            guard fsync(fd) == 0 else { throw failure("fsync", temp) }
        }
        guard rename(temp, path) == 0 else { throw failure("rename into place") }
        ok = true
        // Make the rename itself durable; failure here cannot un-write the file, so it is not fatal.
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}

// `write` is shadowed by `AtomicFile.write` inside the enum, so the libc call needs its module name.
#if canImport(Glibc)
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
private let posixWrite = Darwin.write
#endif
