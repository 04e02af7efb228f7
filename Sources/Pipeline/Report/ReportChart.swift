import Foundation

/// A grouped bar chart of a `ReportTable` as standalone SVG (Figures 3 and 4): one group per column
/// (e.g. expert count), one bar per row (method) with its mean and a ±1 std whisker, missing cells omitted.
public enum ReportChart {
    static let palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860"]

    public static func svg(_ t: ReportTable) -> String {
        let width = 640.0, height = 400.0, left = 60.0, right = 20.0, top = 50.0, bottom = 70.0
        let plotW = width - left - right, plotH = height - top - bottom
        let cells = t.rows.flatMap { $0.cells.compactMap { $0 } }.filter { !$0.values.isEmpty }
        let maxY = max(1, (cells.map { $0.mean + $0.std }.max() ?? 1) * 1.15)
        let groups = Double(max(t.columns.count, 1)), bars = Double(max(t.rows.count, 1))
        let groupW = plotW / groups, barW = groupW * 0.8 / bars
        func y(_ v: Double) -> Double { top + plotH * (1 - v / maxY) }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(esc(t.title))</text>\n"
        s += "<text x=\"\(width / 2)\" y=\"38\" text-anchor=\"middle\" fill=\"#555\">profile \(esc(t.profile)); mean ± std over seeds</text>\n"
        for i in 0...4 {   // y grid and labels
            let v = maxY * Double(i) / 4
            s += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(v))\" y2=\"\(y(v))\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(String(format: "%.1f", v))</text>\n"
        }
        for (c, column) in t.columns.enumerated() {
            let gx = left + groupW * Double(c) + groupW * 0.1
            for (r, row) in t.rows.enumerated() {
                guard let cell = row.cells[c], !cell.values.isEmpty else { continue }
                let x = gx + barW * Double(r)
                s += "<rect x=\"\(x)\" y=\"\(y(cell.mean))\" width=\"\(barW * 0.9)\" height=\"\(y(0) - y(cell.mean))\" fill=\"\(palette[r % palette.count])\"/>\n"
                let cx = x + barW * 0.45
                s += "<line x1=\"\(cx)\" x2=\"\(cx)\" y1=\"\(y(cell.mean + cell.std))\" y2=\"\(y(max(0, cell.mean - cell.std)))\" stroke=\"black\"/>\n"
            }
            s += "<text x=\"\(left + groupW * (Double(c) + 0.5))\" y=\"\(top + plotH + 18)\" text-anchor=\"middle\">\(esc(column.name))</text>\n"
        }
        s += "<text x=\"16\" y=\"\(top + plotH / 2)\" transform=\"rotate(-90 16 \(top + plotH / 2))\" text-anchor=\"middle\">\(esc(t.columns.first?.metric ?? ""))</text>\n"
        for (r, row) in t.rows.enumerated() {   // legend
            let lx = left + Double(r) * (plotW / bars)
            s += "<rect x=\"\(lx)\" y=\"\(height - 28)\" width=\"12\" height=\"12\" fill=\"\(palette[r % palette.count])\"/>\n"
            s += "<text x=\"\(lx + 16)\" y=\"\(height - 18)\">\(esc(row.label))</text>\n"
        }
        return s + "</svg>\n"
    }
}
