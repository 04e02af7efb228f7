import Pipeline
import Foundation
import Stages

/// Routing pictures: for each method (row of the table), the share of the test split's tokens each MoE layer
/// sent to each expert — one layer × expert heatmap, averaged over seeds and columns with the same expert count
/// — with each layer's routing entropy (1 = even). Shows whether routing is balanced and whether it differs
/// between MoE, MoE-Share and HyperMoE, the very thing the paper's method conditions on.
public enum RoutingHeatmap {
    public struct Map: Sendable {
        public var row: String
        /// load[layer][expert], mean over the cells that recorded it.
        public var load: [[Double]]
        public var entropy: [Double]
        public var cells: Int
    }

    /// Maps from the final metrics of `stage` in each cell, grouped by (row value, expert count).
    public static func maps(_ cells: [CellResult], rowsAxis: String, stage: String) -> [Map] {
        var sums: [String: (row: String, load: [[Double]], entropy: [Double], n: Int)] = [:]
        var order: [String] = []
        for cell in cells {
            guard let metrics = cell.stages[stage]?.metrics, cell.stages[stage]?.status == .done else { continue }
            var load: [Int: [Int: Double]] = [:]
            for (name, value) in metrics { if let (l, e) = RoutingMetrics.parseLoad(name) { load[l, default: [:]][e] = value } }
            guard let layers = load.keys.max(), let experts = load.values.flatMap(\.keys).max() else { continue }
            let matrix = (0...layers).map { l in (0...experts).map { e in load[l]?[e] ?? 0 } }
            let entropy = (0...layers).map { metrics["\(RoutingMetrics.entropyPrefix)layer\($0)"] ?? .nan }
            let row = cell.axes[rowsAxis].map { $0.stringValue ?? $0.canonical } ?? "all"
            let key = "\(row)|\(experts + 1)|\(layers + 1)"
            if sums[key] == nil { order.append(key); sums[key] = (row, matrix.map { $0.map { _ in 0 } }, entropy.map { _ in 0 }, 0) }
            sums[key]!.load = zip(sums[key]!.load, matrix).map { zip($0, $1).map(+) }
            sums[key]!.entropy = zip(sums[key]!.entropy, entropy).map(+)
            sums[key]!.n += 1
        }
        return order.map { key in
            let s = sums[key]!, n = Double(s.n)
            return Map(row: s.row, load: s.load.map { $0.map { $0 / n } }, entropy: s.entropy.map { $0 / n }, cells: s.n)
        }
    }

    public static func svg(title: String, maps: [Map], rowOrder: [String], rowLabel: (String) -> String) -> String {
        let ordered = maps.sorted { a, b in
            let ia = rowOrder.firstIndex(of: a.row) ?? Int.max, ib = rowOrder.firstIndex(of: b.row) ?? Int.max
            return (ia, a.load.first?.count ?? 0) < (ib, b.load.first?.count ?? 0)
        }
        let cell = 22.0, left = 64.0, top = 84.0, gap = 40.0
        let maxExperts = Double(ordered.map { $0.load.first?.count ?? 0 }.max() ?? 1)
        let panelW = min(max(maxExperts * cell, 180), 32 * 14)
        let perLine = max(1, min(3, ordered.count))
        let width = left + Double(perLine) * (panelW + gap + 70)
        var y = top, s = ""
        var lineHeight = 0.0, bottom = 0.0
        for (i, map) in ordered.enumerated() {
            let experts = map.load.first?.count ?? 0, layers = map.load.count
            let w = panelW / Double(max(experts, 1)), h = min(cell, 160 / Double(max(layers, 1)) + 6)
            let x0 = left + Double(i % perLine) * (panelW + gap + 70)
            if i > 0 && i % perLine == 0 { y += lineHeight; lineHeight = 0 }
            let peak = max(map.load.flatMap { $0 }.max() ?? 1, 1e-9)
            // The method's label wraps onto two lines over the panel (it was cut at one line's width).
            let label = ReportChart.wrap(rowLabel(map.row), maxChars: Int((panelW + 60) / 6.5))
            for (k, line) in label.prefix(2).enumerated() {
                let text = k == 1 && label.count > 2 ? line + " …" : line
                s += "<text x=\"\(x0)\" y=\"\(y - 22 - 14 * Double(min(label.count, 2) - 1 - k))\" font-weight=\"bold\">\(ReportChart.esc(text))</text>\n"
            }
            s += "<text x=\"\(x0)\" y=\"\(y - 8)\" fill=\"#555\">\(experts) experts, \(map.cells) run(s); darkest = \(String(format: "%.0f", 100 * peak)) % of tokens</text>\n"
            for (l, row) in map.load.enumerated() {
                for (e, v) in row.enumerated() {
                    let shade = v / peak
                    let colour = String(format: "rgb(%d,%d,%d)", Int(255 - 205 * shade), Int(255 - 160 * shade), Int(255 - 75 * shade))
                    s += "<rect x=\"\(x0 + Double(e) * w)\" y=\"\(y + Double(l) * h)\" width=\"\(w)\" height=\"\(h)\" fill=\"\(colour)\" stroke=\"white\"><title>layer \(l), expert \(e): \(String(format: "%.1f", 100 * v)) %</title></rect>"
                }
                s += "<text x=\"\(x0 - 4)\" y=\"\(y + Double(l) * h + h / 2 + 4)\" text-anchor=\"end\">MoE \(l)</text>"
                let ent = map.entropy.indices.contains(l) ? map.entropy[l] : .nan
                s += "<text x=\"\(x0 + panelW + 4)\" y=\"\(y + Double(l) * h + h / 2 + 4)\">\(ent.isFinite ? String(format: "H %.2f", ent) : "")</text>\n"
            }
            for e in stride(from: 0, to: experts, by: max(1, experts / 8)) {
                s += "<text x=\"\(x0 + (Double(e) + 0.5) * w)\" y=\"\(y + Double(layers) * h + 13)\" text-anchor=\"middle\" font-size=\"10\">\(e)</text>"
            }
            s += "<text x=\"\(x0 + panelW / 2)\" y=\"\(y + Double(layers) * h + 27)\" text-anchor=\"middle\" fill=\"#555\">expert</text>\n"
            lineHeight = max(lineHeight, Double(layers) * h + 94)   // the next line's two-line titles fit above it
            bottom = max(bottom, y + Double(layers) * h + 34)
        }
        let height = bottom + 8
        var head = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        head += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, line) in ReportChart.wrap(title, maxChars: Int(width / 7.5)).prefix(2).enumerated() {
            head += "<text x=\"\(width / 2)\" y=\"\(18 + 16 * Double(i))\" text-anchor=\"middle\" font-size=\"13\">\(ReportChart.esc(line))</text>\n"
        }
        return head + s + "</svg>\n"
    }
}
