import Data
import Foundation

/// The user's own dataset files named in stage parameters (`"files": {"train_file": {"path": …, "sha256": …}}`),
/// for profiles whose data differ from the default's while the stage's inputs stay the same. The declared
/// sha256 enters the cache key and is checked before the file is read, as `fetch` does for `path` sources.
struct LocalFile: Decodable, Sendable {
    var path: String
    var sha256: String

    /// Every problem at once, one line per file, each naming the file and what to do: a missing path, a file
    /// that is not there, a sha256 that is not 64 hex digits (the placeholder the paper profiles ship with) with
    /// the exact command whose output to paste.
    static func validate(_ files: [String: LocalFile], parameter: String) throws {
        var problems: [String] = []
        for (name, f) in files.sorted(by: { $0.key < $1.key }) {
            guard !f.path.isEmpty else { problems.append("\(parameter).\(name).path: give the file's path"); continue }
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: f.path, isDirectory: &isDirectory) {
                problems.append("\(parameter).\(name): \(f.path) not found (docs/data.md: Using the paper's own datasets)")
            } else if isDirectory.boolValue {
                problems.append("\(parameter).\(name): \(f.path) is a directory, not a file")
            }
            if !(f.sha256.count == 64 && f.sha256.allSatisfy(\.isHexDigit)) {
                problems.append("\(parameter).\(name).sha256: expected 64 hex digits; paste the first field of `sha256sum \(f.path)` (or run `hmpipe data check`)")
            }
        }
        guard !problems.isEmpty else { return }
        throw StageParameterError(path: "", problems.joined(separator: "\n  "))
    }

    /// A task that reads the user's own files names them `*_file`; without them it cannot run, so say so when
    /// the plan is made, not after the upstream stages ran.
    static func requireProvided(for task: TaskDefinition, files: [String: LocalFile]?) throws {
        let missing = task.requiredInputs.filter { $0.hasSuffix("_file") && files?[$0] == nil }
        guard !missing.isEmpty else { return }
        throw StageParameterError(path: "files", "task \(task.name) reads your own files: give \(missing.joined(separator: " and ")) (path and sha256; in the paper profiles, an entry for \(task.name) in task_files — docs/data.md: Using the paper's own datasets)")
    }

    /// Input name → the verified file, in place.
    static func verified(_ files: [String: LocalFile]) throws -> [String: URL] {
        let fetcher = Fetcher(cacheDirectory: Fetcher.defaultCacheDirectory())
        return try files.mapValues { try fetcher.fetchSource(.local(path: $0.path), sha256: $0.sha256.lowercased()) }
    }
}
