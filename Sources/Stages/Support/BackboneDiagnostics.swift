import Data
import Foundation
import Model

/// What a pre-trained backbone looks like on held-out text, for the stage's metrics and every report caption
/// that uses it: masked-LM loss and accuracy (fixed masks, so the dense and MoE backbones score the same
/// positions), how alike the experts are, how evenly tokens spread over them, and whether routing depends on
/// the input — the share of a word type's occurrences that go to its most frequent expert, beside the same
/// share after shuffling the expert choices among the tokens (routing that ignores the input, same load).
struct BackboneDiagnostics {
    let blocks: [[Int32]]
    let masking: MaskedLM.Masking
    let batchSize: Int
    let seed: UInt64
    /// Word types seen fewer times are left out of the consistency score (one occurrence is always consistent).
    static let minimumOccurrences = 5

    /// Batches of held-out blocks, padded to the longest; with `masked` the fixed masks and their targets.
    func batches(masked: Bool) -> [ModelBatch] {
        stride(from: 0, to: blocks.count, by: batchSize).map { start in
            let rows = Array(blocks[start..<min(start + batchSize, blocks.count)])
            let L = rows.map(\.count).max()!
            var ids = [Int32](), mask = [Float]()
            for r in rows { ids += r + [Int32](repeating: 0, count: L - r.count); mask += [Float](repeating: 1, count: r.count) + [Float](repeating: 0, count: L - r.count) }
            var rng = SeededRandom(seed: seed, UInt64(start), 0x6865_6c64)
            let targets = masked ? masking.apply(&ids, mask: mask, rng: &rng) : [Int32](repeating: -1, count: ids.count)
            return ModelBatch(batch: rows.count, length: L, ids: ids, mask: mask, labels: .maskedTokens(targets))
        }
    }

    /// Mean cross-entropy over the masked positions and top-1 accuracy (%).
    func maskedLM(_ model: Transformer) -> (loss: Double, accuracy: Double) {
        var loss = 0.0, selected = 0, correct = 0
        for b in batches(masked: true) {
            let r = model.forward(b, training: false)
            let c = model.maskedLMCounts
            loss += Double(r.task) * Double(c.selected); selected += c.selected; correct += c.correct
        }
        return (loss / Double(max(selected, 1)), 100 * Double(correct) / Double(max(selected, 1)))
    }

    struct Summary: Encodable {
        var steps: Int
        var upcycling: String?
        var upcyclingScale: Float?
        var pretrainDocuments: Int
        var excludedDocuments: Int
        var heldOutDocuments: Int
        var heldOutMLMLoss: Double
        var heldOutMLMAccuracy: Double
        /// Per MoE layer: mean pairwise cosine of the experts' weights, before and after pre-training.
        var expertSimilarityInitial: [Double]
        var expertSimilarity: [Double]
        /// Per MoE layer: fraction of held-out tokens per expert, normalised entropy, consistency and its baseline.
        var expertLoad: [[Double]]
        var routingEntropy: [Double]
        var routingConsistency: [Double]
        var routingConsistencyShuffled: [Double]

        var line: String {
            func f(_ x: [Double]) -> String { x.map { String(format: "%.3f", $0) }.joined(separator: "/") }
            return String(format: "held-out MLM loss %.3f, accuracy %.1f %%", heldOutMLMLoss, heldOutMLMAccuracy)
                + (expertSimilarity.isEmpty ? "" : "; expert cosine \(f(expertSimilarityInitial)) → \(f(expertSimilarity)); routing entropy \(f(routingEntropy)); consistency \(f(routingConsistency)) vs \(f(routingConsistencyShuffled)) shuffled")
        }

        func record(_ context: StageContext, steps: Int) {
            context.metric("heldout_mlm_loss", heldOutMLMLoss, step: steps)
            context.metric("heldout_mlm_accuracy", heldOutMLMAccuracy, step: steps)
            for (l, v) in expertSimilarity.enumerated() { context.metric("expert_similarity.layer\(l)", v) }
            for (l, v) in expertSimilarityInitial.enumerated() { context.metric("expert_similarity_initial.layer\(l)", v) }
            for (name, v) in RoutingMetrics.metrics(tokensPerExpert: expertLoad) { context.metric(name, v) }
            for (l, v) in routingConsistency.enumerated() { context.metric("routing_consistency.layer\(l)", v) }
            for (l, v) in routingConsistencyShuffled.enumerated() { context.metric("routing_consistency_shuffled.layer\(l)", v) }
        }
    }

    func summary(_ model: Transformer, initialSimilarity: [Double], documents: PretrainCorpus.Documents, steps: Int,
                 upcycling: String?, scale: Float) -> Summary {
        let mlm = maskedLM(model)
        // Routing on the unmasked text: which expert each word type goes to.
        var choices: [[(token: Int32, expert: Int32)]] = []
        for b in batches(masked: false) {
            model.forward(b, training: false)
            for (l, experts) in model.routedExperts.enumerated() {
                if choices.count <= l { choices.append([]) }
                for t in experts.indices where experts[t] >= 0 { choices[l].append((b.ids[t], experts[t])) }
            }
        }
        let experts = model.config.moe?.experts ?? 0
        var load: [[Double]] = [], entropy: [Double] = [], consistency: [Double] = [], shuffled: [Double] = []
        for layer in choices {
            var counts = [Double](repeating: 0, count: experts)
            for c in layer { counts[Int(c.expert)] += 1 }
            let total = counts.reduce(0, +)
            load.append(counts.map { $0 / max(total, 1) })
            let h = counts.reduce(0.0) { $0 - ($1 > 0 ? ($1 / total) * log($1 / total) : 0) }
            entropy.append(h / log(Double(max(experts, 2))))
            consistency.append(Self.consistency(layer))
            var rng = SeededRandom(seed: seed, 0x7368_7566)
            let permuted = layer.map(\.expert).seededShuffled(&rng)
            shuffled.append(Self.consistency(zip(layer, permuted).map { ($0.token, $1) }))
        }
        return Summary(steps: steps, upcycling: upcycling, upcyclingScale: upcycling == nil ? nil : scale,
                       pretrainDocuments: documents.train.count, excludedDocuments: documents.excluded,
                       heldOutDocuments: documents.heldOut.count, heldOutMLMLoss: mlm.loss, heldOutMLMAccuracy: mlm.accuracy,
                       expertSimilarityInitial: initialSimilarity, expertSimilarity: model.expertSimilarity,
                       expertLoad: load, routingEntropy: entropy, routingConsistency: consistency,
                       routingConsistencyShuffled: shuffled)
    }

    /// Σ over frequent word types of (occurrences at the type's most frequent expert) / Σ their occurrences.
    static func consistency(_ pairs: [(token: Int32, expert: Int32)]) -> Double {
        var byType: [Int32: [Int32: Int]] = [:]
        for (t, e) in pairs { byType[t, default: [:]][e, default: 0] += 1 }
        var top = 0, total = 0
        for (_, experts) in byType {
            let n = experts.values.reduce(0, +)
            guard n >= minimumOccurrences else { continue }
            top += experts.values.max()!; total += n
        }
        return total == 0 ? .nan : Double(top) / Double(total)
    }
}
