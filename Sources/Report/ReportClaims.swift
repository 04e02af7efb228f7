import Pipeline
import Foundation

/// Tests a spec's claims on a built table. Every kind reduces to one difference per seed in the claim's
/// direction (seed s of one row against seed s of the other — the seeds share split and data order, so they
/// pair); derived quantities (the mean over columns, a change along the columns, a gap's growth) are formed per
/// seed first. The paired t-test of those differences gives a mean, 95 % t-interval and p; Holm's correction over
/// the claims a table tests gives the adjusted p that decides: *reproduced* when it is below 0.05 and the mean is
/// on the claim's side, *contradicted* when below 0.05 on the other side, *inconclusive* otherwise (always with
/// one seed). A claim with a `margin` ("at least as good") is tested against −margin instead of 0.
public enum ReportClaims {
    static let alpha = 0.05

    /// The claims of `layout` on `t`, tested but not yet decided (`decide` does that over a table or several).
    static func evaluate(_ claims: [ReportLayout.Claim], in t: ReportTable, paper: PaperNumbers, paperTable: String) -> [ReportTable.ClaimResult] {
        // A claim on a column this table does not have belongs to another profile (the paper profile's SuperGLUE
        // average): left out, not reported as untestable.
        claims.filter { c in c.column.map { name in t.columns.contains { $0.name == name } } ?? true }.flatMap { claim -> [ReportTable.ClaimResult] in
            switch claim.kind ?? .beats {
            case .beats:
                return [result(claim.text, beats(claim, t, paper, paperTable), margin: claim.margin)]
            case .gapGrows:
                return [result(claim.text, gapGrows(claim, t), margin: claim.margin)]
            case .improves:
                // No row named: one test per row ("every method improves" holds only if each does).
                let keys = claim.row.map { [$0] } ?? t.rows.map(\.key)
                return keys.map { key in
                    result(keys.count == 1 ? claim.text : "\(claim.text) — \(label(key, t))", improves(key, t), margin: claim.margin)
                }
            }
        }
    }

    /// Marks claims that read the same runs as an earlier table's claim (tables in the given order), then runs
    /// Holm over each table's remaining tests and sets verdicts and detail lines.
    public static func decide(_ tables: inout [ReportTable]) {
        var owner: [String: (table: Int, claim: Int)] = [:]
        for ti in tables.indices {
            for ci in tables[ti].claims.indices {
                tables[ti].claims[ci].testedIn = nil
                tables[ti].claims[ci].alsoIn = []
            }
        }
        for ti in tables.indices {
            for ci in tables[ti].claims.indices where tables[ti].claims[ci].test != nil && !tables[ti].claims[ci].runs.isEmpty {
                let id = tables[ti].claims[ci].runs
                if let o = owner[id] {
                    tables[ti].claims[ci].testedIn = "\(tables[o.table].spec): \(tables[o.table].claims[o.claim].text)"
                    tables[o.table].claims[o.claim].alsoIn.append("\(tables[ti].spec): \(tables[ti].claims[ci].text)")
                } else {
                    owner[id] = (ti, ci)
                }
            }
        }
        for ti in tables.indices {
            let family = tables[ti].claims.indices.filter { tables[ti].claims[$0].testedIn == nil && tables[ti].claims[$0].test?.p != nil }
            let adjusted = Stats.holm(family.map { tables[ti].claims[$0].test!.p! })
            for ci in tables[ti].claims.indices { tables[ti].claims[ci].pHolm = nil }
            for (k, ci) in family.enumerated() { tables[ti].claims[ci].pHolm = adjusted[k] }
            for ci in tables[ti].claims.indices where tables[ti].claims[ci].testedIn == nil {
                finish(&tables[ti].claims[ci], familySize: family.count)
            }
        }
        // Deferred claims carry their owner's verdict and numbers.
        for ti in tables.indices {
            for ci in tables[ti].claims.indices {
                guard tables[ti].claims[ci].testedIn != nil, let o = owner[tables[ti].claims[ci].runs] else { continue }
                let source = tables[o.table].claims[o.claim]
                tables[ti].claims[ci].verdict = source.verdict
                tables[ti].claims[ci].pHolm = source.pHolm
                tables[ti].claims[ci].detail = "the same runs as \(tables[ti].claims[ci].testedIn!) — tested there once, not counted again here: "
                    + source.detail.replacingOccurrences(of: #"; also read by .*$"#, with: "", options: .regularExpression)
            }
        }
    }

    // MARK: evidence per kind

    struct Evidence {
        /// Per seed, the difference in the claim's direction.
        var perSeed: [String: Double]
        /// "HyperMoE 63.69 vs MoE 64.14 (average)".
        var means: [String]
        var what: String
        var paperEffect: Double?
        var runs: String
        var rows: [String] = []
        var columns: [String] = []
        var terms: [Bootstrap.Term] = []
    }
    struct Failure: Error { var why: String }

    static func result(_ text: String, _ judged: Result<Evidence, Failure>, margin: Double?) -> ReportTable.ClaimResult {
        switch judged {
        case .failure(let f):
            return .init(text: text, verdict: .inconclusive, detail: f.why, margin: margin)
        case .success(let e):
            let seeds = ReportTable.seedOrder(Array(e.perSeed.keys))
            let test = Stats.pairedTest(seeds.map { e.perSeed[$0]! }, null: -(margin ?? 0))
            let mde = test.sd.flatMap { Stats.minimumDetectableEffect(sd: $0, n: test.n) }
            return .init(text: text, verdict: .inconclusive, detail: e.what, compared: e.what, perSeed: e.perSeed, test: test,
                         margin: margin, mde: mde, paperEffect: e.paperEffect, means: e.means, rowsRead: e.rows, columnsRead: e.columns,
                         terms: e.terms, runs: e.runs)
        }
    }

    /// Sets the verdict and the detail line from the test and the Holm-adjusted p.
    static func finish(_ c: inout ReportTable.ClaimResult, familySize: Int) {
        guard let test = c.test else { return }   // a failure: detail already says why
        let threshold = -(c.margin ?? 0)
        var parts = [String(format: "%@: difference %+.2f", c.compared, test.mean)]
        if let lo = test.ciLow, let hi = test.ciHigh { parts.append(String(format: "95%% CI [%+.2f, %+.2f]", lo, hi)) }
        if let p = test.p {
            let against = c.margin.map { String(format: " against −%.2f (non-inferiority margin)", $0) } ?? ""
            parts.append("p \(fmtP(p))\(against), Holm p \(fmtP(c.pHolm ?? p)) (\(familySize) \(familySize == 1 ? "test" : "tests") in this table)")
        }
        parts.append(test.n < 2 ? "n = 1 (no test)" : "n = \(test.n)")
        parts.append(c.mde.map { String(format: "MDE %.2f at 80%% power", $0) } ?? "MDE n/a")
        parts.append(c.paperEffect.map { String(format: "paper's effect %+.2f", $0) } ?? "paper's effect n/a")
        if let b = c.bootstrap, b.count == 2 { parts.append(String(format: "bootstrap 95%% [%+.2f, %+.2f] (seeds, then test examples)", b[0], b[1])) }
        if let means = c.means, !means.isEmpty { parts.append("means " + means.joined(separator: " vs ")) }
        if test.n >= 2, let q = c.pHolm ?? test.p, q < alpha {
            c.verdict = test.mean > threshold ? .reproduced : .contradicted
        } else {
            c.verdict = .inconclusive
        }
        c.detail = parts.joined(separator: ", ")
        if !c.alsoIn.isEmpty { c.detail += "; also read by " + c.alsoIn.joined(separator: "; ") }
    }

    static func fmtP(_ p: Double) -> String { p < 0.001 ? "< 0.001" : String(format: "= %.3f", p) }

    /// "better > worse" in one column, on the average column, or on the per-seed mean over the task columns.
    static func beats(_ claim: ReportLayout.Claim, _ t: ReportTable, _ paper: PaperNumbers, _ paperTable: String) -> Result<Evidence, Failure> {
        guard let a = row(claim.better, t), let b = row(claim.worse, t) else { return .failure(Failure(why: "rows missing")) }
        var columns: [Int]
        if let name = claim.column {
            columns = t.columns.indices.filter { t.columns[$0].name == name }
        } else if t.columns.contains(where: { $0.averageOf != nil }) {
            // The table's own per-seed average (and the paper's); with several (GLUE and SuperGLUE), their mean.
            columns = t.columns.indices.filter { t.columns[$0].averageOf != nil }
        } else {
            columns = axisColumns(t)
        }
        columns = columns.filter { finished(a, $0) != nil && finished(b, $0) != nil }
        guard !columns.isEmpty else { return .failure(Failure(why: "no finished cells to compare")) }
        let seeds = common(columns.flatMap { [a.cells[$0]!, b.cells[$0]!] })
        guard !seeds.isEmpty else { return .failure(Failure(why: "no seed finished in every compared cell")) }
        var perSeed: [String: Double] = [:]
        for s in seeds {
            perSeed[s] = columns.map { sign(t, $0) * (a.cells[$0]!.value(seed: s)! - b.cells[$0]!.value(seed: s)!) }
                .reduce(0, +) / Double(columns.count)
        }
        func mean(_ r: ReportTable.Row) -> Double {
            seeds.map { s in columns.map { r.cells[$0]!.value(seed: s)! }.reduce(0, +) / Double(columns.count) }.reduce(0, +) / Double(seeds.count)
        }
        let scope = columns.count == 1 ? t.columns[columns[0]].name
            : columns.allSatisfy({ t.columns[$0].averageOf != nil }) ? "mean of " + columns.map { t.columns[$0].name }.joined(separator: " and ")
            : "mean over \(columns.count) columns"
        let lower = columns.allSatisfy { !t.columns[$0].higherIsBetter }
        var what = "\(a.label) − \(b.label) on \(scope)"
        if lower { what = "\(b.label) − \(a.label) on \(scope) (lower is better)" }
        let paperDiffs = columns.map { i -> Double? in
            let table = t.columns[i].paperTable ?? paperTable
            guard let task = t.columns[i].paperTask, let x = paper.value(table: table, method: a.key, task: task),
                  let y = paper.value(table: table, method: b.key, task: task) else { return nil }
            return sign(t, i) * (x - y)
        }
        let paperEffect = paperDiffs.contains(where: { $0 == nil }) ? nil : paperDiffs.map { $0! }.reduce(0, +) / Double(paperDiffs.count)
        // The same difference as cell terms, each average column spelled out as its task columns.
        var termColumns: [Int] = [], terms: [Bootstrap.Term] = []
        for i in columns {
            let members = t.columns[i].averageOf.map { names in names.compactMap { n in t.columns.firstIndex { $0.name == n } } } ?? [i]
            for m in members {
                let w = sign(t, m) / Double(columns.count * members.count)
                terms += [.init(row: a.key, column: t.columns[m].name, weight: w), .init(row: b.key, column: t.columns[m].name, weight: -w)]
            }
            termColumns += members
        }
        let runs = "beats|" + seeds.map { s in columns.map { a.cells[$0]!.run(seed: s)! + ">" + b.cells[$0]!.run(seed: s)! }.joined(separator: ",") }
            .joined(separator: ";")
        return .success(Evidence(perSeed: perSeed, means: [String(format: "%@ %.2f", a.label, mean(a)), String(format: "%@ %.2f", b.label, mean(b))],
                                 what: what, paperEffect: paperEffect, runs: runs, rows: [a.key, b.key],
                                 columns: termColumns.map { t.columns[$0].name }, terms: terms))
    }

    /// A row gets better from the first axis column to the last (Figure 3: from 8 to 32 experts), per seed.
    static func improves(_ key: String, _ t: ReportTable) -> Result<Evidence, Failure> {
        guard let r = row(key, t) else { return .failure(Failure(why: "row missing")) }
        guard let (first, last) = ends(t) else { return .failure(Failure(why: "fewer than two columns to compare")) }
        guard let c0 = finished(r, first), let c1 = finished(r, last) else {
            return .failure(Failure(why: "no finished cells at \(t.columns[first].name) and \(t.columns[last].name)"))
        }
        let seeds = common([c0, c1])
        guard !seeds.isEmpty else { return .failure(Failure(why: "no seed finished at both ends")) }
        var perSeed: [String: Double] = [:]
        for s in seeds { perSeed[s] = sign(t, last) * (c1.value(seed: s)! - c0.value(seed: s)!) }
        func m(_ c: ReportTable.Cell) -> Double { seeds.map { c.value(seed: $0)! }.reduce(0, +) / Double(seeds.count) }
        let runs = "improves|" + seeds.map { c1.run(seed: $0)! + ">" + c0.run(seed: $0)! }.joined(separator: ";")
        return .success(Evidence(perSeed: perSeed,
                                 means: [String(format: "%.2f at %@", m(c0), t.columns[first].name), String(format: "%.2f at %@", m(c1), t.columns[last].name)],
                                 what: "\(r.label): change \(t.columns[first].name) → \(t.columns[last].name)", paperEffect: nil, runs: runs,
                                 rows: [key], columns: [t.columns[first].name, t.columns[last].name],
                                 terms: [.init(row: key, column: t.columns[last].name, weight: sign(t, last)),
                                         .init(row: key, column: t.columns[first].name, weight: -sign(t, first))]))
    }

    /// better − worse is larger at the last axis column than at the first (the gap grows), per seed.
    static func gapGrows(_ claim: ReportLayout.Claim, _ t: ReportTable) -> Result<Evidence, Failure> {
        guard let a = row(claim.better, t), let b = row(claim.worse, t) else { return .failure(Failure(why: "rows missing")) }
        guard let (first, last) = ends(t) else { return .failure(Failure(why: "fewer than two columns to compare")) }
        guard let a0 = finished(a, first), let b0 = finished(b, first), let a1 = finished(a, last), let b1 = finished(b, last) else {
            return .failure(Failure(why: "no finished cells at \(t.columns[first].name) and \(t.columns[last].name)"))
        }
        let seeds = common([a0, b0, a1, b1])
        guard !seeds.isEmpty else { return .failure(Failure(why: "no seed finished in all four cells")) }
        var perSeed: [String: Double] = [:], gap0 = 0.0, gap1 = 0.0
        for s in seeds {
            let g0 = sign(t, first) * (a0.value(seed: s)! - b0.value(seed: s)!), g1 = sign(t, last) * (a1.value(seed: s)! - b1.value(seed: s)!)
            perSeed[s] = g1 - g0
            gap0 += g0 / Double(seeds.count); gap1 += g1 / Double(seeds.count)
        }
        let runs = "gap|" + seeds.map { s in [a1, b1, a0, b0].map { $0.run(seed: s)! }.joined(separator: ">") }.joined(separator: ";")
        return .success(Evidence(perSeed: perSeed,
                                 means: [String(format: "gap %+.2f at %@", gap0, t.columns[first].name), String(format: "%+.2f at %@", gap1, t.columns[last].name)],
                                 what: "growth of the gap \(a.label) − \(b.label) from \(t.columns[first].name) to \(t.columns[last].name)",
                                 paperEffect: nil, runs: runs, rows: [a.key, b.key], columns: [t.columns[first].name, t.columns[last].name],
                                 terms: [.init(row: a.key, column: t.columns[last].name, weight: sign(t, last)),
                                         .init(row: b.key, column: t.columns[last].name, weight: -sign(t, last)),
                                         .init(row: a.key, column: t.columns[first].name, weight: -sign(t, first)),
                                         .init(row: b.key, column: t.columns[first].name, weight: sign(t, first))]))
    }

    // MARK: helpers

    static func row(_ key: String?, _ t: ReportTable) -> ReportTable.Row? { t.rows.first { $0.key == key } }

    static func label(_ key: String, _ t: ReportTable) -> String { row(key, t)?.label ?? key }

    static func finished(_ r: ReportTable.Row, _ i: Int) -> ReportTable.Cell? {
        guard i < r.cells.count, let c = r.cells[i], !c.values.isEmpty else { return nil }
        return c
    }

    /// Seeds finished in every one of `cells`, in seed order.
    static func common(_ cells: [ReportTable.Cell]) -> [String] {
        guard let first = cells.first else { return [] }
        let shared = cells.dropFirst().reduce(Set(first.seeds)) { $0.intersection($1.seeds) }
        return ReportTable.seedOrder(Array(shared))
    }

    static func sign(_ t: ReportTable, _ i: Int) -> Double { t.columns[i].higherIsBetter ? 1 : -1 }

    /// The columns an axis runs over: not the derived averages, not the not-yet-runnable ones.
    static func axisColumns(_ t: ReportTable) -> [Int] {
        t.columns.indices.filter { t.columns[$0].averageOf == nil && t.columns[$0].unavailable == nil }
    }

    static func ends(_ t: ReportTable) -> (Int, Int)? {
        let axis = axisColumns(t)
        guard let first = axis.first, let last = axis.last, first != last else { return nil }
        return (first, last)
    }
}
