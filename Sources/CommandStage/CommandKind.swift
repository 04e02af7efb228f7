import Dispatch
import Foundation
import Formats
import StageInterface
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// `"kind": "command"` — a shell command with declared outputs, like a DVC stage.
///
/// Parameters:
/// - `command` (string, required): run with `/bin/sh -c` in the (empty) output directory.
/// - `outputs` (array of file names, required): files the command must create in that directory.
/// - `env` (object of strings, optional): extra environment variables.
///
/// The command sees `HM_OUT` (output directory), `HM_IN_<NAME>` (one per input, name upper-cased with
/// non-alphanumerics as `_`), `HM_CKPT` (checkpoint directory), `HM_THREADS` (also exported as
/// `OMP_NUM_THREADS`/`OPENBLAS_NUM_THREADS`), `HM_KEY`, and `HM_METRICS`: a file where it may write
/// lines `name value [step]` that become recorded metrics. stdout and stderr go to the stage log.
public struct CommandKind: TypedStageKind {
    public init() {}
    public var name: String { "command" }
    public var version: String { "1" }

    public struct Config: Decodable, Sendable {
        var command: String
        var outputs: [String]
        var env: [String: String]?
    }

    public func plan(_ config: Config) throws -> [String] {
        guard !config.command.isEmpty else { throw StageParameterError(path: "command", "expected a non-empty string") }
        for (index, name) in config.outputs.enumerated() where !CommandKind.isPlainFileName(name) {
            throw StageParameterError(path: "outputs[\(index)]",
                                      "expected a plain file name (letters, digits, '.', '_', '-'), got \(JSONString.quoted(name))")
        }
        return config.outputs
    }

    static func isPlainFileName(_ s: String) -> Bool {
        !s.isEmpty && s != "." && s != ".." && s.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)
        }
    }

    /// Environment variable name for an input: `tokens.train` → `HM_IN_TOKENS_TRAIN`.
    public static func inputVariable(_ name: String) -> String {
        "HM_IN_" + String(name.uppercased().unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "_"
        })
    }

    public func run(_ config: Config, _ context: StageContext) throws {
        let command = config.command
        let metricsFile = context.outputDirectory.deletingLastPathComponent().appendingPathComponent("metrics.txt")
        var env: [Environment.Key: String?] = [
            "HM_OUT": context.outputDirectory.path,
            "HM_CKPT": context.checkpointDirectory.path,
            "HM_THREADS": String(context.threads),
            "OMP_NUM_THREADS": String(context.threads),
            "OPENBLAS_NUM_THREADS": String(context.threads),
            "HM_KEY": context.key,
            "HM_METRICS": metricsFile.path,
            "HM_LOG": context.logFile.path,
        ]
        for (name, url) in context.inputs { env[Environment.Key(stringLiteral: CommandKind.inputVariable(name))] = url.path }
        for (k, v) in config.env ?? [:] { env[Environment.Key(stringLiteral: k)] = v }

        // The shell redirects its own output to the log: no pipes to drain, and the log is complete even if
        // hmpipe dies while the command runs.
        let script = "exec >>\"$HM_LOG\" 2>&1\n" + command
        context.log("$ \(command)")
        let logStart = (try? FileManager.default.attributesOfItem(atPath: context.logFile.path)[.size] as? Int) ?? 0
        /// The command's last words (usually its error: "No space left on device"), for the failure message.
        func lastLine() -> String {
            guard let handle = try? FileHandle(forReadingFrom: context.logFile) else { return "" }
            defer { try? handle.close() }
            try? handle.seek(toOffset: UInt64(logStart))
            let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
            guard let line = text.split(whereSeparator: \.isNewline).last(where: { !$0.allSatisfy(\.isWhitespace) }) else { return "" }
            return ": " + String(line.prefix(300))
        }
        let status = try CommandKind.runBlocking(script: script, environment: env,
                                                 directory: context.outputDirectory.path,
                                                 isCancelled: context.isCancelled)
        switch status {
        case .exited(0): break
        case .exited(let code):
            if context.isCancelled() { throw StageCancelled() }
            throw StageFailure("command exited with status \(code)\(lastLine())", exitCode: code)
        case .signaled(let signal):
            if context.isCancelled() { throw StageCancelled() }
            throw StageFailure("command killed by signal \(signal)\(lastLine())", exitCode: 128 + signal)
        }
        if let text = try? String(contentsOf: metricsFile, encoding: .utf8) {
            for (number, line) in text.split(separator: "\n").enumerated() {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count == 2 || fields.count == 3, let value = Double(fields[1]) else {
                    throw StageFailure("HM_METRICS line \(number + 1): expected 'name value [step]', got '\(line)'")
                }
                context.metric(String(fields[0]), value, step: fields.count == 3 ? Int(fields[2]) : nil)
            }
        }
    }

    /// Runs `/bin/sh -c script` to completion from a plain (non-async) thread, polling `isCancelled`.
    /// Cancelling the task makes swift-subprocess send SIGTERM, then SIGKILL after 5 s.
    static func runBlocking(script: String, environment: [Environment.Key: String?], directory: String,
                            isCancelled: @escaping @Sendable () -> Bool) throws -> TerminationStatus {
        final class Box: @unchecked Sendable {
            var result: Result<TerminationStatus, Error>?
            let lock = NSLock()
            var pid: pid_t = 0
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))]
        let task = Task {
            do {
                let result = try await Subprocess.run(
                    .path("/bin/sh"), arguments: ["-c", script],
                    environment: .inherit.updating(environment),
                    workingDirectory: FilePath(directory), platformOptions: options,
                    input: .none, output: .discarded, error: .discarded) { execution in
                        box.lock.withLock { box.pid = execution.processIdentifier.value }
                    }
                box.result = .success(result.terminationStatus)
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        var cancelSent = false
        while done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if !cancelSent && isCancelled() {
                // The shell does not forward SIGTERM to its children (a `sleep`, a training binary), so signal
                // the whole tree. The shell goes first: signalled after its child, it could run the rest of the
                // script (write outputs, exit 0) before the SIGTERM reached it. swift-subprocess then tears it down.
                let shell = box.lock.withLock { box.pid }
                if shell > 0 {
                    let tree = descendants(of: shell)
                    kill(shell, SIGTERM)
                    for child in tree { kill(child, SIGTERM) }
                }
                task.cancel()
                cancelSent = true
            }
        }
        // Once the run is stopping, the command's own verdict means nothing: scancel signals every process of the
        // job, and a `sleep` killed under a shell that then ran the script's last lines exited 0 within the 100 ms
        // above (CI once recorded a scancelled stage as done that way). A command that truly finished just then
        // runs again next time, which is the cheap side of the race.
        if cancelSent || isCancelled() { throw StageCancelled() }
        switch box.result! {
        case .success(let status): return status
        case .failure(let error): throw StageFailure("could not run /bin/sh: \(error)")
        }
    }

    /// All processes below `root`, from /proc (children before grandchildren).
    static func descendants(of root: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(pid) }
        }
        var result: [pid_t] = []
        var frontier = [root]
        while let next = frontier.popLast() {
            for child in children[next] ?? [] {
                result.append(child)
                frontier.append(child)
            }
        }
        return result
    }
}
