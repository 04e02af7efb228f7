/// MultiRC's metrics (SuperGLUE's definitions): a question has several candidate answers, each judged true or
/// false. EM is the share of questions whose every answer is judged right; F1a is the binary F1 of the "true"
/// class over all answers of all questions (the F1 the paper reports for MultiRC). Both ×100.
public enum AnswerSetMetrics {
    /// `predictions[q][a]`, `labels[q][a]`: the class (0/1) of answer a of question q.
    public static func score(predictions: [[Int]], labels: [[Int]]) -> (exactMatch: Double, f1a: Double) {
        precondition(predictions.count == labels.count && zip(predictions, labels).allSatisfy { $0.count == $1.count })
        guard !labels.isEmpty else { return (0, 0) }
        let exact = zip(predictions, labels).filter { $0 == $1 }.count
        let f1a = ClassificationMetrics.f1(predictions: predictions.flatMap { $0 }, labels: labels.flatMap { $0 })
        return (100 * Double(exact) / Double(labels.count), 100 * f1a)
    }
}
