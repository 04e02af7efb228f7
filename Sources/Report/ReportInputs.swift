import Pipeline
import Foundation
import Formats
import Stages

/// The cells of an earlier report, read back from its JSON (`hmpipe report --from-results DIR`): each per-seed
/// value is laid onto the spec's planned grid cell of that row, column and seed, and each column's recorded sizes
/// onto its prepare stage — so a report can be re-rendered (new statistics, new layout) from the committed
/// numbers without the workspace that ran them. Stage keys come from planning the spec with placeholder input
/// hashes: good for telling which claims read the same runs, not for finding artifacts.
public enum ReportInputs {
    public static func cells(fromResults file: URL, spec: ExperimentSpec, builder: ReportBuilder, profile: String,
                             parameters: [String: JSONValue]) throws -> [CellResult] {
        let graph = try StageGraph.build(spec, profile: profile, registry: .builtIn, hashFile: { _ in String(repeating: "0", count: 64) })
        var cells = graph.cells.map { c in
            CellResult(spec: spec.name, profile: profile, label: c.label, axes: c.axes,
                       stages: c.stages.mapValues { .init(key: $0, status: .pending, metrics: [:]) })
        }.sorted { $0.label < $1.label }   // the state's order, so columns and rows come out as they did
        let json = try JSONValue.parse(Data(contentsOf: file))
        func fail(_ place: String, _ why: String) -> Error { SpecError(file: file.path, path: place, why) }
        guard let columns = json["columns"]?.arrayValue, let rows = json["rows"]?.arrayValue else {
            throw fail("$", "not a report JSON (no 'columns' and 'rows')")
        }
        let layout = builder.layout
        var metrics: [Int: [String: [String: Double]]] = [:]   // cell index → stage → metric → value
        func put(_ i: Int, _ stage: String, _ metric: String, _ value: Double) { metrics[i, default: [:]][stage, default: [:]][metric] = value }
        for (ri, row) in rows.enumerated() {
            guard let key = row["key"]?.stringValue, let rowCells = row["cells"]?.arrayValue else { throw fail("$.rows[\(ri)]", "needs 'key' and 'cells'") }
            // Secondary metrics "column.metric" ride along on the column's stage.
            var entries: [(column: String, metric: String, cell: JSONValue, place: String)] = []
            for (ci, cell) in rowCells.enumerated() where cell != .null && ci < columns.count {
                guard let name = columns[ci]["name"]?.stringValue, name != "average", columns[ci]["averageOf"] == nil, columns[ci]["unavailable"] == nil else { continue }
                entries.append((name, columns[ci]["metric"]?.stringValue ?? "", cell, "$.rows[\(ri)].cells[\(ci)]"))
            }
            for (k, cell) in row["extra"]?.objectValue ?? [:] {
                guard let dot = k.lastIndex(of: ".") else { continue }
                entries.append((String(k[..<dot]), String(k[k.index(after: dot)...]), cell, "$.rows[\(ri)].extra.\(k)"))
            }
            for e in entries {
                guard let perSeed = e.cell["perSeed"]?.objectValue else {
                    throw fail(e.place, "no 'perSeed' values (a report written before values were keyed by seed cannot be read back)")
                }
                let (stage, metric) = builder.stageAndMetric(column: e.column, metric: e.metric)
                for (seed, value) in perSeed {
                    guard let v = value.doubleValue else { throw fail(e.place + ".perSeed.\(seed)", "expected a number") }
                    let matching = cells.indices.filter { i in
                        builder.axis(cells[i], layout.rows, parameters) == key && builder.seed(cells[i]) == seed
                            && (layout.metricColumns != nil || builder.axis(cells[i], layout.columns, parameters) == e.column)
                    }
                    guard !matching.isEmpty else {
                        throw fail(e.place, "row '\(key)', column '\(e.column)', seed '\(seed)' is not a cell of \(spec.name)'s \(profile) grid")
                    }
                    for i in matching { put(i, stage, metric, v) }
                }
            }
        }
        // Column sizes → the column's prepare stage, in that column's cells.
        for column in columns {
            guard let name = column["name"]?.stringValue, let sizes = column["sizes"]?.objectValue else { continue }
            let stage = layout.metricColumns == nil ? layout.stage : (name.split(separator: ".").first.map(String.init) ?? "")
            let chain = stage.split(separator: "_").dropLast().joined(separator: "_")
            let dataStage = chain.isEmpty ? "data" : chain + "_data"
            for i in cells.indices where layout.metricColumns != nil || builder.axis(cells[i], layout.columns, parameters) == name {
                for (split, n) in sizes { if let n = n.doubleValue { put(i, dataStage, split.hasSuffix("_documents") ? split : "\(split)_examples", n) } }
            }
        }
        for (i, byStage) in metrics {
            for (stage, values) in byStage {
                let key = cells[i].stages[stage]?.key ?? "from-results:\(cells[i].label):\(stage)"
                cells[i].stages[stage] = .init(key: key, status: .done, metrics: values)
            }
        }
        return cells
    }
}
