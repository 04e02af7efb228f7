import Foundation

/// Perplexity = exp(mean token cross-entropy in nats). Callers pass only the language-model loss —
/// the MoE auxiliary (load-balancing) losses are not part of it, as in the paper's WikiText numbers.
public enum Perplexity {
    public static func fromLoss(totalNLL: Double, tokens: Int) -> Double {
        tokens == 0 ? .nan : exp(totalNLL / Double(tokens))
    }

    public static func fromMeanLoss(_ meanNLL: Double) -> Double { exp(meanNLL) }

    /// Per block (a row of `blockLength` positions), the summed token NLL and the number of predicted tokens,
    /// from a causal LM's logits ([positions × vocab], row-major) and next-token targets (< 0: not predicted):
    /// −log softmax(logits)[target] = logsumexp(logits) − logits[target], the loss the LM head averages. The
    /// evaluate stage writes these so the report can resample test blocks: perplexity = exp(Σ NLL / Σ tokens).
    public static func blockNLL(logits: [Float], targets: [Int32], vocab: Int, blockLength: Int) -> [(nll: Double, tokens: Int)] {
        precondition(vocab > 0 && blockLength > 0 && logits.count == targets.count * vocab && targets.count % blockLength == 0,
                     "logits \(logits.count), targets \(targets.count), vocab \(vocab), block \(blockLength)")
        var blocks = [(nll: Double, tokens: Int)](repeating: (0, 0), count: targets.count / blockLength)
        logits.withUnsafeBufferPointer { z in
            for t in targets.indices where targets[t] >= 0 {
                let row = z.baseAddress! + t * vocab
                var m = -Float.infinity
                for j in 0..<vocab { m = max(m, row[j]) }
                var sum = 0.0
                for j in 0..<vocab { sum += Double(expf(row[j] - m)) }
                blocks[t / blockLength].nll += Double(m) + log(sum) - Double(row[Int(targets[t])])
                blocks[t / blockLength].tokens += 1
            }
        }
        return blocks
    }
}
