import Foundation
import Formats

/// Everything a running stage may touch. Built by the pipeline engine for one attempt of one stage.
///
/// It is a value with closures rather than a protocol so that tests and the future Slurm wrapper can build
/// one by hand. All closures are safe to call from any thread.
public struct StageContext: Sendable {
    /// The stage's cache key (hex SHA-256); handy for log lines and temp names.
    public let key: String
    /// Canonical parameters (after interpolation and defaults) — exactly what went into the cache key.
    public let parameters: JSONValue
    /// Input name → absolute path of a verified, read-only artifact file. Do not modify these files.
    public let inputs: [String: URL]
    /// An empty private directory; write every declared output here under its declared name.
    public let outputDirectory: URL
    /// A per-key directory that survives interruption (not failure-free runs: it is removed once the
    /// stage is committed). Resumable stages write periodic checkpoints here and resume from them.
    public let checkpointDirectory: URL
    /// The attempt's log file (a command's stdout/stderr is appended to it too).
    public let logFile: URL
    /// Threads this stage may use (BLAS/OpenMP). The engine keeps threads × parallel jobs ≤ cores.
    public let threads: Int
    private let metricSink: @Sendable (String, Double, Int?) -> Void
    private let logSink: @Sendable (String) -> Void
    private let cancelled: @Sendable () -> Bool

    public init(key: String, parameters: JSONValue, inputs: [String: URL], outputDirectory: URL,
                checkpointDirectory: URL, logFile: URL, threads: Int,
                metric: @escaping @Sendable (String, Double, Int?) -> Void,
                log: @escaping @Sendable (String) -> Void,
                isCancelled: @escaping @Sendable () -> Bool) {
        self.key = key
        self.parameters = parameters
        self.inputs = inputs
        self.outputDirectory = outputDirectory
        self.checkpointDirectory = checkpointDirectory
        self.logFile = logFile
        self.threads = threads
        self.metricSink = metric
        self.logSink = log
        self.cancelled = isCancelled
    }

    /// Records a metric (e.g. `loss` at training step 120, or a final `accuracy` with no step).
    public func metric(_ name: String, _ value: Double, step: Int? = nil) { metricSink(name, value, step) }
    /// Appends one line to the stage's log file.
    public func log(_ line: String) { logSink(line) }
    /// True once the user pressed Ctrl-C or the run is stopping; long loops should check it and throw `StageCancelled`.
    public func isCancelled() -> Bool { cancelled() }

    /// The path a stage must write the declared output `name` to.
    public func output(_ name: String) -> URL { outputDirectory.appendingPathComponent(name) }
}
