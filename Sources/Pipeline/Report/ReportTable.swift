/// One experiment's results in the paper's layout, ready to render as Markdown, CSV or JSON.
public struct ReportTable: Codable, Sendable {
    public struct Cell: Codable, Sendable {
        public var values: [Double]
        public var mean: Double { values.reduce(0, +) / Double(max(values.count, 1)) }
        /// Sample standard deviation (n − 1); 0 for one seed.
        public var std: Double {
            guard values.count > 1 else { return 0 }
            let m = mean
            return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        }
        /// Seeds that are not (yet) done.
        public var missing: Int
    }
    public struct Column: Codable, Sendable {
        public var name: String
        public var metric: String
        public var paperTask: String?
        public var higherIsBetter: Bool
        public var data: String
        /// Set for paper columns this build cannot run yet: why.
        public var unavailable: String? = nil
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
    }
    public struct ClaimResult: Codable, Sendable {
        public enum Verdict: String, Codable, Sendable { case reproduced, notReproduced = "not reproduced", inconclusive }
        public var text: String
        public var verdict: Verdict
        public var detail: String
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
}
