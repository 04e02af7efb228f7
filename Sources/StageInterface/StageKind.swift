import Formats

/// One kind of pipeline stage (`command`, `fetch`, `prepare`, `train`, `evaluate`, …).
///
/// A kind is a stateless description plus a `run` function. The pipeline engine owns everything else —
/// cache keys, the artifact store, leases, retries, logs — so a kind only has to:
/// 1. check its parameters and name the files it will write in `plan` (called for every distinct parameter
///    set before anything runs, so a typo in cell 57 fails the sweep in the first second, not after an hour;
///    the engine checks the named files exist after `run` and refuses to cache a stage that "succeeded"
///    without them — Bazel #14543);
/// 2. do the work in `run`, writing only into `context.outputDirectory` (and `context.checkpointDirectory`
///    for resumable work), reporting metrics through `context.metric`, and returning promptly once
///    `context.isCancelled()` turns true.
/// Kinds with typed parameters adopt `TypedStageKind`, which decodes them once per call of either.
///
/// Bump `version` when the kind's behaviour changes so old cache entries stop matching.
public protocol StageKind: Sendable {
    /// The name used in pipeline files (`"kind": "command"`).
    var name: String { get }
    /// Part of every cache key of this kind. Change it when outputs for the same parameters change.
    var version: String { get }
    /// The version that enters one stage's cache key; `version` unless a kind re-keys only some of its stages
    /// (`prepare`, when one task's split changes).
    func version(parameters: JSONValue) -> String
    /// Checks canonical parameters (throw `StageParameterError` naming the offending parameter) and returns
    /// the output file names (plain names, no `/`) `run` promises to create in the output directory.
    func plan(parameters: JSONValue) throws -> [String]
    /// Does the work. Throwing marks the stage failed; the engine keeps the log and discards the outputs.
    func run(_ context: StageContext) throws
}

extension StageKind {
    public var version: String { "1" }
    public func version(parameters: JSONValue) -> String { version }
    /// `plan` without the outputs.
    public func validate(parameters: JSONValue) throws { _ = try plan(parameters: parameters) }
    /// `plan`'s outputs.
    public func outputs(parameters: JSONValue) throws -> [String] { try plan(parameters: parameters) }
}

/// A kind whose parameters are one typed `Decodable` configuration, decoded strictly by `ParameterDecoder`
/// (unknown keys rejected with the nearest name, JSON type names in type errors). The same decoding serves
/// planning and execution, so what was checked is what runs.
public protocol TypedStageKind: StageKind {
    associatedtype Config: Decodable
    /// Checks beyond types (ranges, catalogue names) and the outputs for this configuration.
    func plan(_ config: Config) throws -> [String]
    func run(_ config: Config, _ context: StageContext) throws
}

extension TypedStageKind {
    public func config(_ parameters: JSONValue) throws -> Config {
        try ParameterDecoder.decode(Config.self, from: parameters, kind: name)
    }
    public func plan(parameters: JSONValue) throws -> [String] { try plan(config(parameters)) }
    public func run(_ context: StageContext) throws { try run(config(context.parameters), context) }
}

/// A parameter problem found by `StageKind.validate`. `path` is relative to the stage's `params` object
/// (e.g. `outputs[2]`); the engine prefixes the spec file and the stage's JSON path.
public struct StageParameterError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    /// The nearest valid name, for a misspelled key or choice.
    public let suggestion: String?
    public init(path: String, _ message: String, suggestion: String? = nil) {
        self.path = path
        self.message = message
        self.suggestion = suggestion
    }
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A stage ran and failed. `exitCode` is set for child processes so the state store can record it.
public struct StageFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let exitCode: Int32?
    public init(_ message: String, exitCode: Int32? = nil) {
        self.message = message
        self.exitCode = exitCode
    }
    public var description: String { message }
}

/// Thrown by `run` when it stopped because `context.isCancelled()` became true; recorded as `interrupted`,
/// not `failed`, so the next run simply retries.
public struct StageCancelled: Error, CustomStringConvertible, Sendable {
    public init() {}
    public var description: String { "cancelled" }
}
