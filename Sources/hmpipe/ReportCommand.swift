import ArgumentParser
import Foundation
import Pipeline

/// `hmpipe report`: the paper's tables with our numbers beside theirs.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write each spec's results as the paper's table (Markdown, CSV or JSON), paper numbers beside ours.",
        discussion: """
        Reads the workspace's state database; nothing is recomputed. Each cell is mean ± std over seeds (n);
        unfinished cells are marked missing, so a partial sweep reports what exists. With --out, writes
        SPEC.md, SPEC.csv and SPEC.json (and SPEC.svg for figures) into that folder; otherwise prints the chosen format.
        Without SPEC arguments, reports every experiments/*.json that has a `report` block.
        """
    )

    @Argument(help: "Experiment spec files (default: experiments/*.json).") var specs: [String] = []
    @OptionGroup var workspace: WorkspaceOption
    @Option(help: "Profile whose runs to report.") var profile = "default"
    @OptionGroup var overrides: OverrideOption
    @Option(help: "md, csv or json (for printing; --out writes all three).") var format = "md"
    @Option(help: "Folder to write reports into.") var out: String?
    @Option(help: "The paper's numbers.") var paperNumbers = "experiments/paper/hypermoe-paper-numbers.json"

    func run() throws {
        guard ["md", "csv", "json"].contains(format) else { throw ValidationError("--format must be md, csv or json") }
        let paths = specs.isEmpty ? try defaultSpecs() : specs
        let paper = try PaperNumbers(file: URL(fileURLWithPath: paperNumbers))
        let state = try Runner.openState(Workspace(workspace.url))
        for path in paths {
            let url = URL(fileURLWithPath: path)
            guard let layout = try ReportLayout.load(specFile: url) else {
                if !specs.isEmpty { FileHandle.standardError.write(Data("\(path): no `report` block; skipped\n".utf8)) }
                continue
            }
            let (spec, profile) = try overrides.load(path, profile: self.profile)
            var parameters = spec.parameters
            for (k, v) in spec.profiles[profile]?.parameters ?? [:] { parameters[k] = v }
            let cells = try state.cellResults(spec: spec.name, profile: profile)
            if cells.isEmpty {
                FileHandle.standardError.write(Data("\(path): nothing recorded for profile \(profile) (run it first); skipped\n".utf8))
                continue
            }
            let table = ReportBuilder(layout: layout, paper: paper).build(spec: spec.name, profile: profile, cells: cells,
                                                                          parameters: parameters)
            if let out {
                let dir = URL(fileURLWithPath: out)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try ReportRenderer.markdown(table).write(to: dir.appendingPathComponent("\(spec.name).md"), atomically: true, encoding: .utf8)
                try ReportRenderer.csv(table).write(to: dir.appendingPathComponent("\(spec.name).csv"), atomically: true, encoding: .utf8)
                try ReportRenderer.json(table).write(to: dir.appendingPathComponent("\(spec.name).json"), atomically: true, encoding: .utf8)
                if layout.paper.hasPrefix("figure") || spec.name.hasPrefix("figure") {
                    try ReportChart.svg(table).write(to: dir.appendingPathComponent("\(spec.name).svg"), atomically: true, encoding: .utf8)
                }
                // Panels in the spec's axis order (8, 16, 32 experts), rows named as in the table.
                let columnOrder = layout.columns.flatMap { axis in (spec.profiles[profile]?.axes[axis] ?? spec.axes[axis])?
                    .map { $0.stringValue ?? "\(axis) \($0.canonical)" } } ?? []
                try writePictures(spec: spec.name, profile: profile, title: layout.title, layout: layout, cells: cells, columnOrder: columnOrder,
                                  rowLabel: { layout.rowLabels?[$0] ?? paper.rowLabel(table: layout.paper, method: $0) ?? $0 },
                                  rows: try state.metricRows(spec: spec.name, profile: profile), into: dir)
                print("wrote \(dir.appendingPathComponent("\(spec.name).md").path)")
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
            return (["- [\(title)](\(name))\(runs)"] + claims.map { "  - \($0.text): **\($0.verdict.rawValue)**" }).joined(separator: "\n")
        }
        let text = "# Results\n\nWritten by `hmpipe report --out` from the workspace state (`make run` regenerates Table 3).\n\n" +
            lines.joined(separator: "\n") + "\n"
        try text.write(to: dir.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    }

    private func defaultSpecs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "experiments").filter { $0.hasSuffix(".json") }.sorted()
            .map { "experiments/\($0)" }
    }
}
