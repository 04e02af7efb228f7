import ArgumentParser
import Foundation
import Pipeline

/// `hmpipe metrics`: every recorded metric of a spec's runs as one flat table, for pandas or R.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Export every recorded metric of a spec's runs (one row per cell, stage, metric and step) as CSV or JSON Lines.",
        discussion: """
        Reads the workspace's state database; nothing runs. Columns: spec, profile, cell, one column per grid axis
        (seed, method, task, …; an axis named like a fixed column is written axis_NAME), stage, stage_key, status,
        metric, step (empty for a step-less value: the final one), value. Curves such as train_loss have one row
        per logged step. In pandas:  pd.read_csv("m.csv")  or  pd.read_json("m.jsonl", lines=True).
        Example:  hmpipe metrics experiments/table3.json --format csv --out table3-metrics.csv
        """)

    @Argument(help: "Experiment spec file.") var spec: String
    @OptionGroup var workspace: WorkspaceOption
    @Option(help: "Profile whose runs to export.") var profile = "default"
    @OptionGroup var overrides: OverrideOption
    @Option(help: "csv or jsonl.") var format: String = "csv"
    @Option(help: "File to write (default: standard output).") var out: String?

    func run() throws {
        guard let format = MetricsExport.Format(rawValue: format) else {
            throw ValidationError("--format must be csv or jsonl, not '\(format)'")
        }
        let (loaded, profile) = try overrides.load(spec, profile: self.profile)
        _ = try reportingSpecErrors { try loaded.profile(named: profile) }
        let ws = Workspace(workspace.url)
        guard FileManager.default.fileExists(atPath: ws.database.path) else {
            throw ValidationError("no state database at \(ws.database.path): run the spec in this workspace first (or pass --workspace)")
        }
        let rows = try Runner.openState(ws).metricRows(spec: loaded.name, profile: profile)
        if rows.isEmpty {
            FileHandle.standardError.write(Data("\(spec): no metrics recorded for profile \(profile) in \(ws.root.path)\n".utf8))
        }
        let text = MetricsExport.render(rows, spec: loaded.name, profile: profile, format: format)
        if let out {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            FileHandle.standardError.write(Data("wrote \(rows.count) rows to \(out)\n".utf8))
        } else {
            print(text, terminator: "")
        }
    }
}
