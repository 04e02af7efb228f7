import Foundation
import Stages

/// Markdown (the paper's layout), CSV (one row per cell) and JSON renderings of a `ReportTable`.
public enum ReportRenderer {
    public static func markdown(_ t: ReportTable) -> String {
        var out = "## \(t.title)\n\n"
        out += "_Spec `\(t.spec)`, \(t.cellsDone) of \(t.cellsTotal) runs done._\n\n"
        let header = ["method"] + t.columns.map { $0.name.hasSuffix($0.metric) ? $0.name : "\($0.name) (\($0.metric))" }
        out += "| " + header.joined(separator: " | ") + " |\n"
        out += "|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        // Bold the best mean per column.
        let best = t.columns.indices.map { i -> Double? in
            let means = t.rows.compactMap { $0.cells[i] }.filter { !$0.values.isEmpty }.map(\.mean)
            return t.columns[i].higherIsBetter ? means.max() : means.min()
        }
        for row in t.rows {
            let cells = row.cells.enumerated().map { i, cell -> String in
                guard let cell else { return t.columns[i].unavailable == nil ? "—" : "not yet runnable" }
                if cell.values.isEmpty { return "missing (\(cell.missing))" }
                var s = String(format: "%.2f ± %.2f (%d)", cell.mean, cell.std, cell.values.count)
                if cell.missing > 0 { s += " +\(cell.missing) missing" }
                return cell.mean == best[i] && t.rows.count > 1 ? "**\(s)**" : s
            }
            out += "| " + ([row.label] + cells).joined(separator: " | ") + " |\n"
        }
        for p in t.paperRows {
            out += "| _\(p.label)_ | " + p.values.map { $0.map { String(format: $0 < 10 ? "_%.3f_" : "_%.2f_", $0) } ?? "" }.joined(separator: " | ") + " |\n"
        }
        out += "\n" + t.caption.map { "- \($0)" }.joined(separator: "\n") + "\n"
        let extras = Set(t.rows.flatMap { $0.extra.keys }).sorted()
            .filter { !$0.hasSuffix("examples") && !$0.contains("per_second") && !$0.hasSuffix("eval_loss")
                && !$0.contains(RoutingMetrics.loadPrefix) && !$0.contains(RoutingMetrics.entropyPrefix) }   // drawn, not listed
        if !extras.isEmpty {
            out += "\nOther metrics (mean over seeds): "
            out += t.rows.map { row in
                "\(row.label): " + extras.compactMap { k in row.extra[k].map { String(format: "%@ %.2f", k, $0.mean) } }.joined(separator: ", ")
            }.joined(separator: "; ") + "\n"
        }
        if !t.claims.isEmpty {
            out += "\n**The paper's claims, checked here:**\n\n"
            for c in t.claims { out += "- \(c.text): **\(c.verdict.rawValue)** — \(c.detail)\n" }
        }
        return out
    }

    public static func csv(_ t: ReportTable) -> String {
        var out = "spec,profile,row,column,metric,n,mean,std,missing,values\n"
        for row in t.rows {
            for (i, cell) in row.cells.enumerated() {
                guard let cell else { continue }
                let values = cell.values.map { String(format: "%.4f", $0) }.joined(separator: ";")
                out += "\(t.spec),\(t.profile),\(row.key),\(t.columns[i].name),\(t.columns[i].metric),\(cell.values.count),"
                out += String(format: "%.4f,%.4f,", cell.mean, cell.std) + "\(cell.missing),\(values)\n"
            }
        }
        return out
    }

    public static func json(_ t: ReportTable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(t), as: UTF8.self)
    }
}
