import ArgumentParser
import Foundation
import Pipeline
import Stages

/// `hmpipe report`: the paper's tables with our numbers beside theirs.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write each spec's results as the paper's table (Markdown, CSV or JSON), paper numbers beside ours.",
        discussion: """
        Reads the workspace's state database; nothing is recomputed. Each cell is mean ± std over seeds (n);
        unfinished cells are marked missing, so a partial sweep reports what exists. Each claim of the spec is
        tested on paired per-seed differences (95 % t-interval, p, Holm over the table's claims, MDE at 80 %
        power beside the paper's effect). With --out, writes SPEC.md, SPEC.csv and SPEC.json (and SPEC.svg for
        figures) into that folder; otherwise prints the chosen format. Without SPEC arguments, reports every
        experiments/*.json that has a `report` block; the other specs are always read too, so a claim that reads
        the same runs as another table's is tested once. --from-results DIR reads the per-seed values of an
        earlier `--out` folder instead of the state (to re-render committed results).
        """
    )

    @Argument(help: "Experiment spec files (default: experiments/*.json).") var specs: [String] = []
    @OptionGroup var workspace: WorkspaceOption
    @Option(help: "Profile whose runs to report.") var profile = "default"
    @Option(help: "md, csv or json (for printing; --out writes all three).") var format = "md"
    @Option(help: "Folder to write reports into.") var out: String?
    @Option(help: "The paper's numbers.") var paperNumbers = "experiments/paper/hypermoe-paper-numbers.json"
    @Option(help: "Read per-seed values from this folder's SPEC.json reports (an earlier --out) instead of the workspace state.")
    var fromResults: String?

    func run() throws {
        guard ["md", "csv", "json"].contains(format) else { throw ValidationError("--format must be md, csv or json") }
        let set = try ReportCommand.tables(specs: specs, profile: profile, paperNumbers: paperNumbers, workspace: workspace.url,
                                           fromResults: fromResults)
        for (path, why) in set.skipped where specs.contains(path) {
            FileHandle.standardError.write(Data("\(path): \(why); skipped\n".utf8))
        }
        let requested = specs.isEmpty ? set.entries : set.entries.filter { e in specs.contains(e.path) }
        for entry in requested {
            let table = entry.table, name = entry.spec.name
            if let out {
                let dir = URL(fileURLWithPath: out)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try ReportRenderer.markdown(table).write(to: dir.appendingPathComponent("\(name).md"), atomically: true, encoding: .utf8)
                try ReportRenderer.csv(table).write(to: dir.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
                try ReportRenderer.json(table).write(to: dir.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
                if entry.layout.paper.hasPrefix("figure") || name.hasPrefix("figure") {
                    try ReportChart.svg(table).write(to: dir.appendingPathComponent("\(name).svg"), atomically: true, encoding: .utf8)
                }
                print("wrote \(dir.appendingPathComponent("\(name).md").path)")
            } else {
                switch format {
                case "csv": print(ReportRenderer.csv(table), terminator: "")
                case "json": print(try ReportRenderer.json(table))
                default: print(ReportRenderer.markdown(table))
                }
            }
        }
        if let out { try writeIndex(URL(fileURLWithPath: out)) }
    }

    /// The tables of `specs` built together with every other experiments/*.json report (so shared runs are
    /// tested once), from the workspace state or from an earlier results folder.
    static func tables(specs: [String], profile: String, paperNumbers: String, workspace: URL, fromResults: String?) throws -> ReportSet {
        let all = (try? defaultSpecs()) ?? []
        let paths = specs + all.filter { p in !specs.contains { URL(fileURLWithPath: $0).standardizedFileURL == URL(fileURLWithPath: p).standardizedFileURL } }
        let paper = try PaperNumbers(file: URL(fileURLWithPath: paperNumbers))
        let state = fromResults == nil ? try Runner.openState(Workspace(workspace)) : nil
        // Per-example scores of a metric stage (its predictions.jsonl / summaries.jsonl), for the bootstrap.
        var examples: ((String) -> EvaluateScores?)? = nil
        if let state {
            let store = ArtifactStore(workspace: Workspace(workspace))
            examples = { key in
                guard let records = try? state.artifacts(keys: [key])[key],
                      let record = records.first(where: { $0.name == "predictions.jsonl" || $0.name == "summaries.jsonl" }),
                      let file = try? store.path(for: record) else { return nil }
                return try? EvaluateScores.read(file)
            }
        }
        return try reportingSpecErrors {
            try ReportSet.build(paths: paths, profile: profile, paper: paper, examples: examples) { spec, builder, parameters in
                if let dir = fromResults {
                    let file = URL(fileURLWithPath: dir).appendingPathComponent("\(spec.name).json")
                    guard FileManager.default.fileExists(atPath: file.path) else { return [] }
                    return try ReportInputs.cells(fromResults: file, spec: spec, builder: builder, profile: profile, parameters: parameters)
                }
                return try state!.cellResults(spec: spec.name, profile: profile)
            }
        }
    }

    /// results/README.md: one line per report in the folder (title and run counts from its first lines), and
    /// under it each checked claim with its verdict (from the report's JSON), so the folder answers "what held?"
    private func writeIndex(_ dir: URL) throws {
        let reports = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
        let lines = try reports.map { name -> String in
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            let title = text.first.map { $0.replacingOccurrences(of: "## ", with: "") } ?? name
            let runs = text.dropFirst().first { $0.hasPrefix("_Spec") }.map { " — " + $0.trimmingCharacters(in: CharacterSet(charactersIn: "_")) } ?? ""
            let json = dir.appendingPathComponent(String(name.dropLast(3)) + ".json")
            let claims = ((try? Data(contentsOf: json)).flatMap { try? JSONDecoder().decode(ReportTable.self, from: $0) })?.claims ?? []
            return (["- [\(title)](\(name))\(runs)"] + claims.map { c in
                "  - \(c.text): **\(c.verdict.rawValue)**" + (c.testedIn.map { " (the same runs as \($0))" } ?? "")
            }).joined(separator: "\n")
        }
        let text = "# Results\n\nWritten by `hmpipe report --out` from the workspace state (`make run` regenerates Table 3), or from an "
            + "earlier folder's per-seed values with `--from-results`. Verdicts: paired t-tests over seeds, Holm-corrected per table "
            + "(README: How to read a verdict).\n\n" +
            lines.joined(separator: "\n") + "\n"
        try text.write(to: dir.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    }

    static func defaultSpecs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "experiments").filter { $0.hasSuffix(".json") }.sorted()
            .map { "experiments/\($0)" }
    }
}
