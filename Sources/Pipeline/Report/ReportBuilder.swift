import Foundation
import Formats
import Stages

/// Builds a `ReportTable` from the state database's cell results, the spec's report layout and the paper's
/// numbers. Cells aggregate over every axis that is neither the row nor the column axis (the seeds).
public struct ReportBuilder {
    public let layout: ReportLayout
    public let paper: PaperNumbers

    public init(layout: ReportLayout, paper: PaperNumbers) { self.layout = layout; self.paper = paper }

    public func build(spec: String, profile: String, cells: [CellResult], parameters: [String: JSONValue]) -> ReportTable {
        func axis(_ cell: CellResult, _ name: String?) -> String {
            guard let name else { return parameters["task"]?.interpolationText ?? "task" }
            return name.split(separator: ",").map { a in
                let a = String(a)
                return cell.axes[a]?.interpolationText ?? parameters[a]?.interpolationText ?? "?"
            }.joined(separator: "/")
        }
        var columnNames: [String] = [], rowKeys: [String] = []
        for c in cells {
            let col = axis(c, layout.columns), row = axis(c, layout.rows)
            if !columnNames.contains(col) { columnNames.append(col) }
            if !rowKeys.contains(row) { rowKeys.append(row) }
        }
        // Numeric axis values (expert counts) read left to right in increasing order, not label order.
        let numbers = columnNames.compactMap(Double.init)
        if numbers.count == columnNames.count { columnNames.sort { Double($0)! < Double($1)! } }
        // Fixed metric columns: every cell feeds every column; the stage comes from the column name.
        let fixed = layout.metricColumns
        if let fixed { columnNames = fixed }
        func stageAndMetric(_ column: ReportTable.Column) -> (String, String) {
            guard fixed != nil, let dot = column.name.firstIndex(of: ".") else { return (layout.stage, column.metric) }
            return (String(column.name[..<dot]), String(column.name[column.name.index(after: dot)...]))
        }
        if let order = layout.rowOrder { rowKeys = order.filter(rowKeys.contains) + rowKeys.filter { !order.contains($0) } }
        let lower = Set(layout.lowerIsBetter ?? ["perplexity"])
        // The task a column's cells ran: the column itself when tasks are the columns; the cells' (or the spec's)
        // task when the columns are another axis (Figure 3's expert counts all run cloze QA).
        func columnTask(_ name: String) -> String {
            let tasks = Set(cells.filter { axis($0, layout.columns) == name }
                .compactMap { $0.axes["task"]?.interpolationText ?? parameters["task"]?.interpolationText })
            return tasks.count == 1 ? tasks.first! : name
        }
        var columns = columnNames.map { name -> ReportTable.Column in
            let metric = fixed == nil ? layout.metric(for: name) : String(name.split(separator: ".").last ?? "")
            let taskName = fixed == nil ? columnTask(name) : (layout.columnTasks?[name].map { task(named: $0, parameters) }
                                                               ?? parameters["task"]?.stringValue ?? name)
            let data = (try? TaskCatalogue.task(named: taskName))?.dataDescription ?? "task `\(taskName)` (not in the task catalogue)"
            return .init(name: name, metric: metric, paperTask: layout.paperTask?[name] ?? (try? TaskCatalogue.task(named: name))?.paperTask,
                         higherIsBetter: !lower.contains(metric), data: data)
        }
        let done = cells.filter { $0.stages[layout.stage]?.status == .done }.count
        var rows = rowKeys.map { key -> ReportTable.Row in
            var extra: [String: ReportTable.Cell] = [:]
            let cellsOfRow = columns.map { col -> ReportTable.Cell? in
                let group = cells.filter { axis($0, layout.rows) == key && (fixed != nil || axis($0, layout.columns) == col.name) }
                guard !group.isEmpty else { return nil }
                var values: [Double] = [], missing = 0
                var extras: [String: [Double]] = [:]
                let (stageName, metricName) = stageAndMetric(col)
                for g in group {
                    guard let stage = g.stages[stageName], stage.status == .done, let v = stage.metrics[metricName] else {
                        missing += 1; continue
                    }
                    values.append(v)
                    if fixed == nil {
                        for (name, value) in stage.metrics where name != col.metric { extras[name, default: []].append(value) }
                    }
                }
                for (name, vs) in extras { extra["\(col.name).\(name)"] = .init(values: vs, missing: missing) }
                return .init(values: values, missing: missing)
            }
            let label = layout.rowLabels?[key] ?? paper.rowLabel(table: layout.paper, method: key) ?? key
            return .init(key: key, label: label, cells: cellsOfRow, extra: extra)
        }
        if layout.average == true, !columns.isEmpty {
            // Per seed (the i-th finished value of every column), the mean over task columns; a row missing any
            // column's seed gets no average rather than a biased one.
            let taskColumns = columns.indices
            columns.append(.init(name: "average", metric: "mean of columns", paperTask: "average", higherIsBetter: true,
                                 data: "mean over the task columns, per seed"))
            for i in rows.indices {
                let cells = taskColumns.map { rows[i].cells[$0] }
                let n = cells.map { $0?.values.count ?? 0 }.min() ?? 0
                let perSeed = (0..<n).map { s in cells.map { $0!.values[s] }.reduce(0, +) / Double(cells.count) }
                let missing = cells.map { ($0?.values.count ?? 0) + ($0?.missing ?? 1) }.max()! - n
                rows[i].cells.append(.init(values: perSeed, missing: missing))
            }
        }
        for u in layout.unavailable ?? [] {
            columns.append(.init(name: u.name, metric: u.metric, paperTask: u.paperTask, higherIsBetter: !lower.contains(u.metric),
                                 data: u.reason, unavailable: u.reason))
            for i in rows.indices { rows[i].cells.append(nil) }
        }
        let paperRows = paper.methods(table: layout.paper).compactMap { m -> ReportTable.PaperRow? in
            let values = columns.map { c in c.paperTask.flatMap { paper.value(table: layout.paper, method: m, task: $0) } }
            guard values.contains(where: { $0 != nil }) else { return nil }
            return .init(label: "paper: " + (paper.rowLabel(table: layout.paper, method: m) ?? m), values: values)
        }
        var ratios: [ReportTable.PaperRow] = []
        if let ref = layout.ratioTo, let base = rows.first(where: { $0.key == ref }) {
            for row in rows where row.key != ref {
                let values = zip(row.cells, base.cells).map { a, b -> Double? in
                    guard let a, let b, !a.values.isEmpty, !b.values.isEmpty, b.mean != 0 else { return nil }
                    return a.mean / b.mean
                }
                ratios.append(.init(label: "ratio \(row.label) / \(base.label)", values: values))
            }
        }
        var table = ReportTable(spec: spec, profile: profile, title: layout.title, caption: [], columns: columns,
                                rows: rows, paperRows: ratios + paperRows, claims: [], cellsDone: done,
                                cellsTotal: cells.filter { $0.stages[layout.stage] != nil }.count)
        table.caption = caption(table, cells: cells, parameters: parameters)
        table.claims = (layout.claims ?? []).map { ReportClaims.check($0, in: table) }
        return table
    }

    /// A `column_tasks` entry: a task name, or `${parameter}` for a column whose task the profile chooses
    /// (Table 2's summarization: the stand-in by default, the user's XSum in the paper profile).
    func task(named entry: String, _ parameters: [String: JSONValue]) -> String {
        guard entry.hasPrefix("${"), entry.hasSuffix("}") else { return entry }
        return parameters[String(entry.dropFirst(2).dropLast())]?.stringValue ?? entry
    }

    func caption(_ t: ReportTable, cells: [CellResult], parameters: [String: JSONValue]) -> [String] {
        let scratch = parameters["backbone"]?.stringValue == "scratch"
        // `${parameter}` in the layout's backbone line names what the profile chose (Table 2's cross-attention
        // init); a name the profile does not set leaves the line as written.
        let named = (try? Interpolation.apply(.string(layout.backbone), parameters))?.stringValue ?? layout.backbone
        let backbone = scratch ? "small models trained from scratch (wiring check only — not the MiniLM backbone of the default profile)" : named
        var lines = ["Profile `\(t.profile)`; backbone: \(backbone)."]
        for c in t.columns {
            var counts = ""
            // The column's prepare stage: "data" for "test.…"/"train.…", "lm_data" for "lm_test.…", "xsum_data" for
            // "xsum_train.…": the stage's chain prefix + "_data".
            let stage = c.name.split(separator: ".").first.map(String.init) ?? ""
            let chain = stage.split(separator: "_").dropLast().joined(separator: "_")
            let dataStage = chain.isEmpty ? "data" : chain + "_data"
            // The column's own cells when tasks are the columns (each task has its own split), else any cell.
            let own = cells.filter { $0.axes["task"]?.interpolationText == c.name }
            if let data = (own.isEmpty ? cells : own).lazy.compactMap({ $0.stages[dataStage] }).first(where: { $0.status == .done }) {
                let n = ["train", "validation", "test"].compactMap { s in
                    data.metrics["\(s)_examples"].map { n in
                        "\(s) \(Int(n))" + (data.metrics["\(s)_documents"].map { " from \(Int($0)) documents" } ?? "")
                    }
                }
                if !n.isEmpty { counts = " (" + n.joined(separator: ", ") + ")" }
            }
            if let why = c.unavailable { lines.append("`\(c.name)`: not yet runnable — \(why)."); continue }
            if c.name == "average" {
                lines.append("`average`: per seed, the mean of our task columns, as the paper averages its tasks — a different task set, so compare orderings, not values.")
                continue
            }
            let standIn = c.paperTask.map { " — stands in for the paper's \($0)" } ?? ""
            let scale = c.metric.contains("per_second") || c.metric == "perplexity" ? "" : " ×100"
            lines.append("`\(c.name)`: \(c.data)\(counts)\(standIn); metric \(c.metric)\(scale).")
        }
        lines.append("Cells: mean ± sample std over seeds (n). Paper rows: \(paper.source)")
        return lines
    }
}
