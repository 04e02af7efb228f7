import Pipeline
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
        let best = t.columns.indices.map { bestRow(t, column: $0) }
        for (r, row) in t.rows.enumerated() {
            let cells = row.cells.enumerated().map { i, cell -> String in
                guard let cell else { return t.columns[i].unavailable == nil ? "—" : "not yet runnable" }
                if cell.values.isEmpty { return "missing (\(cell.missing))" }
                var s = cell.values.count == 1 ? String(format: "%.2f (n = 1)", cell.mean)
                    : t.summary == .median
                    ? String(format: "%.2f [%.2f–%.2f] (%d)", cell.median, cell.values.min()!, cell.values.max()!, cell.values.count)
                    : String(format: "%.2f ± %.2f (%d)", cell.mean, cell.std, cell.values.count)
                if cell.missing > 0 { s += " +\(cell.missing) missing" }
                return best[i] == r ? "**\(s)**" : s
            }
            out += "| " + ([row.label] + cells).joined(separator: " | ") + " |\n"
        }
        for p in t.paperRows {
            out += "| _\(p.label)_ | " + p.values.enumerated().map { i, v in
                guard let v else { return "" }
                let f = v < 10 ? "%.3f" : "%.2f"
                guard let r = p.spread?[i], r.count == 2 else { return String(format: "_\(f)_", v) }
                return String(format: "_\(f) [\(f)–\(f)]_", v, r[0], r[1])
            }.joined(separator: " | ") + " |\n"
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
            out += "\n_How to read a claim: the difference is per seed, in the claim's direction (positive = as the paper says), "
            out += "then averaged; the 95 % interval and p are the paired t-test's over seeds; Holm p corrects for the table's claims; "
            out += "reproduced / contradicted = Holm p < 0.05 on the claim's / the other side (of −margin for \"at least as good\"); "
            out += "MDE = the smallest true difference these seeds would detect 4 times in 5; compare it with the paper's effect._\n"
        }
        return out
    }

    /// The row to bold in column i: the best mean (median), when its paired difference from the runner-up (over their
    /// common seeds) has p < 0.05; nil otherwise (a tie within the noise is not a winner).
    static func bestRow(_ t: ReportTable, column i: Int) -> Int? {
        let ranked = t.rows.indices.compactMap { r -> (Int, ReportTable.Cell)? in
            guard let c = t.rows[r].cells[i], !c.values.isEmpty else { return nil }
            return (r, c)
        }.sorted { a, b in
            let (x, y) = t.summary == .median ? (a.1.median, b.1.median) : (a.1.mean, b.1.mean)
            return t.columns[i].higherIsBetter ? x > y : x < y
        }
        guard ranked.count >= 2 else { return nil }
        let (best, runnerUp) = (ranked[0].1, ranked[1].1)
        let seeds = ReportClaims.common([best, runnerUp])
        let p = Stats.pairedTest(seeds.map { best.value(seed: $0)! - runnerUp.value(seed: $0)! }).p
        return (p ?? 1) < 0.05 ? ranked[0].0 : nil
    }

    public static func csv(_ t: ReportTable) -> String {
        // One line per cell; `per_seed` is seed=value pairs (seed 0 of one row pairs with seed 0 of another).
        var out = "spec,profile,row,column,metric,n,mean,std,missing,per_seed\n"
        for row in t.rows {
            for (i, cell) in row.cells.enumerated() {
                guard let cell else { continue }
                let values = zip(cell.seeds, cell.values).map { "\($0)=" + String(format: "%.4f", $1) }.joined(separator: ";")
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
