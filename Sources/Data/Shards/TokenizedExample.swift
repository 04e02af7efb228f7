/// What a shard stores per example. The label kind is fixed per shard (one task per shard set).
public enum ShardLabelKind: UInt8, Sendable, Codable {
    /// Language modelling: targets are the next token, derived from `ids` when batching.
    case none = 0
    case classIndex = 1
    case value = 2
    /// Span QA: start/end token indices (inclusive) into `ids`.
    case span = 3
    /// Sequence to sequence (summarization): `ids` is the source, the label the target's token ids.
    case target = 4
}

public enum ShardLabel: Sendable, Hashable {
    case none
    case classIndex(Int32)
    case value(Float)
    case span(start: Int32, end: Int32)
    /// `[CLS] target [SEP]` ids ([CLS] = BOS, [SEP] = EOS), whatever their length.
    case target([Int32])

    public var kind: ShardLabelKind {
        switch self {
        case .none: return .none
        case .classIndex: return .classIndex
        case .value: return .value
        case .span: return .span
        case .target: return .target
        }
    }
}

/// One tokenized example: ids with token types (0/1; BERT segments) and its label.
public struct TokenizedExample: Sendable, Hashable {
    public var ids: [Int32]
    public var typeIDs: [Int32]
    public var label: ShardLabel

    public init(ids: [Int32], typeIDs: [Int32]? = nil, label: ShardLabel) {
        self.ids = ids
        self.typeIDs = typeIDs ?? [Int32](repeating: 0, count: ids.count)
        self.label = label
    }
}
