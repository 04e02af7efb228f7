import Pipeline
/// One experiment's results in the paper's layout, ready to render as Markdown, CSV or JSON.
public struct ReportTable: Codable, Sendable {
    /// One row × column: a value per seed (per combination of the axes that are neither rows nor columns).
    public struct Cell: Codable, Sendable {
        /// Finished values, in seed order, with `seeds[i]` naming the seed of `values[i]`.
        public var values: [Double]
        public var seeds: [String]
        /// The stage key (run) behind each value: which runs a claim reads (not written to JSON).
        public var runs: [String]
        /// Seeds that are not (yet) done.
        public var missing: Int

        public init(values: [Double], seeds: [String], runs: [String] = [], missing: Int) {
            self.values = values; self.seeds = seeds; self.missing = missing
            self.runs = runs.count == values.count ? runs : Array(repeating: "", count: values.count)
        }

        public var mean: Double { values.reduce(0, +) / Double(max(values.count, 1)) }
        /// Middle value (mean of the middle two for an even count); 0 when empty.
        public var median: Double { ReportTable.median(values) }
        /// Sample standard deviation (n − 1); 0 for one seed.
        public var std: Double {
            guard values.count > 1 else { return 0 }
            let m = mean
            return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        }
        public func value(seed: String) -> Double? { seeds.firstIndex(of: seed).map { values[$0] } }
        public func run(seed: String) -> String? { seeds.firstIndex(of: seed).map { runs[$0] } }

        enum CodingKeys: String, CodingKey { case perSeed, n, mean, std, missing }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(Dictionary(uniqueKeysWithValues: zip(seeds, values)), forKey: .perSeed)
            try c.encode(values.count, forKey: .n)
            try c.encode(mean, forKey: .mean)
            try c.encode(std, forKey: .std)
            try c.encode(missing, forKey: .missing)
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let perSeed = try c.decode([String: Double].self, forKey: .perSeed)
            let seeds = ReportTable.seedOrder(Array(perSeed.keys))
            self.init(values: seeds.map { perSeed[$0]! }, seeds: seeds, missing: try c.decode(Int.self, forKey: .missing))
        }
    }
    public struct Column: Codable, Sendable {
        public var name: String
        public var metric: String
        public var paperTask: String?
        public var higherIsBetter: Bool
        public var data: String
        /// Set for paper columns this build cannot run yet: why.
        public var unavailable: String? = nil
        /// Examples per split of this column's prepared data ("train" → 16656), when recorded.
        public var sizes: [String: Int]? = nil
        /// The paper-numbers table this column's paper values come from, when not the layout's (a column group's).
        public var paperTable: String? = nil
        /// Set for a derived average column: the task columns it averages, per seed.
        public var averageOf: [String]? = nil
    }
    public struct Row: Codable, Sendable {
        public var key: String
        public var label: String
        public var cells: [Cell?]
        public var extra: [String: Cell]   // secondary metrics, "column.metric"
    }
    public struct PaperRow: Codable, Sendable {
        public var label: String
        public var values: [Double?]
        /// Per column, [min, max] around the value (ratio rows of a median summary); nil = a single figure.
        public var spread: [[Double]?]? = nil
    }
    /// A claim of the paper, tested by `ReportClaims` on the per-seed differences in the claim's direction.
    public struct ClaimResult: Codable, Sendable {
        public enum Verdict: String, Codable, Sendable { case reproduced, contradicted, inconclusive }
        public var text: String
        public var verdict: Verdict
        /// One line: the statistics behind the verdict (or why there are none).
        public var detail: String
        /// What is compared ("HyperMoE − MoE on test.em").
        public var compared: String = ""
        /// Per seed, the difference in the claim's direction (positive = as the paper says).
        public var perSeed: [String: Double] = [:]
        /// The paired t-test of those differences (against −margin for non-inferiority claims).
        public var test: Stats.PairedTest?
        /// Non-inferiority margin ("at least as good" claims), in the metric's units.
        public var margin: Double?
        /// Holm-adjusted p over the claims tested in this table.
        public var pHolm: Double?
        /// Minimum detectable effect at 80 % power for this n and the observed sd of the differences.
        public var mde: Double?
        /// The paper's own difference, in the claim's direction, when its numbers give one.
        public var paperEffect: Double?
        /// The raw means compared ("HyperMoE" → 63.69), over the paired seeds.
        public var means: [String]? = nil
        /// The rows and columns whose cells the claim reads (for `hmpipe power`'s cost).
        public var rowsRead: [String] = []
        public var columnsRead: [String] = []
        /// The claim's per-seed difference as a weighted sum of cells (for the bootstrap).
        public var terms: [Bootstrap.Term] = []
        /// Two-level bootstrap (seeds, then test examples) 95 % interval of the difference, when every cell's
        /// per-example scores could be read.
        public var bootstrap: [Double]? = nil
        /// Identity of the runs read: claims with the same identity in several tables are tested once.
        public var runs: String = ""
        /// Set when another table tests the same runs: "table2: HyperMoE beats MoE on QA".
        public var testedIn: String?
        /// Other tables' claims that read the same runs (deferred to this one).
        public var alsoIn: [String] = []
    }

    public var spec: String
    public var profile: String
    public var title: String
    public var caption: [String]
    public var columns: [Column]
    public var rows: [Row]
    public var paperRows: [PaperRow]
    public var claims: [ClaimResult]
    public var cellsDone: Int
    public var cellsTotal: Int
    /// The axis the columns run over ("task", "experts"; nil for fixed metric columns), for figure axis titles.
    public var columnAxis: String? = nil
    /// How cells sum up their seeds (nil = mean ± sd).
    public var summary: ReportLayout.Summary? = nil

    public static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted(), m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }

    /// Seeds in numeric order when they are numbers ("2" before "10"), else in text order.
    public static func seedOrder(_ seeds: [String]) -> [String] {
        seeds.sorted { a, b in
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
    }
}
