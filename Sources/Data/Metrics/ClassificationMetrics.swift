/// Classification metrics with scikit-learn's definitions and edge cases (the GLUE reference code).
public enum ClassificationMetrics {
    public static func accuracy(predictions: [Int], labels: [Int]) -> Double {
        precondition(predictions.count == labels.count)
        if labels.isEmpty { return 0 }
        return Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }

    /// Binary F1 of class `positive` (sklearn `f1_score`; 0 when there are no true or predicted positives,
    /// sklearn's `zero_division` default).
    public static func f1(predictions: [Int], labels: [Int], positive: Int = 1) -> Double {
        precondition(predictions.count == labels.count)
        var tp = 0, fp = 0, fn = 0
        for (p, l) in zip(predictions, labels) {
            if p == positive && l == positive { tp += 1 } else if p == positive { fp += 1 } else if l == positive { fn += 1 }
        }
        let denom = 2 * tp + fp + fn
        return denom == 0 ? 0 : Double(2 * tp) / Double(denom)
    }

    /// Macro-averaged F1 as sklearn's `f1_score(average="macro")`: the unweighted mean of each class's binary F1
    /// over the classes that occur in labels or predictions (SuperGLUE's CB reports it beside accuracy).
    public static func macroF1(predictions: [Int], labels: [Int]) -> Double {
        precondition(predictions.count == labels.count)
        let classes = Set(predictions + labels)
        if classes.isEmpty { return 0 }
        return classes.map { f1(predictions: predictions, labels: labels, positive: $0) }.reduce(0, +) / Double(classes.count)
    }

    /// Matthews correlation as sklearn's `matthews_corrcoef` (multiclass form via the confusion matrix);
    /// 0 when either marginal is constant (e.g. all predictions one class).
    public static func matthews(predictions: [Int], labels: [Int]) -> Double {
        precondition(predictions.count == labels.count)
        let classes = Array(Set(predictions + labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let k = classes.count
        var t = [Double](repeating: 0, count: k), p = [Double](repeating: 0, count: k)
        var correct = 0.0
        for (pr, la) in zip(predictions, labels) {
            t[index[la]!] += 1; p[index[pr]!] += 1
            if pr == la { correct += 1 }
        }
        let n = Double(labels.count)
        let tp = zip(t, p).reduce(0) { $0 + $1.0 * $1.1 }
        let covYtYp = correct * n - tp
        let covYpYp = n * n - p.reduce(0) { $0 + $1 * $1 }
        let covYtYt = n * n - t.reduce(0) { $0 + $1 * $1 }
        if covYpYp * covYtYt == 0 { return 0 }
        return covYtYp / (covYtYt * covYpYp).squareRoot()
    }
}
