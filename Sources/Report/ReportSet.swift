import Pipeline
import Foundation
import Formats
import Stages

/// The reports of several specs built together, so that a claim reading the same runs as another table's (Table
/// 2's QA and Table 3's (d) vs (a) share their cloze-QA runs) is tested once — in the first table in the paper's
/// order (tables, then figures) — and each Holm family counts only its own tests.
public struct ReportSet {
    public struct Entry {
        public let path: String
        public let spec: ExperimentSpec
        public let layout: ReportLayout
        public let parameters: [String: JSONValue]
        public let cells: [CellResult]
        public var table: ReportTable
        public init(path: String, spec: ExperimentSpec, layout: ReportLayout, parameters: [String: JSONValue], cells: [CellResult],
                    table: ReportTable) {
            self.path = path; self.spec = spec; self.layout = layout; self.parameters = parameters; self.cells = cells; self.table = table
        }
    }
    public var entries: [Entry]
    /// Specs given that could not be reported, with why ("no `report` block", "nothing recorded").
    public var skipped: [(path: String, why: String)]

    /// `cells` gives a spec's cell results (from the state or from earlier results); none = skipped.
    /// `overrides` (`--set`) apply to every spec, whose runs are then looked up under the synthesized profile.
    public static func build(paths: [String], profile base: String, overrides: [ParameterOverride] = [], paper: PaperNumbers,
                             examples: ((String) -> EvaluateScores?)? = nil,
                             cells: (ExperimentSpec, ReportBuilder, [String: JSONValue]) throws -> [CellResult]) throws -> ReportSet {
        var set = ReportSet(entries: [], skipped: [])
        let profile = ParameterOverride.profileName(base, overrides)
        for path in paths {
            let url = URL(fileURLWithPath: path)
            guard let layout = try ReportLayout.load(specFile: url) else { set.skipped.append((path, "no `report` block")); continue }
            let spec = try ExperimentSpec.load(url).overriding(overrides, profile: base).spec
            var parameters = spec.parameters
            for (k, v) in spec.profiles[profile]?.parameters ?? [:] { parameters[k] = v }
            let builder = ReportBuilder(layout: layout, paper: paper)
            let found = try cells(spec, builder, parameters)
            if found.isEmpty { set.skipped.append((path, "nothing recorded for profile \(profile) (run it first)")); continue }
            let table = builder.build(spec: spec.name, profile: profile, cells: found, parameters: parameters, examples: examples)
            set.entries.append(Entry(path: path, spec: spec, layout: layout, parameters: parameters, cells: found, table: table))
        }
        set.entries.sort { order($0.spec.name) < order($1.spec.name) }
        var tables = set.entries.map(\.table)
        ReportClaims.decide(&tables)
        for i in set.entries.indices { set.entries[i].table = tables[i] }
        return set
    }

    static func order(_ name: String) -> String { (name.hasPrefix("table") ? "0" : "1") + name }
}
