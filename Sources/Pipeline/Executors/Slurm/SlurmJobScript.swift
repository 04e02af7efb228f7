import Foundation
import Formats

/// The batch script that runs one stage on a Slurm node, and the `sbatch` options it is submitted with.
///
/// The job runs the same `hmpipe` binary (`exec-stage KEY`) against the same workspace on the shared filesystem,
/// so leases, atomic artifacts and the state database work exactly as in a local run, and a job that runs twice
/// (requeue, at-least-once restarts after a controller crash) resumes, waits or finds the stage done. Its verdict
/// is the file `<jobid>.exit` beside the script, written atomically when exec-stage ends.
public struct SlurmJobScript: Sendable {
    public let key: String
    /// Display name, for the job name and the script's header.
    public let name: String
    /// Absolute path of the `hmpipe` executable the job runs.
    public let binary: URL
    public let workspace: Workspace
    public let threads: Int
    public let force: Bool

    public init(key: String, name: String, binary: URL, workspace: Workspace, threads: Int, force: Bool) {
        self.key = key
        self.name = name
        self.binary = binary
        self.workspace = workspace
        self.threads = threads
        self.force = force
    }

    public var directory: URL { workspace.slurmDirectory(key: key) }
    public var scriptFile: URL { directory.appendingPathComponent("job.sh") }

    public var text: String {
        let dir = SlurmJobScript.quote(directory.path)
        var command = [binary.path, "exec-stage", key, "--workspace", workspace.root.path, "--threads", String(threads)]
            .map(SlurmJobScript.quote).joined(separator: " ")
        if force { command += " --force" }
        return """
            #!/bin/bash
            # hmpipe stage \(name.replacingOccurrences(of: "\n", with: " ")) (key \(key)), written by `hmpipe run --executor slurm`.
            # HMPIPE_JOB_ID names an array element (`ARRAY_TASK`), whose SLURM_JOB_ID is a number of its own.
            exit_file=\(dir)/"${HMPIPE_JOB_ID:-${SLURM_JOB_ID:-manual}}.exit"
            # A requeued run of this job must not leave the earlier run's verdict visible.
            rm -f "$exit_file"
            \(command) &
            child=$!
            # scancel and the time limit signal every process of the job; pass SIGTERM on explicitly and keep waiting
            # until exec-stage has recorded the interruption (and training has written its checkpoint).
            trap 'kill -TERM "$child" 2>/dev/null' TERM INT
            while :; do
              wait "$child"
              code=$?
              kill -0 "$child" 2>/dev/null || break
            done
            printf '%s\\n' "$code" > "$exit_file.tmp.$$" && mv -f "$exit_file.tmp.$$" "$exit_file"
            exit "$code"

            """
    }

    /// Writes the script (atomically: a job starting now never reads half of it).
    public func write() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(Data(text.utf8), to: scriptFile, permissions: 0o755)
    }

    /// Options for `sbatch`: resources, output next to the script, requeue allowed, and the submitting run's
    /// working directory (stages resolve relative paths such as the fetch cache `.hmpipe/cache` from there, as
    /// in a local run). `extra` (`--slurm-opt`) come last, so they override ours (sbatch takes the last value).
    public func sbatchArguments(resources: StageResources, partition: String?, workingDirectory: URL, extra: [String]) -> [String] {
        SlurmJobScript.sbatchArguments(jobName: "hmpipe:\(name)", output: "\(directory.path)/%j.out", resources: resources,
                                       partition: partition, workingDirectory: workingDirectory, extra: extra)
    }

    /// The options every hmpipe submission shares; a job array (`SlurmArrayBatcher`) adds `--array`.
    static func sbatchArguments(jobName: String, output: String, resources: StageResources, partition: String?,
                                workingDirectory: URL, extra: [String]) -> [String] {
        var args = [
            "--job-name=\(jobName)",
            "--output=\(output)",
            "--open-mode=append",
            "--chdir=\(workingDirectory.path)",
            "--requeue",
            "--cpus-per-task=\(resources.cpus)",
            "--mem=\(resources.memoryMB)M",
            "--time=\(resources.timeMinutes)",
        ]
        if resources.exclusive { args.append("--exclusive") }   // a timed stage shares its node with no other job
        if let partition { args.append("--partition=\(partition)") }
        return args + extra
    }

    /// The job's verdict: exec-stage's exit status, or nil while there is none (running, or killed before it
    /// could write one).
    public func exitStatus(jobId: String) -> Int32? {
        guard let text = try? String(contentsOf: exitFile(jobId: jobId), encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public func exitFile(jobId: String) -> URL { directory.appendingPathComponent("\(jobId).exit") }
    public func outputFile(jobId: String) -> URL { directory.appendingPathComponent("\(jobId).out") }

    /// POSIX single quotes: safe for any path.
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
