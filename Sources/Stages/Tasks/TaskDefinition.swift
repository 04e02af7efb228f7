import Data
import Foundation

/// What a task is, for every stage that touches it: how to read its examples from the stage's input files,
/// which head and metrics it needs, and — for honest reports — which paper task it stands in for and whether
/// its labels are real or derived.
public struct TaskDefinition: Sendable {
    public enum Head: String, Codable, Sendable { case classification, regression, span, lm, seq2seq }
    /// How `evaluate` scores a classification task: per row, or per question from its candidate rows (the
    /// examples carry a `Candidate`; SuperGLUE's COPA, ReCoRD and MultiRC).
    public enum Scoring: String, Codable, Sendable {
        case rows
        /// The candidate with the largest positive-class logit is the question's answer: accuracy when the rows'
        /// labels mark the right one (COPA), EM/F1 of its text against the gold answers when they are given (ReCoRD).
        case pickBest = "pick-best"
        /// Every candidate is judged on its own; a question is an exact match when all its answers are right, F1a
        /// counts every answer over the split (MultiRC).
        case answerSet = "answer-set"
    }

    public let name: String
    /// The paper task whose column this fills (e.g. "squad"), or nil.
    public let paperTask: String?
    /// The metric that goes in the paper's table for this task (first), then extras.
    public let metrics: [String]
    public let head: Head
    public let scoring: Scoring
    public let classes: Int
    /// One line for report captions: the data and how labels were made.
    public let dataDescription: String
    /// true when the labels are the dataset's own (human) labels; false for derived tasks.
    public let realLabels: Bool
    /// Input names the prepare stage must receive.
    public let requiredInputs: [String]
    /// Split fractions `prepare` uses when the stage sets none: of the examples, or of the documents for a task
    /// of document pairs (Lee-50, where a 10% test set of documents would hold only 10 pairs).
    public let fractions: (validation: Double, test: Double)
    /// Enters `prepare`'s cache key (`PrepareKind.version(parameters:)`): bumped for one task when its split
    /// changes, so cached results of the other tasks stay valid.
    public let splitVersion: Int
    /// Split in the corpus-wide document order (`Splits.split(sharedDocumentOrder:)`): the prose tasks, whose
    /// held-out documents the MoE backbone's pre-training must avoid.
    public let sharedDocumentOrder: Bool
    /// Examples that may only be evaluated on: `prepare` removes them from the train split (cloze QA's extra
    /// questions per passage, `ClozeQA.isExtraQuestion`).
    public let evaluationOnly: (@Sendable (Example) -> Bool)?
    /// Examples as read: one pool (prepare splits it by document) or the user's own train/test files
    /// (prepare carves validation out of train and keeps their dev set as the test set).
    public enum Read: Sendable {
        case pool([Example])
        case presplit(train: [Example], test: [Example])
    }
    /// Reads the examples from the named input files.
    public let read: @Sendable (_ inputs: [String: URL], _ seed: UInt64) throws -> Read

    public init(name: String, paperTask: String?, metrics: [String], head: Head, scoring: Scoring = .rows, classes: Int = 0,
                dataDescription: String, realLabels: Bool, requiredInputs: [String],
                fractions: (validation: Double, test: Double) = (0.1, 0.1), splitVersion: Int = 1,
                sharedDocumentOrder: Bool = false, evaluationOnly: (@Sendable (Example) -> Bool)? = nil, read: @escaping @Sendable ([String: URL], UInt64) throws -> Read) {
        self.name = name; self.paperTask = paperTask; self.metrics = metrics; self.head = head; self.scoring = scoring
        self.classes = classes; self.dataDescription = dataDescription; self.realLabels = realLabels
        self.requiredInputs = requiredInputs; self.fractions = fractions; self.splitVersion = splitVersion
        self.sharedDocumentOrder = sharedDocumentOrder; self.evaluationOnly = evaluationOnly; self.read = read
    }
}
