/// One answer of a span-QA example: the answer text and where it starts in the context, counted in
/// Unicode scalars (= Python characters, the unit SQuAD's `answer_start` uses).
public struct AnswerSpan: Sendable, Hashable, Codable {
    public var text: String
    public var start: Int
    public init(text: String, start: Int) { self.text = text; self.start = start }
    public var end: Int { start + text.unicodeScalars.count }
}

/// What a model is asked to predict. One enum rather than one type per task so that every reader,
/// the shard writer and the metrics share one example stream.
public enum Label: Sendable, Hashable, Codable {
    /// Language modelling: the text is its own target.
    case none
    /// Classification: index into the task's label names.
    case classIndex(Int)
    /// Regression (STS-B, VADER rating, Lee similarity).
    case value(Double)
    /// Extractive QA: gold answers, all as spans of `Example.pair` (the context).
    case spans([AnswerSpan])
    /// Sequence-to-sequence target (summaries).
    case target(String)
}

/// One example: single text (`pair == nil`) or a text pair. For span QA `text` is the question and
/// `pair` the context, BERT's `[CLS] question [SEP] context [SEP]` order.
public struct Example: Sendable, Hashable, Codable {
    /// Stable id (from the source file when it has one) — used in error messages and predictions.
    public var id: String
    /// Document the example came from; splits never separate a document's examples (no leakage).
    public var group: String
    public var text: String
    public var pair: String?
    public var label: Label

    public init(id: String, group: String? = nil, text: String, pair: String? = nil, label: Label) {
        self.id = id
        self.group = group ?? id
        self.text = text
        self.pair = pair
        self.label = label
    }
}
