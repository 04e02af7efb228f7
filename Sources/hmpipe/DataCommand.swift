import ArgumentParser
import Foundation
import Formats
import Pipeline
import Stages

/// `hmpipe data`: the user's own dataset files.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Check the dataset files a spec's profile reads from your disk (paper-data profiles).",
        subcommands: [DataCheckCommand.self])
}

/// `hmpipe data check SPEC --profile P`: every user file the profile needs — present or not, its size, its sha256
/// against the spec's — and the first parsed examples of each task, before anything is trained.
struct DataCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "List every dataset file a profile needs: present?, size, sha256 vs the spec, first parsed examples.",
        discussion: """
        For each file: missing, or its size and sha256 — 'ok' when it matches the spec, else the exact line to paste
        into the spec ("sha256": "…"). Then, per task whose files are all present, its first examples as prepare
        would read them (text → label), so a wrong column or format shows now; a malformed row anywhere in the file
        is reported with its file and line. Exit status 0 when every file is present, matches and parses; 1 otherwise.
        Example:  hmpipe data check experiments/table1.json --profile paper
        """)

    @Argument(help: "Experiment spec file.") var spec: String
    @Option(help: "Profile whose files to check.") var profile = "paper"
    @OptionGroup var overrides: OverrideOption
    @Option(help: "Examples to show per split.") var examples = 3

    func run() throws {
        let (loaded, profile) = try overrides.load(spec, profile: self.profile)
        let files = try reportingSpecErrors { try loaded.userFiles(profile: profile) }
        if files.isEmpty {
            print("\(loaded.name) [\(profile)]: reads no files of yours (only pinned stand-in data, fetched by `hmpipe run`)")
            return
        }
        print("\(loaded.name) [\(profile)]: \(files.count) file(s) of yours for \(Set(files.map(\.task)).count) task(s)")
        var ok = true
        var readyTasks: [String: [String: URL]] = [:]
        let fieldsOf = Dictionary(files.map { ($0.task, $0.fields) }, uniquingKeysWith: { a, _ in a })
        var blocked = Set<String>()
        for f in files {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: f.path, isDirectory: &isDirectory)
            let head = "  \(f.task)  \(f.input)  \(f.path)"
            guard exists, !isDirectory.boolValue else {
                print("\(head)\n      MISSING\(isDirectory.boolValue ? " (a directory, not a file)" : "") — put the file there (docs/data.md: Using the paper's own datasets)")
                ok = false; blocked.insert(f.task); continue
            }
            let size = ((try? FileManager.default.attributesOfItem(atPath: f.path)[.size]) as? NSNumber)?.int64Value ?? 0
            let actual = try Hashing.sha256Hex(fileAt: URL(fileURLWithPath: f.path))
            let sizeText = ByteCountFormatter.string(fromByteCount: size, countStyle: .file)
            if actual == f.sha256.lowercased() {
                print("\(head)\n      present, \(sizeText), sha256 ok")
            } else {
                ok = false
                let declared = f.sha256.count == 64 && f.sha256.allSatisfy(\.isHexDigit) ? "the spec says \(f.sha256)" : "the spec has no hash yet"
                print("\(head)\n      present, \(sizeText), sha256 \(actual) — \(declared); if this is the right file, paste into \(loaded.file.lastPathComponent) (\(f.input) of \(f.task)):\n        \"sha256\": \"\(actual)\"")
            }
            readyTasks[f.task, default: [:]][f.input] = URL(fileURLWithPath: f.path)
        }
        for (task, urls) in readyTasks.sorted(by: { $0.key < $1.key }) where !blocked.contains(task) {
            do {
                let p = try TaskPreview.preview(task: task, fields: fieldsOf[task] ?? nil, files: urls, limit: examples)
                print("  \(task): \(p.counts.train) training examples, \(p.counts.test) test examples parsed")
                for line in p.train { print("      train  \(line)") }
                for line in p.test { print("      test   \(line)") }
            } catch {
                ok = false
                print("  \(task): cannot be read: \(error)")
            }
        }
        if !ok { throw ExitCode(1) }
    }
}
