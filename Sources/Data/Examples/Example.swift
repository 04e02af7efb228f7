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
    /// The unit a split keeps together (an article, an NYT editorial, a SQuAD title); splits never separate a
    /// group's examples.
    public var group: String
    /// The documents the example is built from: one for most tasks (the sentence, the article a cloze passage
    /// or summary pair was cut from), two for a Lee document pair. No document may feed two splits
    /// (`LeakageCheck`); examples sharing a document are therefore split together like one group.
    public var sources: [SourceDocument]
    public var text: String
    public var pair: String?
    public var label: Label
    /// Set for a candidate of a question scored per question (COPA, MultiRC, ReCoRD); nil for the rest.
    public var candidate: Candidate?

    /// `sources` defaults to the example's own text (and pair): the right identity when each example is its own
    /// document (a VADER sentence, a GLUE row); derived tasks pass the text they were cut from.
    public init(id: String, group: String? = nil, sources: [SourceDocument]? = nil, text: String, pair: String? = nil,
                label: Label, candidate: Candidate? = nil) {
        self.id = id
        self.group = group ?? id
        self.sources = sources ?? [SourceDocument(id: group ?? id, text: pair.map { text + "\u{1F}" + $0 } ?? text)]
        self.text = text
        self.pair = pair
        self.label = label
        self.candidate = candidate
    }
}
