import Foundation
import Formats

/// `--slurm-array`: stages that become ready together (a sweep's training runs after their shared data stage)
/// are submitted as one job array instead of one job each — one sbatch call and one queue entry for the
/// scheduler, which matters on clusters that cap submissions.
///
/// Each stage still has its own `job.sh`, exit file and output file; element `i` of the array only runs the
/// i-th stage's script with `HMPIPE_JOB_ID=ARRAY_TASK`, the id hmpipe follows it by (squeue, scancel and the
/// state database all take `ARRAY_TASK`). Worker threads call `submit` as usual; the first of a group waits until
/// no stage with the same resources has joined for `window` seconds, then submits them all (a lone stage as a
/// plain job).
public final class SlurmArrayBatcher: @unchecked Sendable {
    struct Request {
        let script: SlurmJobScript
        let resources: StageResources
        /// The options this stage would get as a plain job (used when it ends up alone).
        let plainArguments: [String]
    }

    private final class Group {
        var requests: [Request] = []
        var lastArrival = Date()
        var results: [Result<String, Error>]?
    }

    private let commands: SlurmCommands
    private let options: SlurmOptions
    private let lock = NSCondition()
    private var open: [Group] = []

    init(commands: SlurmCommands, options: SlurmOptions) {
        self.commands = commands
        self.options = options
    }

    /// The job id the stage will be followed by: `ARRAY_TASK`, or a plain id when it was submitted alone.
    func submit(_ request: Request) throws -> String {
        lock.lock()
        let group: Group, index: Int
        let leader: Bool
        if let g = open.first(where: { $0.requests[0].resources == request.resources && $0.requests.count < options.arrayMaxSize }) {
            group = g
            leader = false
        } else {
            group = Group()
            open.append(group)
            leader = true
        }
        index = group.requests.count
        group.requests.append(request)
        group.lastArrival = Date()
        if leader {
            // Wait until no stage has joined for a whole window (or at most ten windows in all).
            let deadline = Date().addingTimeInterval(10 * options.arrayWindowSeconds)
            while true {
                let quietUntil = group.lastArrival.addingTimeInterval(options.arrayWindowSeconds)
                if quietUntil <= Date() || Date() >= deadline { break }
                lock.unlock()
                Thread.sleep(until: min(quietUntil, deadline))
                lock.lock()
            }
            open.removeAll { $0 === group }
            let requests = group.requests
            lock.unlock()
            let results = submitGroup(requests)
            lock.lock()
            group.results = results
            lock.broadcast()
        } else {
            while group.results == nil { lock.wait() }
        }
        let result = group.results![index]
        lock.unlock()
        return try result.get()
    }

    private func submitGroup(_ requests: [Request]) -> [Result<String, Error>] {
        if requests.count == 1 {
            return [Result { try commands.submit(script: requests[0].script.scriptFile, arguments: requests[0].plainArguments) }]
        }
        do {
            let id = try submitArray(requests)
            return requests.indices.map { .success("\(id)_\($0)") }
        } catch {
            return requests.map { _ in .failure(error) }
        }
    }

    private func submitArray(_ requests: [Request]) throws -> String {
        let directory = requests[0].script.workspace.slurm.appendingPathComponent("arrays").appendingPathComponent(UUID().uuidString.lowercased())
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = directory.appendingPathComponent("array.sh")
        try AtomicFile.write(Data(SlurmArrayBatcher.scriptText(requests.map(\.script)).utf8), to: script, permissions: 0o755)
        // Only what happens before an element's exec lands in the array's output; the stage's own goes beside its job.sh.
        let arguments = SlurmJobScript.sbatchArguments(
            jobName: "hmpipe:\(requests.count) stages", output: "\(directory.path)/%A_%a.out", resources: requests[0].resources,
            partition: options.partition, workingDirectory: options.workingDirectory, extra: options.extraArguments)
        return try commands.submit(script: script, arguments: ["--array=0-\(requests.count - 1)"] + arguments)
    }

    /// Element i execs stage i's own script, its output appended to that stage's `ARRAY_TASK.out`. `exec` keeps
    /// one process, so scancel's SIGTERM reaches job.sh's trap exactly as for a plain job.
    public static func scriptText(_ scripts: [SlurmJobScript]) -> String {
        let list = scripts.map { "  " + SlurmJobScript.quote($0.scriptFile.path) }.joined(separator: "\n")
        let dirs = scripts.map { "  " + SlurmJobScript.quote($0.directory.path) }.joined(separator: "\n")
        return """
            #!/bin/bash
            # hmpipe job array of \(scripts.count) stages, written by `hmpipe run --executor slurm --slurm-array`.
            scripts=(
            \(list)
            )
            dirs=(
            \(dirs)
            )
            export HMPIPE_JOB_ID="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
            exec "${scripts[$SLURM_ARRAY_TASK_ID]}" >> "${dirs[$SLURM_ARRAY_TASK_ID]}/$HMPIPE_JOB_ID.out" 2>&1

            """
    }
}
