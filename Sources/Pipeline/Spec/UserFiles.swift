import Foundation
import Formats

/// The user's own dataset files a spec needs under a profile: every `files` entry (`{"path", "sha256"}`) of its
/// `prepare` stages across the profile's grid, with the task that reads it. What `hmpipe data check` inspects.
///
/// Deliberately computed without building the stage graph: graph building rejects missing files and unset
/// hashes, and this is the tool that tells the user which ones to fix.
public struct UserFile: Sendable, Equatable {
    public let task: String
    /// The input name the task reads it as (`train_file`, `test_file`).
    public let input: String
    public let path: String
    /// As written in the spec (may be a placeholder such as "set me: sha256sum …").
    public let sha256: String
    /// The stage's `fields` (a task of the user's own read by field mapping), if any.
    public let fields: JSONValue?
}

extension ExperimentSpec {
    /// Files of `prepare` stages under `profile` (already including any `--set` overrides), in task, input order;
    /// each (task, input, path) once.
    public func userFiles(profile: String) throws -> [UserFile] {
        let chosen = try self.profile(named: profile)
        let base = values(under: chosen)
        let axes = self.axes(under: chosen)
        var seen = Set<String>()
        var out: [UserFile] = []
        for template in stageTemplates.values.sorted(by: { $0.name < $1.name }) where template.kind == "prepare" {
            guard let params = template.params.objectValue else { continue }
            let relevant = JSONValue.object(params.filter { ["task", "files", "fields"].contains($0.key) })
            for cell in Grid.cells(axes: axes, exclude: exclude + chosen.exclude) {
                let variables = base.merging(cell) { _, new in new }
                guard case .object(let resolved)? = try? Interpolation.apply(relevant, variables),
                      let task = resolved["task"]?.stringValue, case .object(let files)? = resolved["files"] else { continue }
                for (input, entry) in files.sorted(by: { $0.key < $1.key }) {
                    let path = entry.objectValue?["path"]?.stringValue ?? ""
                    guard seen.insert("\(task)\u{0}\(input)\u{0}\(path)").inserted else { continue }
                    out.append(UserFile(task: task, input: input, path: path,
                                        sha256: entry.objectValue?["sha256"]?.stringValue ?? "", fields: resolved["fields"]))
                }
            }
        }
        return out.sorted { ($0.task, $0.input) < ($1.task, $1.input) }
    }
}
