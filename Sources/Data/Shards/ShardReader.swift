import Foundation

/// All examples of a shard set in memory as flat columns (the stand-in datasets are a few million tokens
/// at most), plus the batch planner: deterministic by (seed, epoch), padding-aware length bucketing.
public struct ShardReader: Sendable {
    public private(set) var kind: ShardLabelKind = .none
    public let padID: Int32
    private var starts: [Int] = [0]
    private var ids: [Int32] = []
    private var types: [Int32] = []
    private var labels: [ShardLabel] = []

    public init(files: [URL], vocabHash: String? = nil, padID: Int32 = 0) throws {
        var kind: ShardLabelKind? = nil
        self.padID = padID
        for f in files {
            let (k, examples) = try ShardFile.read(f, vocabHash: vocabHash)
            if let kind, kind != k {
                throw DataError(file: f.path, field: "label kind", "shard holds \(k) labels, earlier shards \(kind)")
            }
            kind = k
            for e in examples { append(e) }
        }
        self.kind = kind ?? .none
    }

    /// In-memory reader (tests, evaluation straight after tokenizing).
    public init(examples: [TokenizedExample], kind: ShardLabelKind, padID: Int32 = 0) {
        self.kind = kind
        self.padID = padID
        for e in examples { append(e) }
    }

    private mutating func append(_ e: TokenizedExample) {
        ids += e.ids; types += e.typeIDs; labels.append(e.label); starts.append(ids.count)
    }

    public var count: Int { labels.count }
    public var tokenCount: Int { ids.count }
    public func length(_ i: Int) -> Int { starts[i + 1] - starts[i] }

    public func example(_ i: Int) -> TokenizedExample {
        TokenizedExample(ids: Array(ids[starts[i]..<starts[i + 1]]), typeIDs: Array(types[starts[i]..<starts[i + 1]]), label: labels[i])
    }

    /// How batches are cut.
    public struct Plan: Sendable, Hashable, Codable {
        public var batchSize: Int
        public var seed: UInt64
        /// Shuffle example order (and batch order) per epoch; off for evaluation.
        public var shuffle: Bool
        /// Length bucketing window in batches: examples are sorted by length within windows of
        /// `bucketBatches × batchSize` shuffled examples, so batches pad little but stay random. 1 = off.
        public var bucketBatches: Int
        /// Drop a final partial batch (training) or keep it (evaluation).
        public var dropLast: Bool

        public init(batchSize: Int, seed: UInt64 = 0, shuffle: Bool = true, bucketBatches: Int = 50, dropLast: Bool = false) {
            self.batchSize = batchSize
            self.seed = seed
            self.shuffle = shuffle
            self.bucketBatches = bucketBatches
            self.dropLast = dropLast
        }
    }

    /// Example indices of every batch of `epoch`, a pure function of (plan, epoch, lengths).
    public func batches(epoch: Int, plan: Plan) -> [[Int]] {
        precondition(plan.batchSize > 0)
        var order = Array(0..<count)
        var rng = SeededRandom(seed: plan.seed, UInt64(epoch))
        if plan.shuffle { order = order.seededShuffled(&rng) }
        if plan.bucketBatches > 1 {
            let window = plan.batchSize * plan.bucketBatches
            var sorted: [Int] = []
            sorted.reserveCapacity(count)
            var s = 0
            while s < order.count {
                let w = order[s..<min(s + window, order.count)]
                // Stable: equal lengths keep their shuffled order.
                sorted += w.enumerated().sorted { a, b in
                    let la = length(a.element), lb = length(b.element)
                    return la != lb ? la < lb : a.offset < b.offset
                }.map(\.element)
                s += window
            }
            order = sorted
        }
        var out: [[Int]] = []
        var s = 0
        while s < order.count {
            let e = min(s + plan.batchSize, order.count)
            if e - s == plan.batchSize || !plan.dropLast { out.append(Array(order[s..<e])) }
            s = e
        }
        // Bucketing groups similar lengths; shuffling the batches hides that order from training.
        if plan.shuffle && plan.bucketBatches > 1 { out = out.seededShuffled(&rng) }
        return out
    }

    /// Builds the padded batch of the given examples.
    public func makeBatch(_ indices: [Int], position: BatchPosition) -> Batch {
        let rows = indices.count
        let seqLen = indices.map(length).max() ?? 0
        var b = Batch(position: position, rows: rows, seqLen: seqLen, exampleIndices: indices,
                      ids: [Int32](repeating: padID, count: rows * seqLen),
                      typeIDs: [Int32](repeating: 0, count: rows * seqLen),
                      attentionMask: [Int32](repeating: 0, count: rows * seqLen),
                      labelKind: kind, classLabels: [], values: [], spanStarts: [], spanEnds: [], lmTargets: [])
        if kind == .none { b.lmTargets = [Int32](repeating: Batch.ignoreIndex, count: rows * seqLen) }
        if kind == .target {
            b.targetLength = indices.map { i in
                guard case let .target(t) = labels[i] else { return 0 }
                return max(0, t.count - 1)
            }.max() ?? 0
            b.targetInput = [Int32](repeating: padID, count: rows * b.targetLength)
            b.targetMask = [Int32](repeating: 0, count: rows * b.targetLength)
            b.targetLabels = [Int32](repeating: Batch.ignoreIndex, count: rows * b.targetLength)
        }
        for (r, i) in indices.enumerated() {
            let s = starts[i], n = length(i), o = r * seqLen
            for j in 0..<n {
                b.ids[o + j] = ids[s + j]
                b.typeIDs[o + j] = types[s + j]
                b.attentionMask[o + j] = 1
            }
            switch labels[i] {
            case .none: for j in 0..<max(0, n - 1) { b.lmTargets[o + j] = ids[s + j + 1] }
            case let .classIndex(c): b.classLabels.append(c)
            case let .value(v): b.values.append(v)
            case let .span(st, en): b.spanStarts.append(st); b.spanEnds.append(en)
            case let .target(t):
                let o = r * b.targetLength
                for j in 0..<max(0, t.count - 1) {
                    b.targetInput[o + j] = t[j]
                    b.targetMask[o + j] = 1
                    b.targetLabels[o + j] = t[j + 1]
                }
            }
        }
        return b
    }
}

/// An endless, resumable batch iterator over epochs. `position` is the next batch to be produced;
/// a stream started at a saved position yields exactly the batches the original would have.
public struct BatchStream: Sendable, IteratorProtocol {
    public let reader: ShardReader
    public let plan: ShardReader.Plan
    public private(set) var position: BatchPosition
    private var epochBatches: [[Int]]
    private var planEpoch: Int

    public init(reader: ShardReader, plan: ShardReader.Plan, start: BatchPosition = BatchPosition()) {
        self.reader = reader
        self.plan = plan
        self.position = start
        self.planEpoch = start.epoch
        self.epochBatches = reader.batches(epoch: start.epoch, plan: plan)
    }

    /// Batches per epoch under this plan.
    public var batchesPerEpoch: Int { epochBatches.count }

    public mutating func next() -> Batch? {
        if epochBatches.isEmpty { return nil }
        while position.batch >= epochBatches.count {
            position = BatchPosition(epoch: position.epoch + 1, batch: 0)
        }
        if planEpoch != position.epoch {
            epochBatches = reader.batches(epoch: position.epoch, plan: plan)
            planEpoch = position.epoch
        }
        let b = reader.makeBatch(epochBatches[position.batch], position: position)
        position.batch += 1
        return b
    }
}
