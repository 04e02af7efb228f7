/// Train / validation / test example lists of one task.
public struct Splits: Sendable, Hashable, Codable {
    public var train: [Example]
    public var validation: [Example]
    public var test: [Example]
    /// Examples left out because their documents fell into different splits (Lee pairs across the boundary).
    public var droppedAcrossSplits: Int

    public init(train: [Example], validation: [Example], test: [Example], droppedAcrossSplits: Int = 0) {
        self.train = train
        self.validation = validation
        self.test = test
        self.droppedAcrossSplits = droppedAcrossSplits
    }

    public var all: [Example] { train + validation + test }

    /// Deterministic seeded split in which no source document feeds two splits (`LeakageCheck` verifies it).
    /// Examples built from one document each are split *by group*: groups are dealt in a seeded order until
    /// each split holds about its fraction of the *examples*, and groups sharing a document (identical texts)
    /// go where the first of them went. Examples built from several documents (Lee pairs) are split *by document*:
    /// the fractions are of the *documents*, and an example whose documents land in different splits is
    /// dropped (counted in `droppedAcrossSplits`). Both orders start from sorted names, so the result does not
    /// depend on the order the reader produced the examples in.
    ///
    /// `sharedDocumentOrder` deals the groups in an order fixed by the seed and the *content* of their first
    /// document (not by their names), so every task built from one corpus sees its documents in the same
    /// order: each task's test set is a prefix of it, the test sets of tasks over the same prose are nested,
    /// and their union — what the MoE backbone's pre-training must leave out — is no larger than the
    /// largest of them (the prose tasks; with independent shuffles five tasks held out 73 % of the prose).
    public static func split(_ examples: [Example], seed: UInt64,
                             validation: Double = 0.1, test: Double = 0.1, sharedDocumentOrder: Bool = false) -> Splits {
        examples.contains { $0.sources.count > 1 }
            ? byDocument(examples, seed: seed, validation: validation, test: test)
            : byGroup(examples, seed: seed, validation: validation, test: test, sharedDocumentOrder: sharedDocumentOrder)
    }

    /// A document's place in the shared order of `seed`: its fingerprint (a SHA-256, already uniform) mixed
    /// with the seed.
    public static func documentRank(_ fingerprint: String, seed: UInt64) -> UInt64 {
        let prefix = UInt64(fingerprint.prefix(16), radix: 16) ?? 0
        return SeededRandom.mix(prefix ^ SeededRandom.mix(seed &+ 0x5971_7354))
    }

    static func byGroup(_ examples: [Example], seed: UInt64, validation: Double, test: Double,
                        sharedDocumentOrder: Bool = false) -> Splits {
        var byGroup: [String: [Example]] = [:]
        var units = UnionFind()
        var ownerOf: [String: String] = [:]   // document fingerprint → first group seen with it
        for e in examples {
            byGroup[e.group, default: []].append(e)
            for s in e.sources {
                if let g = ownerOf[s.fingerprint] { units.union(g, e.group) } else { ownerOf[s.fingerprint] = e.group }
            }
        }
        var rng = SeededRandom(seed: seed, 0x5971_7354)
        let groups: [String]
        if sharedDocumentOrder {
            var rank: [String: UInt64] = [:]
            for e in examples {
                for s in e.sources { rank[e.group] = min(rank[e.group] ?? .max, documentRank(s.fingerprint, seed: seed)) }
            }
            groups = byGroup.keys.sorted { (rank[$0]!, $0) < (rank[$1]!, $1) }
        } else {
            groups = byGroup.keys.sorted().seededShuffled(&rng)
        }
        let total = Double(examples.count)
        let testTarget = Int((total * test).rounded())
        let validationTarget = Int((total * validation).rounded())
        // Groups are dealt one by one in the seeded order; a group sharing a document with one dealt earlier
        // follows it into that split. A task without shared documents is therefore split exactly as before
        // documents were tracked, and so is one whose copies happened to land in one split.
        var parts: [[Example]] = [[], [], []]   // test, validation, train
        var sideOf: [String: Int] = [:]
        for g in groups {
            let unit = units.find(g)
            let side = sideOf[unit] ?? (parts[0].count < testTarget ? 0 : (parts[1].count < validationTarget ? 1 : 2))
            sideOf[unit] = side
            parts[side] += byGroup[g]!
        }
        return Splits(train: parts[2], validation: parts[1], test: parts[0])
    }

    static func byDocument(_ examples: [Example], seed: UInt64, validation: Double, test: Double) -> Splits {
        var name: [String: String] = [:]   // fingerprint → smallest id it was seen under
        for e in examples {
            for s in e.sources { name[s.fingerprint] = min(name[s.fingerprint] ?? s.id, s.id) }
        }
        let documents = name.keys.sorted { (name[$0]!, $0) < (name[$1]!, $1) }
        var rng = SeededRandom(seed: seed, 0x5971_7354)
        let shuffled = documents.seededShuffled(&rng)
        let testCount = Int((Double(documents.count) * test).rounded())
        let validationCount = Int((Double(documents.count) * validation).rounded())
        var position: [String: Int] = [:]
        for (i, d) in shuffled.enumerated() { position[d] = i }
        func side(_ i: Int) -> Int { i < testCount ? 0 : (i < testCount + validationCount ? 1 : 2) }
        var parts: [[(rank: Int, example: Example)]] = [[], [], []]
        var dropped = 0
        for e in examples {
            let ranks = e.sources.map { position[$0.fingerprint]! }
            let sides = Set(ranks.map(side))
            guard sides.count == 1, let s = sides.first else { dropped += 1; continue }
            parts[s].append((ranks.min()!, e))
        }
        // Seeded document order within a split, so a `max_test`-style prefix takes whole documents at random.
        let sorted = parts.map { p in p.enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map(\.element.example) }
        return Splits(train: sorted[2], validation: sorted[1], test: sorted[0], droppedAcrossSplits: dropped)
    }
}

/// Disjoint sets of names; the smaller name is the root, so the result does not depend on union order.
fileprivate struct UnionFind {
    private var parent: [String: String] = [:]

    mutating func find(_ x: String) -> String {
        var root = x
        while let p = parent[root], p != root { root = p }
        var y = x
        while let p = parent[y], p != root { parent[y] = root; y = p }   // path compression
        return root
    }

    mutating func union(_ a: String, _ b: String) {
        let ra = find(a), rb = find(b)
        guard ra != rb else { return }
        if ra < rb { parent[rb] = ra } else { parent[ra] = rb }
    }
}
