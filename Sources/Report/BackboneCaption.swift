import Foundation
import Formats
import Pipeline

/// The caption line of a table whose cells fine-tuned a pre-trained MoE backbone (`pretrain-mlm`): what the
/// backbone is and whether it is a real MoE — held-out MLM loss and accuracy beside the dense MiniLM's under
/// the same budget, how alike its experts are (cosine of their weights per MoE layer, at upcycling → after
/// pre-training), how evenly it routes (entropy / log N) and whether routing depends on the token (the share of
/// a word type's occurrences at its most frequent expert, against the same share with the routing shuffled).
enum BackboneCaption {
    static func lines(cells: [CellResult], parameters: [String: JSONValue]) -> [String] {
        var seen = Set<String>()
        var backbones: [CellResult.Stage] = []
        for c in cells {
            // `moe_backbone`, or `sum_moe_backbone` in the summarization pipeline: one backbone by key.
            for (name, s) in c.stages where name.hasSuffix("moe_backbone") && s.status == .done && !seen.contains(s.key) {
                seen.insert(s.key); backbones.append(s)
            }
        }
        backbones.sort { ($0.metrics["experts"] ?? 0) < ($1.metrics["experts"] ?? 0) }
        let dense = cells.lazy.flatMap { $0.stages.filter { $0.key.hasSuffix("dense_backbone") }.map(\.value) }.first { $0.status == .done }
        return backbones.map { line($0, dense: dense, parameters: parameters) }
    }

    static func perLayer(_ m: [String: Double], _ prefix: String) -> [Double] {
        var out: [Double] = []
        while let v = m["\(prefix).layer\(out.count)"] { out.append(v) }
        return out
    }

    static func line(_ s: CellResult.Stage, dense: CellResult.Stage?, parameters: [String: JSONValue]) -> String {
        let m = s.metrics
        func list(_ xs: [Double]) -> String { xs.map { String(format: "%.2f", $0) }.joined(separator: " / ") }
        let experts = m["experts"].map { String(Int($0)) } ?? parameters["experts"]?.interpolationText ?? "?"
        let steps = m["pretrain_steps"].map { String(Int($0)) } ?? parameters["pretrain_steps"]?.interpolationText ?? "?"
        let upcycling = parameters["upcycling"]?.stringValue ?? "drop"
        var text = "MoE backbone (`moe_backbone`, \(experts) experts): MiniLM upcycled by \(upcycling) and pre-trained for "
            + "\(steps) masked-LM steps with the Switch router on \(m["pretrain_documents"].map { String(Int($0)) } ?? "?") prose documents "
            + "(\(m["excluded_documents"].map { String(Int($0)) } ?? "?") left out because a task validates or tests on them)"
        if let loss = m["heldout_mlm_loss"], let acc = m["heldout_mlm_accuracy"] {
            text += String(format: "; held-out MLM loss %.2f, accuracy %.1f %%", loss, acc)
            if let d = dense?.metrics, let dl = d["heldout_mlm_loss"], let da = d["heldout_mlm_accuracy"] {
                text += String(format: " (dense MiniLM, same budget: %.2f, %.1f %%)", dl, da)
            }
        }
        let sim = perLayer(m, "expert_similarity"), sim0 = perLayer(m, "expert_similarity_initial")
        if !sim.isEmpty { text += "; expert weight cosine per MoE layer \(list(sim0)) at upcycling → \(list(sim))" }
        let entropy = perLayer(m, "routing_entropy")
        if !entropy.isEmpty { text += "; routing entropy / log N \(list(entropy))" }
        let consistency = perLayer(m, "routing_consistency"), shuffled = perLayer(m, "routing_consistency_shuffled")
        if !consistency.isEmpty {
            text += "; a word type's share at its most frequent expert \(list(consistency)) (\(list(shuffled)) with the routing shuffled: "
                + "routing \(zip(consistency, shuffled).allSatisfy { $0 > $1 + 0.05 } ? "depends on the token" : "barely depends on the token"))"
        }
        return text + "."
    }
}
