import Foundation

/// `task.json`, written by `prepare` and read by `train`, `evaluate` and reports: everything downstream
/// needs to know about a prepared dataset without re-reading it.
public struct TaskInfo: Codable, Sendable, Equatable {
    public var task: String
    public var paperTask: String?
    public var head: TaskDefinition.Head
    public var classes: Int
    public var metrics: [String]
    public var dataDescription: String
    public var realLabels: Bool
    public var counts: [String: Int]
    public var vocabHash: String
    public var vocabSize: Int
    public var maxLength: Int
    /// The source length is `maxLength`; sequence-to-sequence tasks also cap the target (BOS … EOS).
    public var maxTargetLength: Int?
    /// Tasks scored per question: how, and per evaluation split ("validation", "test") which rows form each
    /// question. Absent for the rest (and in task.json files written before them).
    public var scoring: TaskDefinition.Scoring? = nil
    public var questions: [String: QuestionRows]? = nil

    public static func load(_ url: URL) throws -> TaskInfo {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(TaskInfo.self, from: Data(contentsOf: url))
    }

    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(self).write(to: url)
    }
}
