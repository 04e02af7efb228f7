import Foundation

/// Checks a spec's claims against a built table. Every kind reduces to one signed difference `d` (positive when
/// the claim holds) and the largest seed std of the cells it reads; the same rule then judges all kinds:
/// *reproduced* when d exceeds that spread, *not reproduced* when −d does, *inconclusive* otherwise, and
/// always inconclusive with one seed (no spread to judge by).
enum ReportClaims {
    static func check(_ claim: ReportLayout.Claim, in t: ReportTable) -> ReportTable.ClaimResult {
        let judged: Result<Evidence, Failure>
        switch claim.kind ?? .beats {
        case .beats: judged = beats(claim, t)
        case .gapGrows: judged = gapGrows(claim, t)
        case .improves:
            // No row named: every row must improve; the weakest row's verdict is the claim's.
            let keys = claim.row.map { [$0] } ?? t.rows.map(\.key)
            var details: [String] = [], verdicts: [ReportTable.ClaimResult.Verdict] = []
            for key in keys {
                switch improves(key, t) {
                case .failure(let f):
                    return .init(text: claim.text, verdict: .inconclusive, detail: "\(label(key, t)): \(f.why)")
                case .success(let e):
                    let v = verdict(e)
                    verdicts.append(v.verdict)
                    details.append(keys.count == 1 ? v.detail : "\(label(key, t)) \(v.detail)")
                }
            }
            let overall: ReportTable.ClaimResult.Verdict = verdicts.contains(.notReproduced) ? .notReproduced
                : (verdicts.allSatisfy { $0 == .reproduced } ? .reproduced : .inconclusive)
            let detail = details.joined(separator: "; ")
            return .init(text: claim.text, verdict: overall, detail: detail)
        }
        switch judged {
        case .success(let evidence):
            let v = verdict(evidence)
            return .init(text: claim.text, verdict: v.verdict, detail: v.detail)
        case .failure(let f):
            return .init(text: claim.text, verdict: .inconclusive, detail: f.why)
        }
    }

    struct Evidence {
        var d: Double
        var spread: Double
        var n: Int
        var what: String
    }
    struct Failure: Error { var why: String }

    static func verdict(_ e: Evidence) -> (verdict: ReportTable.ClaimResult.Verdict, detail: String) {
        let detail = String(format: "%@ %+.2f, largest seed std %.2f, n ≥ %d", e.what, e.d, e.spread, e.n)
        if e.n < 2 { return (.inconclusive, detail + " (one seed: no spread to judge)") }
        if e.d > e.spread { return (.reproduced, detail) }
        if -e.d > e.spread { return (.notReproduced, detail) }
        return (.inconclusive, detail + " (within the seed spread)")
    }

    /// "better > worse": the mean over columns (or the one named column) of the signed cell differences.
    static func beats(_ claim: ReportLayout.Claim, _ t: ReportTable) -> Result<Evidence, Failure> {
        guard let a = row(claim.better, t), let b = row(claim.worse, t) else { return .failure(Failure(why: "rows missing")) }
        var diffs: [Double] = [], spread = 0.0, n = Int.max
        for i in t.columns.indices where claim.column == nil || t.columns[i].name == claim.column {
            guard let ca = finished(a, i), let cb = finished(b, i) else { continue }
            diffs.append(sign(t, i) * (ca.mean - cb.mean))
            spread = max(spread, ca.std, cb.std)
            n = min(n, ca.values.count, cb.values.count)
        }
        guard !diffs.isEmpty else { return .failure(Failure(why: "no finished cells")) }
        return .success(Evidence(d: diffs.reduce(0, +) / Double(diffs.count), spread: spread, n: n, what: "mean difference"))
    }

    /// A row gets better from the first trend column to the last (Figure 3: from 8 to 32 experts).
    static func improves(_ key: String, _ t: ReportTable) -> Result<Evidence, Failure> {
        guard let r = row(key, t) else { return .failure(Failure(why: "row missing")) }
        guard let (first, last) = ends(t) else { return .failure(Failure(why: "fewer than two columns to compare")) }
        guard let c0 = finished(r, first), let c1 = finished(r, last) else {
            return .failure(Failure(why: "no finished cells at \(t.columns[first].name) and \(t.columns[last].name)"))
        }
        return .success(Evidence(d: sign(t, last) * (c1.mean - c0.mean), spread: max(c0.std, c1.std),
                                 n: min(c0.values.count, c1.values.count),
                                 what: "change \(t.columns[first].name) → \(t.columns[last].name)"))
    }

    /// better − worse is larger at the last trend column than at the first (the gap grows with the column axis).
    static func gapGrows(_ claim: ReportLayout.Claim, _ t: ReportTable) -> Result<Evidence, Failure> {
        guard let a = row(claim.better, t), let b = row(claim.worse, t) else { return .failure(Failure(why: "rows missing")) }
        guard let (first, last) = ends(t) else { return .failure(Failure(why: "fewer than two columns to compare")) }
        guard let a0 = finished(a, first), let b0 = finished(b, first), let a1 = finished(a, last), let b1 = finished(b, last) else {
            return .failure(Failure(why: "no finished cells at \(t.columns[first].name) and \(t.columns[last].name)"))
        }
        let gap0 = sign(t, first) * (a0.mean - b0.mean), gap1 = sign(t, last) * (a1.mean - b1.mean)
        return .success(Evidence(d: gap1 - gap0, spread: [a0, b0, a1, b1].map(\.std).max()!,
                                 n: [a0, b0, a1, b1].map(\.values.count).min()!,
                                 what: String(format: "gap %+.2f at %@ → %+.2f at %@, growth", gap0, t.columns[first].name,
                                              gap1, t.columns[last].name)))
    }

    // MARK: helpers

    static func row(_ key: String?, _ t: ReportTable) -> ReportTable.Row? { t.rows.first { $0.key == key } }

    static func label(_ key: String, _ t: ReportTable) -> String { row(key, t)?.label ?? key }

    static func finished(_ r: ReportTable.Row, _ i: Int) -> ReportTable.Cell? {
        guard i < r.cells.count, let c = r.cells[i], !c.values.isEmpty else { return nil }
        return c
    }

    static func sign(_ t: ReportTable, _ i: Int) -> Double { t.columns[i].higherIsBetter ? 1 : -1 }

    /// First and last columns a trend runs over: the axis columns, not the derived "average" or the
    /// not-yet-runnable ones.
    static func ends(_ t: ReportTable) -> (Int, Int)? {
        let axis = t.columns.indices.filter { t.columns[$0].name != "average" && t.columns[$0].unavailable == nil }
        guard let first = axis.first, let last = axis.last, first != last else { return nil }
        return (first, last)
    }
}
