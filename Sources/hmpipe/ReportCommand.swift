import ArgumentParser
import Foundation
import Pipeline
import Report
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
    @OptionGroup var overrides: OverrideOption
    @Option(help: "md, csv or json (for printing; --out writes all three).") var format = "md"
    @Option(help: "Folder to write reports into.") var out: String?
    @Option(help: "The paper's numbers.") var paperNumbers = "experiments/paper/hypermoe-paper-numbers.json"
    @Option(help: "Read per-seed values from this folder's SPEC.json reports (an earlier --out) instead of the workspace state.")
    var fromResults: String?

    func run() throws {
        guard ["md", "csv", "json"].contains(format) else { throw ValidationError("--format must be md, csv or json") }
        let set = try ReportCommand.tables(specs: specs, profile: profile, overrides: try overrides.overrides, paperNumbers: paperNumbers,
                                           workspace: workspace.url, fromResults: fromResults)
        for (path, why) in set.skipped where specs.contains(path) {
            FileHandle.standardError.write(Data("\(path): \(why); skipped\n".utf8))
        }
        let requested = specs.isEmpty ? set.entries : set.entries.filter { e in specs.contains(e.path) }
        // Training curves and routing need the recorded metrics: only from a workspace, not from earlier results.
        let state = fromResults == nil ? try Runner.openState(Workspace(workspace.url)) : nil
        let paper = try PaperNumbers(file: URL(fileURLWithPath: paperNumbers))
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
                if let state {
                    let layout = entry.layout, spec = entry.spec, profile = table.profile
                    // Panels in the spec's axis order (8, 16, 32 experts), rows named as in the table.
                    let columnOrder = layout.columns.flatMap { axis in (spec.profiles[profile]?.axes[axis] ?? spec.axes[axis])?
                        .map { $0.stringValue ?? "\(axis) \($0.canonical)" } } ?? []
                    try writePictures(spec: name, profile: profile, title: layout.title, layout: layout, cells: entry.cells,
                                      columnOrder: columnOrder,
                                      rowLabel: { layout.rowLabels?[$0] ?? paper.rowLabel(table: layout.paper, method: $0) ?? $0 },
                                      rows: try state.metricRows(spec: name, profile: profile), into: dir)
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
        if let out {
            try writeIndex(URL(fileURLWithPath: out))
            print("wrote \(try ReportSite.write(URL(fileURLWithPath: out)).path)")
        }
    }

    /// Beside the tables: `SPEC-curves-METRIC.svg` for every metric recorded against steps, and
    /// `SPEC-routing.svg` when the evaluate stages recorded expert loads. Stale pictures of the spec are removed
    /// first, so the folder never shows a picture of runs the tables no longer report.
    private func writePictures(spec: String, profile: String, title: String, layout: ReportLayout, cells: [CellResult], columnOrder: [String],
                               rowLabel label: (String) -> String, rows: [MetricRow], into dir: URL) throws {
        for old in try FileManager.default.contentsOfDirectory(atPath: dir.path)
        where (old.hasPrefix(spec + "-curves-") || old == spec + "-routing.svg") && old.hasSuffix(".svg") {
            try FileManager.default.removeItem(at: dir.appendingPathComponent(old))
        }
        let order = layout.rowOrder ?? []
        for (metric, panels) in CurveChart.curves(rows, rowsAxis: layout.rows, columnsAxis: layout.columns).sorted(by: { $0.key < $1.key }) {
            let svg = CurveChart.svg(title: "\(title): training curves (profile \(profile))", metric: metric, panels: panels,
                                     columnOrder: columnOrder, rowOrder: order, rowLabel: label)
            try svg.write(to: dir.appendingPathComponent("\(spec)-curves-\(metric).svg"), atomically: true, encoding: .utf8)
        }
        let maps = RoutingHeatmap.maps(cells, rowsAxis: layout.rows, stage: layout.stage)
        if !maps.isEmpty {
            let svg = RoutingHeatmap.svg(title: "\(title): routing on the test split (profile \(profile))", maps: maps,
                                         rowOrder: order, rowLabel: label)
            try svg.write(to: dir.appendingPathComponent("\(spec)-routing.svg"), atomically: true, encoding: .utf8)
        }
    }

    /// The tables of `specs` built together with every other experiments/*.json report (so shared runs are
    /// tested once), from the workspace state or from an earlier results folder.
    static func tables(specs: [String], profile: String, overrides: [ParameterOverride] = [], paperNumbers: String, workspace: URL,
                       fromResults: String?) throws -> ReportSet {
        // With --set, only the specs asked for (or all, if none): the other specs' runs are not the override's.
        let all = (try? defaultSpecs()) ?? []
        let paths = !overrides.isEmpty && !specs.isEmpty ? specs : specs + all.filter { p in !specs.contains { URL(fileURLWithPath: $0).standardizedFileURL == URL(fileURLWithPath: p).standardizedFileURL } }
        let paper = try PaperNumbers(file: URL(fileURLWithPath: paperNumbers))
        let state = fromResults == nil ? try Runner.openState(Workspace(workspace)) : nil
        let examples = state.map { examplesReader(state: $0, workspace: workspace) }
        return try reportingSpecErrors {
            try ReportSet.build(paths: paths, profile: profile, overrides: overrides, paper: paper, examples: examples) { spec, builder, parameters in
                let profile = ParameterOverride.profileName(profile, overrides)
                if let dir = fromResults {
                    let file = URL(fileURLWithPath: dir).appendingPathComponent("\(spec.name).json")
                    guard FileManager.default.fileExists(atPath: file.path) else { return [] }
                    return try ReportInputs.cells(fromResults: file, spec: spec, builder: builder, profile: profile, parameters: parameters)
                }
                return try state!.cellResults(spec: spec.name, profile: profile)
            }
        }
    }

    /// Per-example scores of a metric stage (its predictions.jsonl / summaries.jsonl) by stage key, for the
    /// bootstrap and `hmpipe power`'s test-example planning.
    static func examplesReader(state: StateStore, workspace: URL) -> (String) -> EvaluateScores? {
        let store = ArtifactStore(workspace: Workspace(workspace))
        return { key in
            guard let records = try? state.artifacts(keys: [key])[key],
                  let record = records.first(where: { $0.name == "predictions.jsonl" || $0.name == "summaries.jsonl" }),
                  let file = try? store.path(for: record) else { return nil }
            return try? EvaluateScores.read(file)
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
            + "(docs/reports.md: How to read a verdict).\n\n" +
            lines.joined(separator: "\n") + "\n"
        try text.write(to: dir.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    }

    static func defaultSpecs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "experiments").filter { $0.hasSuffix(".json") }.sorted()
            .map { "experiments/\($0)" }
    }
}
