/// Train / validation / test example lists of one task.
public struct Splits: Sendable, Hashable, Codable {
    public var train: [Example]
    public var validation: [Example]
    public var test: [Example]

    public init(train: [Example], validation: [Example], test: [Example]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    public var all: [Example] { train + validation + test }

    /// Deterministic seeded split *by group* (document): groups are sorted, shuffled with the seed and
    /// dealt into the three splits until each holds about its fraction of the examples. Sorting first makes
    /// the result independent of the order the reader produced the examples in.
    public static func split(_ examples: [Example], seed: UInt64,
                             validation: Double = 0.1, test: Double = 0.1) -> Splits {
        var byGroup: [String: [Example]] = [:]
        var order: [String] = []
        for e in examples {
            if byGroup[e.group] == nil { order.append(e.group) }
            byGroup[e.group, default: []].append(e)
        }
        var rng = SeededRandom(seed: seed, 0x5971_7354)
        let groups = order.sorted().seededShuffled(&rng)
        let total = Double(examples.count)
        let testTarget = Int((total * test).rounded())
        let validationTarget = Int((total * validation).rounded())
        var out = Splits(train: [], validation: [], test: [])
        for g in groups {
            let items = byGroup[g]!
            if out.test.count < testTarget {
                out.test += items
            } else if out.validation.count < validationTarget {
                out.validation += items
            } else {
                out.train += items
            }
        }
        return out
    }
}
