import Foundation
import XCTest

/// The release `hmpipe` binary that `make test` builds, run from the repository root (so the fetch cache in
/// `.hmpipe/cache` is the pre-fetched one). End-to-end tests drive the real CLI through it.
public enum ReleaseBinary {
    public static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let url = repo.appendingPathComponent(".build/release/hmpipe")

    /// A configured, not yet started process (output discarded unless the caller sets pipes).
    public static func process(_ args: [String]) throws -> Process {
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("\(url.path) not built: run `make test` (it builds the release binary first)")
        }
        let p = Process()
        p.executableURL = url
        p.arguments = args
        p.currentDirectoryURL = repo
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        return p
    }

    /// Runs to completion; returns the exit status and combined stdout + stderr.
    public static func run(_ args: [String]) throws -> (Int32, String) {
        let p = try process(args)
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
