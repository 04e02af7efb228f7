import Pipeline
import Foundation
import Formats

/// `hmpipe power`: per claim, how many seeds a paired t-test needs to detect the paper's effect (and the effect
/// we observed) with the given power at the observed sd of the per-seed differences, and what those seeds cost
/// at the stage durations recorded for the claim's cells.
public struct PowerPlan: Sendable {
    public struct Line: Sendable {
        public var claim: String
        public var n: Int
        public var sd: Double?
        public var observed: Double?
        public var paperEffect: Double?
        public var seedsForPaper: Int?
        public var seedsForObserved: Int?
        /// Stage seconds one more seed costs: the claim's cells' stages that belong to one seed only (shared
        /// preparation is not repeated), averaged over the recorded seeds; nil when nothing was timed.
        public var secondsPerSeed: Double?
        public var note: String?
    }
    public var spec: String
    public var power: Double
    public var alpha: Double
    public var lines: [Line]

    /// `durations`: stage key → seconds it ran (done stages with both timestamps).
    public static func plan(_ entry: ReportSet.Entry, durations: [String: Double], power: Double = 0.8, alpha: Double = 0.05) -> PowerPlan {
        let t = entry.table
        let builder = ReportBuilder(layout: entry.layout, paper: PaperNumbers.none)
        let lines = t.claims.map { c -> Line in
            var line = Line(claim: c.text, n: c.test?.n ?? 0, sd: c.test?.sd, observed: c.test?.mean, paperEffect: c.paperEffect)
            if let testedIn = c.testedIn { line.note = "same runs as \(testedIn)" }
            guard let sd = c.test?.sd else {
                line.note = line.note ?? (c.test == nil ? c.detail : "one seed: no spread to plan from")
                return line
            }
            let shift = c.margin ?? 0   // non-inferiority: distance from −margin
            if let e = c.paperEffect, e + shift > 0 { line.seedsForPaper = Stats.pairsNeeded(effect: e + shift, sd: sd, power: power, alpha: alpha) }
            if let m = c.test?.mean, m + shift != 0 { line.seedsForObserved = Stats.pairsNeeded(effect: m + shift, sd: sd, power: power, alpha: alpha) }
            // The claim's cells, by seed.
            let cells = entry.cells.filter { cell in
                c.rowsRead.contains(builder.axis(cell, entry.layout.rows, entry.parameters))
                    && (entry.layout.metricColumns != nil || c.columnsRead.contains(builder.axis(cell, entry.layout.columns, entry.parameters)))
            }
            var seedsOfKey: [String: Set<String>] = [:]
            for cell in cells { for s in cell.stages.values { seedsOfKey[s.key, default: []].insert(builder.seed(cell)) } }
            let perSeedKeys = seedsOfKey.filter { $0.value.count == 1 }.keys
            let timed = perSeedKeys.compactMap { durations[$0] }
            let seeds = Set(cells.map { builder.seed($0) }).count
            if !timed.isEmpty, seeds > 0 { line.secondsPerSeed = timed.reduce(0, +) / Double(seeds) }
            return line
        }
        return PowerPlan(spec: t.spec, power: power, alpha: alpha, lines: lines)
    }

    public func render() -> String {
        var out = "\(spec): seeds for \(Int((power * 100).rounded())) % power (two-sided paired t-test, α = \(alpha)) at the observed sd of the per-seed differences\n"
        func hours(_ s: Double) -> String { s >= 3600 ? String(format: "%.1f h", s / 3600) : String(format: "%.0f min", s / 60) }
        for l in lines {
            out += "\n- \(l.claim)\n"
            guard let sd = l.sd else { out += "  \(l.note ?? "no test")\n"; continue }
            out += String(format: "  now n = %d, sd of differences %.3f, observed difference %+.3f; paper's effect %@\n", l.n, sd, l.observed ?? 0,
                          l.paperEffect.map { String(format: "%+.3f", $0) } ?? "n/a (no paper number for this comparison)")
            func need(_ n: Int?, _ what: String) -> String {
                guard let n else { return "  \(what): not detectable (effect ≤ 0 in the claim's direction, or > 10 000 seeds)\n" }
                var s = "  \(what): \(n) seeds"
                if let sec = l.secondsPerSeed {
                    s += " — " + hours(sec * Double(n)) + " of stage time in all"
                    if n > l.n { s += ", " + hours(sec * Double(n - l.n)) + " more than now" }
                    s += String(format: " (%@ per seed, as recorded)", hours(sec))
                }
                return s + "\n"
            }
            if l.paperEffect != nil { out += need(l.seedsForPaper, "to detect the paper's effect") }
            out += need(l.seedsForObserved, (l.observed ?? 0) < 0 ? "to detect the observed difference (against the claim)" : "to detect the observed difference")
            if l.secondsPerSeed == nil { out += "  cost: no stage durations recorded for these cells\n" }
            if let note = l.note { out += "  note: \(note)\n" }
        }
        return out
    }
}
