import Foundation
import Formats
import StageInterface

/// One attempt at one stage key, from lease to commit — the unit both `LocalExecutor` and
/// `hmpipe exec-stage` run:
///
/// 1. claim the lease (a `running` row with our pid/host/start token — the incomplete marker);
/// 2. resolve inputs to verified artifact paths (a corrupt input invalidates its producer instead);
/// 3. run the kind in a fresh private folder `work/<key>/<attempt-uuid>/out`;
/// 4. check every declared output exists (never cache an exit-0 without outputs), store them in the CAS;
/// 5. commit artifacts + `done` in one transaction, only if we still hold the lease.
/// A crash anywhere before 5 leaves a `running` row of a dead owner, reclaimed by the next run.
public struct StageAttempt: Sendable {
    public let environment: ExecutionEnvironment

    public init(environment: ExecutionEnvironment) { self.environment = environment }

    public func perform(key: String) -> StageOutcome {
        let env = environment
        let state = env.state
        let claim: StateStore.ClaimResult
        do {
            claim = try state.claim(key: key, runId: env.runId, force: env.force, threads: env.threads)
        } catch {
            return .failed("cannot claim: \(error)")
        }
        let attempt: Int
        switch claim {
        case .done: return .cached
        case .held: return .held
        case .claimed(let n): attempt = n
        }

        let fm = FileManager.default
        let attemptDir = env.workspace.workDirectory(key: key).appendingPathComponent(UUID().uuidString.lowercased())
        let outDir = attemptDir.appendingPathComponent("out")
        let logFile = env.workspace.logFile(key: key, attempt: attempt)
        defer { try? fm.removeItem(at: attemptDir) }

        func fail(_ status: StageStatus, _ message: String, exitCode: Int32? = nil) -> StageOutcome {
            appendLog(logFile, "hmpipe: \(status.rawValue): \(message)")
            // The attempt's partial outputs go first: on a full disk they hold the space the record needs.
            try? fm.removeItem(at: attemptDir)
            var unrecorded = ""
            do {
                try state.commitFailure(key: key, runId: env.runId, status: status, exitCode: exitCode, error: message)
            } catch {
                unrecorded = "; the state database could not record this (\(ErrorText.describe(error))), so the next run retries the stage"
            }
            // The run's summary names the log, where the whole story is; the state keeps the message alone.
            return status == .interrupted ? .interrupted : .failed("\(message) (log: \(logFile.path))\(unrecorded)")
        }

        do {
            try fm.createDirectory(at: outDir, withIntermediateDirectories: true)
            try fm.createDirectory(at: logFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            fm.createFile(atPath: logFile.path, contents: nil)
            try state.setLogPath(key: key, path: logFile.path)
        } catch {
            return fail(.failed, "cannot prepare folders: \(error)")
        }

        guard let row = try? state.stage(key),
              let params = try? JSONValue.parse(row.params),
              let inputsJSON = try? JSONValue.parse(row.inputs).objectValue,
              let outputs = (try? JSONValue.parse(row.outputs))?.arrayValue?.compactMap(\.stringValue) else {
            return fail(.failed, "stage record is unreadable")
        }
        guard let kind = env.registry.kind(named: row.kind) else {
            return fail(.failed, "unknown stage kind '\(row.kind)'")
        }

        // Inputs: verified artifact paths. A bad artifact sends its producer back to the scheduler.
        var inputs: [String: URL] = [:]
        let store = ArtifactStore(workspace: env.workspace)
        for (name, json) in inputsJSON {
            switch ResolvedInput(json: json) {
            case .artifact(let producer, let output):
                guard let record = (try? state.artifacts(keys: [producer]))?[producer]?.first(where: { $0.name == output }) else {
                    return releaseForProducer(key: key, producer: producer, reason: "input '\(name)' has no recorded artifact")
                }
                do {
                    inputs[name] = try store.path(for: record)
                } catch {
                    try? state.invalidate(key: producer, runId: env.runId, reason: "artifact \(output) failed verification: \(error)")
                    return releaseForProducer(key: key, producer: producer, reason: "input '\(name)': \(error)")
                }
            case .file(let path, let sha):
                let current = try? FileHasher(state: state).hash(URL(fileURLWithPath: path))
                guard current == sha else {
                    return fail(.failed, "input file \(path) changed since the run was planned; run again")
                }
                inputs[name] = URL(fileURLWithPath: path)
            case nil:
                return fail(.failed, "input '\(name)' is unreadable in the stage record")
            }
        }

        let checkpointDir = env.workspace.checkpointDirectory(key: key)
        try? fm.createDirectory(at: checkpointDir, withIntermediateDirectories: true)
        let cancellation = env.cancellation
        let context = StageContext(
            key: key, parameters: params, inputs: inputs, outputDirectory: outDir, checkpointDirectory: checkpointDir,
            logFile: logFile, threads: env.threads,
            metric: { [progress = env.progress, name = row.name] metric, value, step in
                try? state.recordMetric(key: key, name: metric, value: value, step: step)
                if let step { progress?.stageMetric(name, metric: metric, value: value, step: step) }
            },
            log: { line in appendLog(logFile, line) },
            isCancelled: { cancellation.isCancelled })

        appendLog(logFile, "hmpipe: \(row.name) key \(key) attempt \(attempt) threads \(env.threads)")
        do {
            try kind.run(context)
        } catch let e as StageFailure {
            return fail(env.cancellation.isCancelled ? .interrupted : .failed, e.message, exitCode: e.exitCode)
        } catch is StageCancelled {
            return fail(.interrupted, "cancelled (\(env.cancellation.cancelReason ?? "stop requested"))")
        } catch {
            return fail(env.cancellation.isCancelled ? .interrupted : .failed, ErrorText.describe(error))
        }

        var artifacts: [ArtifactRecord] = []
        for name in outputs {
            let file = outDir.appendingPathComponent(name)
            if let problem = ArtifactStore.notARegularFile(file, name: name) { return fail(.failed, problem) }
            do {
                artifacts.append(try store.ingest(file, stageKey: key, name: name))
            } catch {
                return fail(.failed, "cannot store output '\(name)': \(ErrorText.describe(error))")
            }
        }
        do {
            guard try state.commitDone(key: key, runId: env.runId, artifacts: artifacts) else {
                return .failed("lost the lease on \(key) before commit")
            }
        } catch {
            return .failed("cannot commit: \(ErrorText.describe(error))")
        }
        try? fm.removeItem(at: checkpointDir)
        appendLog(logFile, "hmpipe: done")
        return .executed
    }

    private func releaseForProducer(key: String, producer: String, reason: String) -> StageOutcome {
        try? environment.state.commitFailure(key: key, runId: environment.runId, status: .pending, exitCode: nil,
                                             error: "waiting for producer \(producer.prefix(12)): \(reason)")
        return .inputInvalid(producer: producer)
    }
}

/// Appends one line to a log file (opened per call: log lines are rare and this survives concurrent writers).
func appendLog(_ url: URL, _ line: String) {
    guard let handle = try? FileHandle(forWritingTo: url) else { return }
    defer { try? handle.close() }
    _ = try? handle.seekToEnd()
    try? handle.write(contentsOf: Data((line + "\n").utf8))
}
