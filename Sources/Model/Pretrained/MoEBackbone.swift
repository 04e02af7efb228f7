import Foundation
import Formats

/// Copies a pre-trained MoE backbone (a `pretrain-mlm` stage's weights file) into a model's parameters, by a
/// name mapping: the MLM head (`mlm.*`) never, the router only where the model routes the same way (the
/// noisy router's tensors are named apart), position tables for the rows both have (a model longer than the
/// pre-training keeps BERT's rows beyond). Parts the backbone does not have (task head, HyperMoE, MoE-Share's
/// shared FFN, cross-attention) keep what `load(bert:)` or initialisation gave them.
struct BackboneCopy {
    let file: SafeTensors
    let url: URL

    init(_ url: URL, weightsFormat: String) throws {
        self.url = url
        file = try SafeTensors.read(contentsOf: url)
        guard file.metadata?["format"] == weightsFormat else { throw fail("not an hmpipe weights file") }
    }

    func fail(_ s: String) -> CheckpointError { CheckpointError(file: url.path, problem: s) }

    /// E of `blocks.N.moe.expert.E.*`.
    static func expertIndex(_ name: String) -> Int? {
        let parts = name.split(separator: ".")
        guard parts.count >= 5, parts[2] == "moe", parts[3] == "expert" else { return nil }
        return Int(parts[4])
    }

    /// `source(name)` = the backbone tensor feeding model tensor `name`, or nil. Returns the names copied and the
    /// backbone tensors used.
    func copy(into params: ParameterSet, experts: Int?, source: (String) -> String?) throws -> (copied: [String], used: Set<String>) {
        // The expert count must match, or the experts cannot be the backbone's.
        if let n = experts, let e = file.names.compactMap(Self.expertIndex).max(), e + 1 != n {
            throw fail("the backbone was pre-trained with \(e + 1) experts, this model has \(n): other experts than this model's")
        }
        var copied: [String] = [], used = Set<String>()
        for ref in params.refs {
            guard let name = source(ref.name) else { continue }
            guard let entry = file.entries[name] else {
                if ref.name.contains(".moe.expert.") {
                    throw fail("the backbone has no \(name): it was pre-trained with other experts or MoE blocks than this model")
                }
                continue
            }
            let values = try file.floats(name)
            if ref.name.hasSuffix("embeddings.position"), entry.shape.count == 2, entry.shape[1] == ref.shape[1] {
                let n = min(entry.shape[0], ref.shape[0]) * ref.shape[1]
                values.withUnsafeBufferPointer { params.value(ref).update(from: $0.baseAddress!, count: n) }
            } else {
                guard entry.shape == ref.shape else {
                    throw fail("tensor \(name) has shape \(entry.shape), \(ref.name) expects \(ref.shape)")
                }
                values.withUnsafeBufferPointer { params.value(ref).update(from: $0.baseAddress!, count: ref.count) }
            }
            copied.append(ref.name); used.insert(name)
        }
        return (copied, used)
    }

    /// Backbone tensors a model should have used (all but the MLM head and the router of another routing).
    func requireUsed(_ used: Set<String>) throws {
        let unused = file.names.filter { !used.contains($0) && !$0.hasPrefix("mlm.") && !$0.hasSuffix(".moe.router") }
        if !unused.isEmpty { throw fail("backbone tensors this model has no place for: \(unused.prefix(5).joined(separator: ", "))") }
    }
}

extension Transformer {
    /// Starts a fine-tune from a pre-trained MoE backbone: every tensor it shares with this model by name —
    /// embeddings, attention, norms, every expert and the Switch router — so MoE, MoE-Share and HyperMoE all
    /// start from the same experts and router (`BackboneCopy` says what is not copied). Returns the names copied.
    @discardableResult
    public func load(moeBackbone url: URL) throws -> [String] {
        let backbone = try BackboneCopy(url, weightsFormat: Self.weightsFormat)
        let (copied, used) = try backbone.copy(into: params, experts: config.moe?.experts) { $0 }
        try backbone.requireUsed(used)
        return copied
    }
}

extension Seq2SeqTransformer {
    /// BERT2BERT from the pre-trained MoE backbone, as `load(bert:)` warm-starts from BERT: the encoder is the
    /// backbone; the decoder's self-attention, norms, experts and router are its bottom layers', its position/type
    /// tables and embedding norm copies of the backbone's (the word table is shared). Cross-attention keeps what
    /// `load(bert:)` gave it (a copy of MiniLM's self-attention, or fresh). Call after `load(bert:)`.
    @discardableResult
    public func load(moeBackbone url: URL) throws -> [String] {
        let backbone = try BackboneCopy(url, weightsFormat: Self.weightsFormat)
        let (copied, used) = try backbone.copy(into: params, experts: config.model.moe?.experts) { name in
            if name.hasPrefix("encoder.") { return String(name.dropFirst("encoder.".count)) }
            guard name.hasPrefix("decoder."), !name.contains(".cross."), !name.contains(".norm_cross.") else { return nil }
            return String(name.dropFirst("decoder.".count))
        }
        try backbone.requireUsed(used)
        return copied
    }
}
