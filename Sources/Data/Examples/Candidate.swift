/// One candidate answer of a question that is scored per question, not per row (SuperGLUE's COPA, MultiRC,
/// ReCoRD): the reader flattens each question into one binary example per candidate, and evaluation gathers
/// the rows of a question back by `question` — to pick the best-scoring candidate, or to judge its answers
/// together. The question is also the unit the report's bootstrap resamples.
public struct Candidate: Sendable, Hashable, Codable {
    /// Identifies the question within its file ("record-12-3").
    public var question: String
    /// The candidate's own text (a ReCoRD entity), scored against `answers` when the question has them.
    public var text: String
    /// The question's gold answer texts (ReCoRD: EM/F1 of the picked entity against them); nil when the rows'
    /// labels say which candidates are right (COPA, MultiRC).
    public var answers: [String]?

    public init(question: String, text: String, answers: [String]? = nil) {
        self.question = question; self.text = text; self.answers = answers
    }
}
