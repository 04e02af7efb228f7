import Pipeline
import Foundation
import Formats
import Stages

/// `hmpipe power`: per claim, how many seeds a paired t-test needs to detect the paper's effect (and the effect
/// we observed) with the given power at the observed sd of the per-seed differences, and what those seeds cost
/// at the stage durations recorded for the claim's cells. Where the claim's cells have per-example scores, also
/// the test-example dimension (`TwoLevel`): how much of the uncertainty is test-set sampling, and how many test
/// examples the paper's effect needs at the current seed count.
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
        /// Test examples per column the claim reads (as scored now); nil without per-example scores.
        public var testExamples: [String: Int]?
        /// Examples of the prepared test split per column (the cap on more test examples without more data).
        public var testSplit: [String: Int] = [:]
        /// Test-set sampling variance of the mean difference at today's seeds and test sizes (`Bootstrap.exampleVariance`).
        public var exampleVariance: Double?
        /// MDE with test-set sampling included, at today's seeds and test sizes.
        public var mdeWithExamples: Double?
        /// Factor on every column's test examples that brings the MDE (test-set error included) down to the
        /// paper's effect at today's seeds; nil when seed-to-seed variation alone is too large.
        public var examplesFactorForPaper: Double?
        /// Seeds needed for the paper's effect with today's test examples, test-set error included.
        public var seedsForPaperWithExamples: Int?
        /// Stage seconds of the claim's metric (evaluation) stages per seed, which grow with the test examples.
        public var evaluationSecondsPerSeed: Double?
    }
    public var spec: String
    public var power: Double
    public var alpha: Double
    public var lines: [Line]

    /// `durations`: stage key → seconds it ran (done stages with both timestamps). `examples`: a metric stage's
    /// per-example scores by stage key (nil: plan seeds only).
    public static func plan(_ entry: ReportSet.Entry, durations: [String: Double], power: Double = 0.8, alpha: Double = 0.05,
                            examples: ((String) -> EvaluateScores?)? = nil) -> PowerPlan {
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
            for column in c.columnsRead {
                if let i = t.columns.firstIndex(where: { $0.name == column }), let n = t.columns[i].sizes?["test"] { line.testSplit[column] = n }
            }
            // The metric stages' time per seed (what more test examples lengthen).
            let metricKeys = Set(c.terms.flatMap { term -> [String] in
                guard let i = t.columns.firstIndex(where: { $0.name == term.column }),
                      let cell = t.rows.first(where: { $0.key == term.row })?.cells[i] else { return [] }
                return cell.runs.filter { !$0.isEmpty && !$0.contains("+") }
            })
            let evalTimes = metricKeys.compactMap { durations[$0] }
            if !evalTimes.isEmpty, seeds > 0 { line.evaluationSecondsPerSeed = evalTimes.reduce(0, +) / Double(seeds) }
            guard let examples, let r = ReportBuilder.resampler(c, t, examples) else { return line }
            let seedList = ReportTable.seedOrder(Array(c.perSeed.keys))
            guard let v = Bootstrap.exampleVariance(terms: c.terms, seeds: seedList, examples: r.counts, metric: r.metric) else { return line }
            line.testExamples = r.counts
            line.exampleVariance = v
            line.mdeWithExamples = TwoLevel.mde(seedSD: sd, seeds: line.n, exampleVariance: v, power: power, alpha: alpha)
            if let e = c.paperEffect, e + shift > 0 {
                line.examplesFactorForPaper = TwoLevel.examplesFactor(effect: e + shift, seedSD: sd, seeds: line.n, exampleVariance: v,
                                                                      power: power, alpha: alpha)
                line.seedsForPaperWithExamples = TwoLevel.seedsNeeded(effect: e + shift, seedSD: sd, exampleVariance: v, power: power, alpha: alpha)
            }
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
            out += testExampleLines(l, hours)
            if let note = l.note { out += "  note: \(note)\n" }
        }
        return out
    }

    /// The test-example part of a claim's plan (nothing when its cells have no per-example scores).
    func testExampleLines(_ l: Line, _ hours: (Double) -> String) -> String {
        guard let m = l.testExamples, let v = l.exampleVariance, let sd = l.sd else {
            return l.sd == nil ? "" : "  test examples: no per-example scores for these cells (runs without per-example lines, e.g. LM evaluations cached before they were written): seeds only\n"
        }
        let sizes = m.keys.sorted().map { "\(m[$0]!) in \($0)" }.joined(separator: ", ")
        var out = String(format: "  test examples now %@: test-set sampling sd of the mean difference %.3f (seeds: %.3f)", sizes, v.squareRoot(),
                         sd / Double(max(l.n, 1)).squareRoot())
        out += l.mdeWithExamples.map { String(format: "; MDE with it %.3f", $0) } ?? ""
        out += Stats.minimumDetectableEffect(sd: sd, n: l.n).map { String(format: " (seeds only: %.3f)\n", $0) } ?? "\n"
        guard l.paperEffect != nil else { return out }
        if v == 0 {   // every resample gives the same difference (identical predictions): nothing to plan here
            return out + "  test-set sampling adds nothing here (the methods' per-example differences do not vary): plan seeds\n"
        }
        if let f = l.examplesFactorForPaper, f < 1 {
            out += String(format: "  to detect the paper's effect at n = %d seeds: today's test examples suffice (×%.2f of them would do)\n", l.n, f)
        } else if let f = l.examplesFactorForPaper {
            let wanted = m.keys.sorted().map { c -> String in
                let need = Int((Double(m[c]!) * f).rounded(.up))
                let cap = l.testSplit[c].map { need > $0 ? " — more than the \($0) the prepared test split holds" : "" } ?? ""
                return "\(m[c]!) → \(need) in \(c)\(cap)"
            }.joined(separator: ", ")
            out += String(format: "  to detect the paper's effect at n = %d seeds: ×%.2f the test examples (%@)", l.n, f, wanted)
            if let e = l.evaluationSecondsPerSeed, f > 1 { out += " — about " + hours(e * (f - 1) * Double(l.n)) + " more evaluation" }
            out += "\n"
        } else {
            out += "  to detect the paper's effect at n = \(l.n) seeds: no number of test examples suffices (seed-to-seed variation alone is too large): add seeds\n"
        }
        out += "  with today's test examples, counting their sampling error: "
            + (l.seedsForPaperWithExamples.map { "\($0) seeds" } ?? "no seed count suffices (the test set's own sampling error is too large): add test examples") + "\n"
        return out
    }

    /// Planning over seeds and test examples. The claim's mean difference over n seeds, all scored on the same
    /// test examples, varies by σ²/n between seeds (σ: the sd of the per-seed differences, what the paired
    /// t-test sees) plus V from the test set's own sampling (`Bootstrap.exampleVariance` at today's sizes), and V
    /// shrinks as 1/(test examples). With k(n) = MDE(n, sd 1)·√n, the paired t-test's multiplier for n seeds,
    /// the MDE is k(n)·√(σ²/n + V/f) with f times today's test examples (f = 1: today; V = 0: the seeds-only MDE).
    public enum TwoLevel {
        static func multiplier(seeds n: Int, power: Double, alpha: Double) -> Double? {
            Stats.minimumDetectableEffect(sd: 1, n: n, power: power, alpha: alpha).map { $0 * Double(n).squareRoot() }
        }

        public static func mde(seedSD: Double, seeds n: Int, exampleVariance v: Double, factor f: Double = 1,
                               power: Double = 0.8, alpha: Double = 0.05) -> Double? {
            guard f > 0, let k = multiplier(seeds: n, power: power, alpha: alpha) else { return nil }
            return k * (seedSD * seedSD / Double(n) + v / f).squareRoot()
        }

        /// f with MDE(n, f) = effect: f = V / (effect²/k(n)² − σ²/n); nil when σ²/n alone already exceeds
        /// (effect/k)² (no number of test examples helps) or n < 2.
        public static func examplesFactor(effect: Double, seedSD: Double, seeds n: Int, exampleVariance v: Double,
                                          power: Double = 0.8, alpha: Double = 0.05) -> Double? {
            guard effect > 0, let k = multiplier(seeds: n, power: power, alpha: alpha) else { return nil }
            let room = effect * effect / (k * k) - seedSD * seedSD / Double(n)
            guard room > 0 else { return nil }
            return v / room
        }

        /// The fewest seeds (≥ 2) with MDE(n, f = 1) ≤ effect; nil when even `limit` seeds do not get there
        /// (V alone exceeds it: more test examples are needed).
        public static func seedsNeeded(effect: Double, seedSD: Double, exampleVariance v: Double, power: Double = 0.8,
                                       alpha: Double = 0.05, limit: Int = 10_000) -> Int? {
            guard effect > 0 else { return nil }
            func enough(_ n: Int) -> Bool { (mde(seedSD: seedSD, seeds: n, exampleVariance: v, power: power, alpha: alpha) ?? .infinity) <= effect }
            var lo = 2, hi = 2
            while !enough(hi) { lo = hi; hi *= 2; if hi > limit { return nil } }
            while lo < hi { let mid = (lo + hi) / 2; if enough(mid) { hi = mid } else { lo = mid + 1 } }
            return hi
        }
    }
}
