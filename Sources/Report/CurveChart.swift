import Pipeline
import Foundation
import Formats

/// Training curves as standalone SVG: for every metric recorded against steps (`train_loss`, and any validation
/// curve a stage records), one small multiple per column of the table (task, expert count, …), one colour per
/// row (method); each seed a faint line, the mean over seeds a solid line with a min–max band. Answers "did every
/// run train, and did the methods diverge?" at a glance.
public enum CurveChart {
    static let palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]

    public struct Series: Sendable {
        public var row: String
        public var seed: String
        public var points: [(step: Int, value: Double)]
    }

    /// Stepped metrics of the rows, grouped: metric → column label → series. Columns come from `columnsAxis`
    /// (nil: one panel), rows from `rowsAxis`; any other axis but the seed makes another series of the same row.
    public static func curves(_ rows: [MetricRow], rowsAxis: String, columnsAxis: String?) -> [String: [String: [Series]]] {
        var grouped: [String: [String: [String: Series]]] = [:]
        // A metric logged by several stages (Table 2: train, lm_train, xsum_train, …) gets a panel per stage.
        var stagesOf: [String: Set<String>] = [:]
        for r in rows where r.step != nil { stagesOf[r.metric, default: []].insert(r.stage) }
        for r in rows where r.step != nil && r.value.isFinite {
            let row = r.axes[rowsAxis].map(label) ?? "all"
            // A numeric column value says what it counts ("experts 8"); a task name speaks for itself.
            var column = columnsAxis.flatMap { axis in r.axes[axis].map { $0.stringValue ?? "\(axis) \($0.canonical)" } } ?? ""
            if (stagesOf[r.metric]?.count ?? 0) > 1 { column = column.isEmpty ? r.stage : "\(column) · \(r.stage)" }
            let seed = r.axes.filter { $0.key != rowsAxis && $0.key != columnsAxis }.sorted { $0.key < $1.key }
                .map { "\($0.key)=\(label($0.value))" }.joined(separator: ",")
            let id = "\(r.stage)|\(row)|\(seed)"
            var s = grouped[r.metric, default: [:]][column, default: [:]][id] ?? Series(row: row, seed: seed, points: [])
            s.points.append((r.step!, r.value))
            grouped[r.metric, default: [:]][column, default: [:]][id] = s
        }
        return grouped.mapValues { $0.mapValues { Array($0.values).filter { $0.points.count >= 2 }.sorted { ($0.row, $0.seed) < ($1.row, $1.seed) } }
            .filter { !$0.value.isEmpty } }.filter { !$0.value.isEmpty }
    }

    static func label(_ v: JSONValue) -> String { v.stringValue ?? v.canonical }

    /// One SVG for one metric: panels in `columnOrder` (unknown columns after, sorted), rows coloured in `rowOrder`.
    public static func svg(title: String, metric: String, panels: [String: [Series]], columnOrder: [String], rowOrder: [String],
                           rowLabel: (String) -> String) -> String {
        // Unknown columns in natural order: "experts 8" before "experts 16" (numbers compare as numbers).
        let columns = columnOrder.filter { panels[$0] != nil } + panels.keys.filter { !columnOrder.contains($0) }
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        let rows = rowOrder + Set(panels.values.flatMap { $0.map(\.row) }).subtracting(rowOrder).sorted()
        let perLine = min(3, max(1, columns.count))
        let pw = 300.0, ph = 210.0, left = 52.0, top = 56.0, gap = 44.0
        let lines = (columns.count + perLine - 1) / perLine
        let width = max(640, left + Double(perLine) * (pw + gap) + 10)
        let perLegendLine = max(1, Int((width - left) / 200))
        let legendH = 22.0 * Double((rows.count + perLegendLine - 1) / perLegendLine)
        let height = top + Double(lines) * (ph + 46) + legendH + 10
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, line) in ReportChart.wrap(title, maxChars: Int(width / 7.5)).prefix(2).enumerated() {
            s += "<text x=\"\(width / 2)\" y=\"\(18 + 16 * Double(i))\" text-anchor=\"middle\" font-size=\"13\">\(ReportChart.esc(line))</text>\n"
        }
        s += "<text x=\"\(width / 2)\" y=\"\(top - 10)\" text-anchor=\"middle\" fill=\"#555\">\(ReportChart.esc(metric)) by step: seeds faint, mean solid, band = min–max over seeds</text>\n"
        for (c, column) in columns.enumerated() {
            let series = panels[column] ?? []
            let x0 = left + Double(c % perLine) * (pw + gap), y0 = top + Double(c / perLine) * (ph + 46) + 10
            let steps = series.flatMap { $0.points.map(\.step) }, values = series.flatMap { $0.points.map(\.value) }
            guard let minStep = steps.min(), let maxStep = steps.max(), let lo = values.min(), let hi = values.max() else { continue }
            let xTicks = ReportChart.niceTicks(lo: Double(minStep), hi: Double(maxStep), target: 4, minimumStep: 1)   // whole steps
            let yTicks = ReportChart.niceTicks(lo: lo, hi: hi, target: 4)
            let (xLo, xHi, yLo, yHi) = (xTicks.first!, xTicks.last!, yTicks.first!, yTicks.last!)
            func px(_ step: Double) -> Double { x0 + pw * (step - xLo) / max(xHi - xLo, 1e-12) }
            func py(_ v: Double) -> Double { y0 + ph * (1 - (v - yLo) / max(yHi - yLo, 1e-12)) }
            s += "<rect x=\"\(x0)\" y=\"\(y0)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#bbb\"/>\n"
            for v in yTicks {
                s += "<line x1=\"\(x0)\" x2=\"\(x0 + pw)\" y1=\"\(py(v))\" y2=\"\(py(v))\" stroke=\"#eee\"/>"
                s += "<text x=\"\(x0 - 4)\" y=\"\(py(v) + 4)\" text-anchor=\"end\">\(ReportChart.tickLabel(v, yTicks))</text>\n"
            }
            for v in xTicks {
                s += "<text x=\"\(px(v))\" y=\"\(y0 + ph + 14)\" text-anchor=\"middle\">\(ReportChart.tickLabel(v, xTicks))</text>\n"
            }
            s += "<text x=\"\(x0 + pw / 2)\" y=\"\(y0 + ph + 28)\" text-anchor=\"middle\" fill=\"#555\">step</text>\n"
            if !column.isEmpty {
                s += "<text x=\"\(x0 + pw / 2)\" y=\"\(y0 - 4)\" text-anchor=\"middle\" font-weight=\"bold\">\(ReportChart.esc(column))</text>\n"
            }
            for (r, row) in rows.enumerated() {
                let mine = series.filter { $0.row == row }
                guard !mine.isEmpty else { continue }
                let colour = palette[r % palette.count]
                for one in mine {   // every seed, faint
                    s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-opacity=\"0.3\" stroke-width=\"1\" points=\"\(one.points.map { "\(fmt(px(Double($0.step)))),\(fmt(py($0.value)))" }.joined(separator: " "))\"/>\n"
                }
                // Mean and band at the steps every seed logged (seeds of one row share their logging steps).
                let common = mine.dropFirst().reduce(Set(mine[0].points.map(\.step))) { $0.intersection($1.points.map(\.step)) }.sorted()
                guard common.count >= 2 else { continue }
                let at = common.map { step in mine.map { one in one.points.last { $0.step == step }!.value } }
                let upper = zip(common, at).map { "\(fmt(px(Double($0))))," + fmt(py($1.max()!)) }
                let lower = zip(common, at).reversed().map { "\(fmt(px(Double($0))))," + fmt(py($1.min()!)) }
                if mine.count > 1 {
                    s += "<polygon fill=\"\(colour)\" fill-opacity=\"0.15\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
                }
                let mean = zip(common, at).map { "\(fmt(px(Double($0))))," + fmt(py($1.reduce(0, +) / Double($1.count))) }
                s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(mean.joined(separator: " "))\"/>\n"
            }
        }
        let ly = top + Double(lines) * (ph + 46) + 8
        for (r, row) in rows.enumerated() {
            let x = left + Double(r % perLegendLine) * 200, y = ly + 22 * Double(r / perLegendLine)
            s += "<rect x=\"\(x)\" y=\"\(y)\" width=\"14\" height=\"4\" fill=\"\(palette[r % palette.count])\"/>"
            s += "<text x=\"\(x + 20)\" y=\"\(y + 6)\">\(ReportChart.esc(String(rowLabel(row).prefix(30))))</text>\n"
        }
        return s + "</svg>\n"
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}
