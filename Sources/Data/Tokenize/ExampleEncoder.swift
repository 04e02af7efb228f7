/// Turns examples into shard rows with a `BertTokenizer` — the step between a reader and `writeShards`.
public enum ExampleEncoder {
    public struct Output: Sendable {
        public var examples: [TokenizedExample]
        public var kind: ShardLabelKind
        /// Index into the input examples for each row (QA drops rows whose answer was truncated away).
        public var sources: [Int]
    }

    /// Classification / regression / span QA. Span QA uses `only_second` truncation (never cut the question)
    /// and labels the first gold answer's token span; rows whose answer falls outside the kept context are
    /// dropped when `dropUnanswerable` (training) — for evaluation keep them and score on the text.
    public static func encode(_ examples: [Example], tokenizer: BertTokenizer, maxLength: Int,
                              truncation: TruncationStrategy = .longestFirst, dropUnanswerable: Bool = true) throws -> Output {
        guard let first = examples.first else { return Output(examples: [], kind: .classIndex, sources: []) }
        let kind: ShardLabelKind
        switch first.label {
        case .classIndex: kind = .classIndex
        case .value: kind = .value
        case .spans: kind = .span
        case .none, .target:
            throw DataError(file: first.id, field: "label", "use ExampleEncoder.languageModelBlocks for LM text and ExampleEncoder.encodePairs for seq2seq targets")
        }
        var out = Output(examples: [], kind: kind, sources: [])
        for (i, ex) in examples.enumerated() {
            let e = try tokenizer.encode(ex.text, ex.pair, maxLength: maxLength, truncation: kind == .span ? .onlySecond : truncation)
            let label: ShardLabel
            switch ex.label {
            case let .classIndex(c): label = .classIndex(Int32(c))
            case let .value(v): label = .value(Float(v))
            case let .spans(answers):
                if let a = answers.first, let (s, t) = BertTokenizer.tokenSpan(e, sequence: 1, charStart: a.start, charEnd: a.end) {
                    label = .span(start: Int32(s), end: Int32(t))
                } else if dropUnanswerable {
                    continue
                } else {
                    label = .span(start: 0, end: 0)   // points at [CLS], SQuAD v2's "no answer" convention
                }
            default:
                throw DataError(file: ex.id, field: "label", "label kind differs from the first example's")
            }
            out.examples.append(TokenizedExample(ids: e.ids, typeIDs: e.typeIDs, label: label))
            out.sources.append(i)
        }
        return out
    }

    /// Sequence to sequence (summarization): source `[CLS] text [SEP]` cut to `maxSourceLength`, target
    /// `[CLS] summary [SEP]` cut to `maxTargetLength` — [CLS] serves as BOS and [SEP] as EOS, and truncation
    /// keeps the closing [SEP] so the decoder always learns to stop. Every example becomes one row.
    public static func encodePairs(_ examples: [Example], tokenizer: BertTokenizer, maxSourceLength: Int,
                                   maxTargetLength: Int) throws -> Output {
        var out = Output(examples: [], kind: .target, sources: [])
        for (i, ex) in examples.enumerated() {
            guard case let .target(summary) = ex.label else {
                throw DataError(file: ex.id, field: "label", "sequence-to-sequence rows need a target (summary) label")
            }
            let source = try tokenizer.encode(ex.text, maxLength: maxSourceLength)
            let target = try tokenizer.encode(summary, maxLength: maxTargetLength)
            out.examples.append(TokenizedExample(ids: source.ids, typeIDs: source.typeIDs, label: .target(target.ids)))
            out.sources.append(i)
        }
        return out
    }

    /// Language modelling: each document's WordPiece ids, documents separated by `[SEP]`, concatenated
    /// and cut into blocks of `blockSize` (the last partial block kept). Targets come from the ids at batching.
    public static func languageModelBlocks(_ examples: [Example], tokenizer: BertTokenizer, blockSize: Int) -> [TokenizedExample] {
        var stream: [Int32] = []
        for ex in examples {
            stream += tokenizer.tokenize(ex.text).ids
            stream.append(tokenizer.sepID)
        }
        var out: [TokenizedExample] = []
        var s = 0
        while s < stream.count {
            let e = min(s + blockSize, stream.count)
            if e - s >= 2 { out.append(TokenizedExample(ids: Array(stream[s..<e]), label: .none)) }
            s = e
        }
        return out
    }
}
