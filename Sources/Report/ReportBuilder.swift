import Pipeline
import Foundation
import Formats
import Stages

/// Builds a `ReportTable` from the state database's cell results, the spec's report layout and the paper's
/// numbers. Cells aggregate over every axis that is neither the row nor the column axis (the seeds).
public struct ReportBuilder {
    public let layout: ReportLayout
    public let paper: PaperNumbers

    public init(layout: ReportLayout, paper: PaperNumbers) { self.layout = layout; self.paper = paper }

    /// A cell's value of the row or column axis (several axes joined by "/"); nil = the spec's task.
    func axis(_ cell: CellResult, _ name: String?, _ parameters: [String: JSONValue]) -> String {
        guard let name else { return parameters["task"]?.interpolationText ?? "task" }
        return name.split(separator: ",").map { a in
            let a = String(a)
            return cell.axes[a]?.interpolationText ?? parameters[a]?.interpolationText ?? "?"
        }.joined(separator: "/")
    }

    /// The seed of a cell: the axes that are neither rows nor columns (usually just `seed`); it pairs cells
    /// across rows and columns.
    func seed(_ cell: CellResult) -> String {
        let shown = Set(([layout.rows] + (layout.columns.map { [$0] } ?? [])).flatMap { $0.split(separator: ",").map(String.init) })
        let rest = cell.axes.keys.filter { !shown.contains($0) }.sorted()
        if rest.count == 1 { return cell.axes[rest[0]]!.interpolationText }
        return rest.isEmpty ? "0" : rest.map { "\($0)=\(cell.axes[$0]!.interpolationText)" }.joined(separator: ",")
    }

    /// The stage and metric a column reads: `stage.metric` for fixed metric columns, else the layout's stage.
    func stageAndMetric(column name: String, metric: String) -> (String, String) {
        guard layout.metricColumns != nil, let dot = name.firstIndex(of: ".") else { return (layout.stage, metric) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// `examples`: a metric stage's per-example scores by stage key, for the claims' two-level bootstrap (nil: none).
    public func build(spec: String, profile: String, cells: [CellResult], parameters: [String: JSONValue],
                      examples: ((String) -> EvaluateScores?)? = nil) -> ReportTable {
        func axis(_ cell: CellResult, _ name: String?) -> String { self.axis(cell, name, parameters) }
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
                var found: [(seed: String, value: Double, run: String)] = [], missing = 0
                var extras: [String: [(String, Double)]] = [:]
                let (stageName, metricName) = stageAndMetric(column: col.name, metric: col.metric)
                for g in group {
                    guard let stage = g.stages[stageName], stage.status == .done, let v = stage.metrics[metricName] else {
                        missing += 1; continue
                    }
                    found.append((seed(g), v, stage.key))
                    if fixed == nil {
                        for (name, value) in stage.metrics where name != col.metric { extras[name, default: []].append((seed(g), value)) }
                    }
                }
                func cell(_ entries: [(String, Double, String)]) -> ReportTable.Cell {
                    let order = ReportTable.seedOrder(entries.map(\.0))
                    let sorted = order.map { s in entries.first { $0.0 == s }! }
                    return .init(values: sorted.map(\.1), seeds: order, runs: sorted.map(\.2), missing: missing)
                }
                for (name, vs) in extras { extra["\(col.name).\(name)"] = cell(vs.map { ($0.0, $0.1, "") }) }
                return cell(found.map { ($0.seed, $0.value, $0.run) })
            }
            let label = layout.rowLabels?[key] ?? paper.rowLabel(table: layout.paper, method: key) ?? key
            return .init(key: key, label: label, cells: cellsOfRow, extra: extra)
        }
        // Columns of a group take the paper's numbers from the group's own table.
        let groups = (layout.columnGroups ?? []).filter { g in columns.contains { g.columns.contains($0.name) } }
        for i in columns.indices {
            columns[i].paperTable = groups.first { $0.columns.contains(columns[i].name) }?.paper
        }
        if layout.average == true, !columns.isEmpty {
            // Per seed, the mean over the task columns (of each group, when the table has groups), over the seeds
            // finished in every column (a seed missing anywhere is left out rather than averaged over fewer tasks).
            let averages: [(name: String, paper: String?, members: [Int])] = groups.isEmpty
                ? [("average", nil, Array(columns.indices))]
                : groups.map { g in (g.average, g.paper, columns.indices.filter { g.columns.contains(columns[$0].name) }) }
            for a in averages {
                columns.append(.init(name: a.name, metric: "mean of columns", paperTask: "average", higherIsBetter: true,
                                     data: "mean over the task columns, per seed", paperTable: a.paper,
                                     averageOf: a.members.map { columns[$0].name }))
                for i in rows.indices {
                    let cells = a.members.compactMap { rows[i].cells[$0] }
                    let complete = cells.count == a.members.count ? ReportClaims.common(cells) : []
                    let perSeed = complete.map { s in cells.map { $0.value(seed: s)! }.reduce(0, +) / Double(cells.count) }
                    let runs = complete.map { s in cells.map { $0.run(seed: s)! }.joined(separator: "+") }
                    let all = Set(cells.flatMap(\.seeds)).count + (cells.map(\.missing).max() ?? 0)
                    rows[i].cells.append(.init(values: perSeed, seeds: complete, runs: runs, missing: max(0, all - complete.count)))
                }
            }
        }
        for u in layout.unavailable ?? [] {
            columns.append(.init(name: u.name, metric: u.metric, paperTask: u.paperTask, higherIsBetter: !lower.contains(u.metric),
                                 data: u.reason, unavailable: u.reason))
            for i in rows.indices { rows[i].cells.append(nil) }
        }
        let paperRows = paper.methods(table: layout.paper).compactMap { m -> ReportTable.PaperRow? in
            let values = columns.map { c in c.paperTask.flatMap { paper.value(table: c.paperTable ?? layout.paper, method: m, task: $0) } }
            guard values.contains(where: { $0 != nil }) else { return nil }
            return .init(label: "paper: " + (paper.rowLabel(table: layout.paper, method: m) ?? m), values: values)
        }
        var ratios: [ReportTable.PaperRow] = []
        if let ref = layout.ratioTo, let base = rows.first(where: { $0.key == ref }) {
            for row in rows where row.key != ref {
                let pairs = zip(row.cells, base.cells).map { ratio($0, $1) }
                ratios.append(.init(label: "ratio \(row.label) / \(base.label)", values: pairs.map { $0?.value },
                                    spread: layout.summary == .median ? pairs.map { $0?.range } : nil))
            }
        }
        var table = ReportTable(spec: spec, profile: profile, title: layout.title, caption: [], columns: columns,
                                rows: rows, paperRows: ratios + paperRows, claims: [], cellsDone: done,
                                cellsTotal: cells.filter { $0.stages[layout.stage] != nil }.count,
                                columnAxis: fixed == nil ? (layout.columns ?? "task") : nil, summary: layout.summary)
        for i in table.columns.indices { table.columns[i].sizes = sizes(table.columns[i], cells: cells, columnOf: { axis($0, layout.columns) }) }
        table.caption = caption(table, parameters: parameters)
        table.caption.insert(contentsOf: BackboneCaption.lines(cells: cells, parameters: parameters), at: min(1, table.caption.count))
        table.claims = ReportClaims.evaluate(layout.claims ?? [], in: table, paper: paper, paperTable: layout.paper)
        if let examples { for i in table.claims.indices { table.claims[i].bootstrap = bootstrap(table.claims[i], table, examples) } }
        var one = [table]
        ReportClaims.decide(&one)
        return one[0]
    }

    /// A ratio row's cell: the ratio of means; under a median summary the median of the per-seed ratios over
    /// the seeds both cells have (seed s of each method ran in the same round, back to back), with their
    /// [min, max] when there are several.
    func ratio(_ a: ReportTable.Cell?, _ b: ReportTable.Cell?) -> (value: Double, range: [Double]?)? {
        guard let a, let b, !a.values.isEmpty, !b.values.isEmpty else { return nil }
        guard layout.summary == .median else { return b.mean != 0 ? (a.mean / b.mean, nil) : nil }
        let perSeed = ReportClaims.common([a, b]).compactMap { s -> Double? in
            let d = b.value(seed: s)!
            return d != 0 ? a.value(seed: s)! / d : nil
        }
        guard !perSeed.isEmpty else { return nil }
        return (ReportTable.median(perSeed), perSeed.count > 1 ? [perSeed.min()!, perSeed.max()!] : nil)
    }

    /// The claim's two-level bootstrap interval from its cells' per-example scores; nil when any cell has none
    /// (an LM evaluation cached before it wrote per-block lines) or the runs of a column scored different
    /// numbers of examples.
    func bootstrap(_ c: ReportTable.ClaimResult, _ t: ReportTable, _ examples: (String) -> EvaluateScores?) -> [Double]? {
        guard let r = Self.resampler(c, t, examples) else { return nil }
        let interval = Bootstrap.interval(terms: c.terms, seeds: ReportTable.seedOrder(Array(c.perSeed.keys)), examples: r.counts, metric: r.metric)
        return interval.map { [$0.low, $0.high] }
    }

    /// What resampling a claim's test examples needs: each column's test-set size and a cell's metric on
    /// drawn examples (row, column, seed, indices); nil when a cell has no per-example scores or the runs of a
    /// column scored different numbers of examples.
    static func resampler(_ c: ReportTable.ClaimResult, _ t: ReportTable, _ examples: (String) -> EvaluateScores?)
        -> (counts: [String: Int], metric: (String, String, String, [Int]) -> Double?)? {
        guard !c.terms.isEmpty, !c.perSeed.isEmpty else { return nil }
        var scores: [String: EvaluateScores] = [:], counts: [String: Int] = [:]
        for term in c.terms {
            guard let col = t.columns.firstIndex(where: { $0.name == term.column }),
                  let cell = t.rows.first(where: { $0.key == term.row })?.cells[col] else { return nil }
            for seed in c.perSeed.keys {
                guard let run = cell.run(seed: seed), let s = scores[run] ?? examples(run) else { return nil }
                scores[run] = s
                if let n = counts[term.column], n != s.count { return nil }
                counts[term.column] = s.count
            }
        }
        let found = scores
        return (counts, { row, column, seed, indices in
            guard let col = t.columns.firstIndex(where: { $0.name == column }),
                  let run = t.rows.first(where: { $0.key == row })?.cells[col]?.run(seed: seed) else { return nil }
            return found[run]?.metric(t.columns[col].metric, on: indices)
        })
    }

    /// A `column_tasks` entry: a task name, or `${parameter}` for a column whose task the profile chooses
    /// (Table 2's summarization: the stand-in by default, the user's XSum in the paper profile).
    func task(named entry: String, _ parameters: [String: JSONValue]) -> String {
        guard entry.hasPrefix("${"), entry.hasSuffix("}") else { return entry }
        return parameters[String(entry.dropFirst(2).dropLast())]?.stringValue ?? entry
    }

    /// Examples per split of the data a column's cells were prepared from: the column's own prepare stage
    /// ("data" for "test.…", "lm_data" for "lm_test.…": the metric stage's chain prefix + "_data"), in the cells
    /// of that column when the columns are an axis (each task its own sizes).
    func sizes(_ c: ReportTable.Column, cells: [CellResult], columnOf: (CellResult) -> String) -> [String: Int]? {
        guard c.unavailable == nil, c.averageOf == nil else { return nil }
        let stage = layout.metricColumns == nil ? layout.stage : (c.name.split(separator: ".").first.map(String.init) ?? "")
        let chain = stage.split(separator: "_").dropLast().joined(separator: "_")
        let dataStage = chain.isEmpty ? "data" : chain + "_data"
        let own = layout.metricColumns == nil ? cells.filter { columnOf($0) == c.name } : cells
        guard let data = own.lazy.compactMap({ $0.stages[dataStage] }).first(where: { $0.status == .done }) else { return nil }
        var n: [String: Int] = [:]
        for s in ["train", "validation", "test"] {
            if let v = data.metrics["\(s)_examples"] { n[s] = Int(v) }
            if let d = data.metrics["\(s)_documents"] { n["\(s)_documents"] = Int(d) }   // the unit of splitting
            if let q = data.metrics["\(s)_questions"] { n["\(s)_questions"] = Int(q) }   // the unit scored (COPA, MultiRC, ReCoRD)
        }
        return n.isEmpty ? nil : n
    }

    func caption(_ t: ReportTable, parameters: [String: JSONValue]) -> [String] {
        let scratch = parameters["backbone"]?.stringValue == "scratch"
        // `${parameter}` in the layout's backbone line names what the profile chose (Table 2's cross-attention
        // init); a name the profile does not set leaves the line as written.
        let named = (try? Interpolation.apply(.string(layout.backbone), parameters))?.stringValue ?? layout.backbone
        let backbone = scratch ? "small models trained from scratch (wiring check only — not the MiniLM backbone of the default profile)" : named
        var lines = ["Profile `\(t.profile)`; backbone: \(backbone)."]
        for c in t.columns {
            var counts = ""
            if let sizes = c.sizes {
                // Language-modelling examples are blocks of `lm_max_length` tokens (lm-upcycle.json's default 128), not articles.
                let unit = c.metric == "perplexity" ? " blocks of \(parameters["lm_max_length"]?.interpolationText ?? "128") tokens" : ""
                counts = " (" + ["train", "validation", "test"].compactMap { s in
                    sizes[s].map { "\(s) \($0)\(unit)" + (sizes["\(s)_questions"].map { " rows (\($0) questions)" } ?? "")
                        + (sizes["\(s)_documents"].map { " from \($0) documents" } ?? "") }
                }.joined(separator: ", ") + ")"
            }
            if let why = c.unavailable { lines.append("`\(c.name)`: not yet runnable — \(why)."); continue }
            if c.name == "average" {
                lines.append("`average`: per seed, the mean of our task columns over the seeds finished in every column, as the paper averages its tasks — a different task set, so compare orderings, not values.")
                continue
            }
            if let members = c.averageOf {
                let group = layout.columnGroups?.first { $0.average == c.name }
                let all = group.map { g in g.columns.allSatisfy(members.contains) } ?? false
                lines.append("`\(c.name)`: per seed, the mean of the \(members.count) \(group?.name ?? "") columns (\(members.joined(separator: ", "))) over the seeds finished in every one, as the paper averages its \(group?.name ?? "") tasks"
                             + (all ? " (the same tasks: the paper's average is beside it)." : " — not all of the paper's tasks, so compare orderings, not values."))
                continue
            }
            let standIn = c.paperTask.map { " — stands in for the paper's \($0)" } ?? ""
            let scale = c.metric.contains("per_second") || c.metric == "perplexity" ? "" : " ×100"
            lines.append("`\(c.name)`: \(c.data)\(counts)\(standIn); metric \(c.metric)\(scale).")
        }
        if t.summary == .median {
            lines.append("Cells: median [min–max] over the repetitions (n), one per seed; n = 1 shows the one value. Ratio rows: the median [min–max] of the per-seed ratios (seed s of each method is one repetition of the same round). Bold: the best median, only where its paired difference from the runner-up has p < 0.05 (paired t-test over common seeds, uncorrected). Paper rows: \(paper.source)")
        } else {
            lines.append("Cells: mean ± sample std over seeds (n); n = 1 shows the one value. Bold: the best mean, only where its paired difference from the runner-up has p < 0.05 (paired t-test over common seeds, uncorrected). Paper rows: \(paper.source)")
        }
        return lines
    }
}
