import Pipeline
import Foundation

/// A figure of a `ReportTable` as standalone SVG (Figures 3 and 4): one group per column (expert count,
/// dataset), one position per row (method) showing every seed as a dot, the mean as a bar-shaped tick and its
/// 95 % t-interval as a whisker (none for one seed). The y axis spans the data with round tick values, not 0 to
/// the top, so differences of a few tenths stay visible; axes have titles and labels are human names.
public enum ReportChart {
    static let palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860"]

    public static func svg(_ t: ReportTable) -> String {
        let width = 720.0, left = 76.0, right = 20.0
        let titleLines = wrap(t.title, maxChars: 84)
        let top = 30.0 + 18 * Double(titleLines.count) + 16
        let plotH = 280.0, bottom = 92.0
        let height = top + plotH + bottom
        let plotW = width - left - right
        // Everything drawn: each seed value and each interval end.
        var drawn: [Double] = []
        for row in t.rows {
            for cell in row.cells.compactMap({ $0 }) where !cell.values.isEmpty {
                drawn += cell.values
                if let (lo, hi) = interval(cell) { drawn += [lo, hi] }
            }
        }
        let ticks = niceTicks(lo: drawn.min() ?? 0, hi: drawn.max() ?? 1)
        let yMin = ticks.first!, yMax = ticks.last!
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - yMin) / (yMax - yMin)) }
        let groups = Double(max(t.columns.count, 1)), slots = Double(max(t.rows.count, 1))
        let groupW = plotW / groups, slotW = groupW * 0.8 / slots

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, line) in titleLines.enumerated() {
            s += "<text x=\"\(width / 2)\" y=\"\(24 + 18 * Double(i))\" text-anchor=\"middle\" font-size=\"14\">\(esc(line))</text>\n"
        }
        s += "<text x=\"\(width / 2)\" y=\"\(top - 12)\" text-anchor=\"middle\" fill=\"#555\">profile \(esc(t.profile)): dots = seeds, bar = mean, whisker = 95 % t-interval of the mean</text>\n"
        for v in ticks {   // y grid and labels
            s += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(f(y(v)))\" y2=\"\(f(y(v)))\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(left - 6)\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(tickLabel(v, ticks))</text>\n"
        }
        s += "<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(top + plotH)\" stroke=\"#888\"/>\n"
        for (c, column) in t.columns.enumerated() {
            let gx = left + groupW * Double(c) + groupW * 0.1
            for (r, row) in t.rows.enumerated() {
                guard let cell = row.cells[c], !cell.values.isEmpty else { continue }
                let cx = gx + slotW * (Double(r) + 0.5), color = palette[r % palette.count]
                if let (lo, hi) = interval(cell) {
                    s += "<line x1=\"\(f(cx))\" x2=\"\(f(cx))\" y1=\"\(f(y(hi)))\" y2=\"\(f(y(lo)))\" stroke=\"black\"/>\n"
                    for v in [lo, hi] { s += "<line x1=\"\(f(cx - 5))\" x2=\"\(f(cx + 5))\" y1=\"\(f(y(v)))\" y2=\"\(f(y(v)))\" stroke=\"black\"/>\n" }
                }
                let barW = min(slotW * 0.7, 36)
                s += "<rect x=\"\(f(cx - barW / 2))\" y=\"\(f(y(cell.mean) - 2))\" width=\"\(f(barW))\" height=\"4\" fill=\"\(color)\"/>\n"
                for (k, v) in cell.values.enumerated() {   // seeds, spread sideways so equal values stay visible
                    let dx = (Double(k) - Double(cell.values.count - 1) / 2) * min(6, slotW * 0.5 / Double(max(cell.values.count, 1)))
                    s += "<circle cx=\"\(f(cx + dx))\" cy=\"\(f(y(v)))\" r=\"3\" fill=\"\(color)\" fill-opacity=\"0.6\" stroke=\"\(color)\"/>\n"
                }
            }
            s += "<text x=\"\(f(left + groupW * (Double(c) + 0.5)))\" y=\"\(top + plotH + 18)\" text-anchor=\"middle\">\(esc(columnLabel(column, t)))</text>\n"
        }
        s += "<text x=\"\(left + plotW / 2)\" y=\"\(top + plotH + 40)\" text-anchor=\"middle\" font-weight=\"bold\">\(esc(xTitle(t)))</text>\n"
        let yTitle = esc(self.yTitle(t))
        s += "<text x=\"18\" y=\"\(top + plotH / 2)\" transform=\"rotate(-90 18 \(top + plotH / 2))\" text-anchor=\"middle\" font-weight=\"bold\">\(yTitle)</text>\n"
        for (r, row) in t.rows.enumerated() {   // legend
            let lx = left + Double(r) * (plotW / slots)
            s += "<rect x=\"\(f(lx))\" y=\"\(height - 28)\" width=\"12\" height=\"12\" fill=\"\(palette[r % palette.count])\"/>\n"
            s += "<text x=\"\(f(lx + 16))\" y=\"\(height - 18)\">\(esc(row.label))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// The 95 % t-interval of a cell's mean; nil for one seed.
    static func interval(_ c: ReportTable.Cell) -> (Double, Double)? {
        let test = Stats.pairedTest(c.values)
        guard let lo = test.ciLow, let hi = test.ciHigh else { return nil }
        return (lo, hi)
    }

    /// Round tick values (1, 2, 2.5 or 5 × 10^k apart, about `target` of them, never closer than `minimumStep`:
    /// 1 for training steps) covering [lo, hi].
    public static func niceTicks(lo: Double, hi: Double, target: Int = 5, minimumStep: Double = 0) -> [Double] {
        var lo = lo, hi = hi
        if hi - lo < 1e-9 { lo -= max(abs(lo) * 0.05, 0.5); hi += max(abs(hi) * 0.05, 0.5) }
        let raw = max((hi - lo) / Double(target), minimumStep)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(lo / step) * step, last = ceil(hi / step) * step
        let count = Int(((last - first) / step).rounded())
        return (0...count).map { first + Double($0) * step }
    }

    /// A tick value with as many decimals as the step needs (0.25 → 2, 2.5 → 1, 5 → 0).
    public static func tickLabel(_ v: Double, _ ticks: [Double]) -> String {
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = (0...6).first { d in let x = step * pow(10, Double(d)); return abs(x - x.rounded()) < 1e-6 } ?? 6
        let text = String(format: "%.\(decimals)f", v)
        return Double(text) == 0 ? String(format: "%.\(decimals)f", 0.0) : text
    }

    static let metricNames = ["rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "em": "exact match (EM)", "f1": "F1",
                              "accuracy": "accuracy", "matthews": "Matthews correlation", "pearson": "Pearson r", "spearman": "Spearman ρ",
                              "perplexity": "perplexity", "train_samples_per_second": "training samples/s",
                              "eval_samples_per_second": "evaluation samples/s"]
    static let taskNames = ["xsum": "XSum stand-in", "cnndm": "CNN/DM stand-in", "squad": "SQuAD stand-in (cloze QA)",
                            "wikitext2": "WikiText-2 stand-in", "sst2": "SST-2 stand-in", "stsb": "STS-B stand-in", "cola": "CoLA stand-in"]

    /// "XSum stand-in" for `xsum_test.rouge2`, "8" for an expert count, the task name for a task column.
    static func columnLabel(_ c: ReportTable.Column, _ t: ReportTable) -> String {
        if t.columnAxis == nil, let task = c.paperTask, let name = taskNames[task] {
            let metrics = Set(t.columns.map(\.metric))
            return metrics.count == 1 ? name : "\(name) \(metricNames[c.metric] ?? c.metric)"
        }
        return c.name
    }

    static func xTitle(_ t: ReportTable) -> String {
        switch t.columnAxis {
        case nil: return "dataset"
        case "experts"?: return "number of experts (N)"
        case let axis?: return axis
        }
    }

    static func yTitle(_ t: ReportTable) -> String {
        let metrics = t.columns.map(\.metric).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let scaled = metrics.contains { !$0.contains("per_second") && $0 != "perplexity" }
        return metrics.map { metricNames[$0] ?? $0 }.joined(separator: " / ") + (scaled ? " (×100)" : "")
    }

    /// Splits a title into lines of at most `maxChars` characters at spaces.
    public static func wrap(_ text: String, maxChars: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > maxChars { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.isEmpty ? [""] : lines
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
