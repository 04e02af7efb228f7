import Foundation

/// Perplexity = exp(mean token cross-entropy in nats). Callers pass only the language-model loss —
/// the MoE auxiliary (load-balancing) losses are not part of it, as in the paper's WikiText numbers.
public enum Perplexity {
    public static func fromLoss(totalNLL: Double, tokens: Int) -> Double {
        tokens == 0 ? .nan : exp(totalNLL / Double(tokens))
    }

    public static func fromMeanLoss(_ meanNLL: Double) -> Double { exp(meanNLL) }
}
