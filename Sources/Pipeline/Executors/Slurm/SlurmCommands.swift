import Dispatch
import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The Slurm client calls hmpipe makes — `sbatch`, `squeue`, `scancel` — through swift-subprocess, each with a
/// timeout so a hung controller cannot hang a run. They inherit the environment, so `SLURM_CONF` from
/// `scripts/slurm-local.sh`'s env.sh (or a real cluster's defaults) applies. `sacct` is never used: it needs
/// slurmdbd, which many clusters (and the local one) do not run.
public struct SlurmCommands: Sendable {
    public var timeoutSeconds: Int

    public init(timeoutSeconds: Int = 60) { self.timeoutSeconds = timeoutSeconds }

    /// `sbatch --parsable ARGS SCRIPT` → the job id.
    public func submit(script: URL, arguments: [String]) throws -> String {
        let result = try run("sbatch", ["--parsable"] + arguments + [script.path])
        try result.check("sbatch")
        return try SlurmCommands.parseSubmission(result.stdout)
    }

    /// One `squeue` for many jobs. A job missing from the answer has left Slurm's memory (finished more than
    /// MinJobAge ago, or never existed); a failed `squeue` throws, and callers treat that as "unknown".
    public func states(of jobIds: [String]) throws -> [String: SlurmJobState] {
        guard !jobIds.isEmpty else { return [:] }
        // -r: one line per array element (`12_3`), never a pending range such as `12_[3-9]`.
        let result = try run("squeue", ["-h", "-r", "-t", "all", "-j", jobIds.joined(separator: ","), "-o", "%i|%T"])
        // With only unknown ids squeue exits 1 with this message; that is an answer ("none of them"), not a failure.
        if case .exited(1) = result.status, result.stderr.contains("Invalid job id specified") { return [:] }
        try result.check("squeue")
        return SlurmCommands.parseQueue(result.stdout)
    }

    /// `scancel`. A plain cancel signals every process of the job at once, so a stage's command may die before
    /// exec-stage learns it is being stopped (and records `failed` instead of `interrupted`); `batchShellOnly`
    /// sends SIGTERM to the job script alone, which passes it on to exec-stage for a clean stop.
    public func cancel(_ jobIds: [String], batchShellOnly: Bool = false) throws {
        guard !jobIds.isEmpty else { return }
        try run("scancel", (batchShellOnly ? ["--batch", "--signal=TERM"] : []) + jobIds).check("scancel")
    }

    /// `--parsable` prints `ID` or `ID;CLUSTER`.
    public static func parseSubmission(_ output: String) throws -> String {
        let line = output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        let id = String(line.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else { throw SlurmError.unparsableSubmission(output: output) }
        return id
    }

    /// Lines `ID|STATE` (the `-o %i|%T` format); anything else is ignored.
    public static func parseQueue(_ output: String) -> [String: SlurmJobState] {
        var states: [String: SlurmJobState] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else { continue }
            states[fields[0]] = SlurmJobState(fields[1])
        }
        return states
    }

    struct Result: Sendable {
        let status: TerminationStatus
        let stdout: String
        let stderr: String

        func check(_ command: String) throws {
            if case .exited(0) = status { return }
            throw SlurmError.commandFailed(command: command, status: "\(status)", stderr: stderr)
        }
    }

    /// Runs a client to completion from a plain thread (the scheduler's workers are not async).
    @discardableResult
    func run(_ tool: String, _ arguments: [String]) throws -> Result {
        final class Box: @unchecked Sendable { var result: Swift.Result<Result, Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            do {
                let r = try await Subprocess.run(.name(tool), arguments: Arguments(arguments), input: .none,
                                                 output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
                box.result = .success(Result(status: r.terminationStatus, stdout: r.standardOutput,
                                             stderr: r.standardError))
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        if done.wait(timeout: .now() + .seconds(timeoutSeconds)) == .timedOut {
            task.cancel()   // swift-subprocess terminates the child
            done.wait()
            throw SlurmError.timedOut(command: ([tool] + arguments).joined(separator: " "), seconds: timeoutSeconds)
        }
        switch box.result! {
        case .success(let result): return result
        case .failure(let error): throw SlurmError.cannotStart(command: tool, reason: "\(error)")
        }
    }
}
