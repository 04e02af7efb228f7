import Foundation

/// Runs a command-line tool through `/usr/bin/env` (so PATH finds pyenv's python3, unzip, tar, bzip2,
/// curl). Standard output goes to a file — never a pipe — so large outputs cannot deadlock us.
enum ExternalTool {
    static func run(_ tool: String, _ arguments: [String], stdoutTo output: URL? = nil,
                    currentDirectory: URL? = nil) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        if let currentDirectory { p.currentDirectoryURL = currentDirectory }
        let errURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("hmpipe-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        p.standardError = errHandle
        var outHandle: FileHandle? = nil
        if let output {
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            outHandle = try FileHandle(forWritingTo: output)
            p.standardOutput = outHandle
        } else {
            p.standardOutput = FileHandle.nullDevice
        }
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try? outHandle?.close()
        try? errHandle.close()
        if p.terminationStatus != 0 {
            let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw FetchError.toolFailed(tool: tool, arguments: arguments, status: p.terminationStatus, stderr: err)
        }
    }

    /// Whether `tool` is on PATH.
    static func exists(_ tool: String) -> Bool {
        (try? run("sh", ["-c", "command -v \(tool)"])) != nil
    }
}
