import Dispatch
import Foundation
import XCTest

/// Finds the local cluster of `scripts/slurm-local.sh` (its env.sh) unless SLURM_CONF is already set.
public enum LocalSlurm {
    public static let envFile = "/tmp/hmpipe-slurm/env.sh"

    /// Asked once per test process: an unreachable controller makes `sinfo` retry for ~9 s.
    public static let reachable: Bool = {
        if ProcessInfo.processInfo.environment["SLURM_CONF"] == nil,
           let text = try? String(contentsOfFile: envFile, encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("export SLURM_CONF=") }) {
            setenv("SLURM_CONF", String(line.dropFirst("export SLURM_CONF=".count)), 1)   // children inherit it
        }
        return ((try? run(["sinfo", "-h"], timeout: 15))?.0 ?? -1) == 0
    }()

    public static func require() throws {
        guard !reachable else { return }
        let message = "Slurm not running: start it with scripts/slurm-local.sh start"
        if ProcessInfo.processInfo.environment["HMPIPE_REQUIRE_SLURM"] == "1" { throw TestFailure(message + " (HMPIPE_REQUIRE_SLURM=1)") }
        throw XCTSkip(message)
    }

    /// Runs a Slurm client; (exit status, stdout + stderr). A client that hangs is killed after `timeout`.
    public static func run(_ args: [String], timeout: TimeInterval = 30) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let timer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        timer.cancel()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }
}
