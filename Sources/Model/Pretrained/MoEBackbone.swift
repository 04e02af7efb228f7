import Foundation
import Formats

extension Transformer {
    /// Starts a fine-tune from a pre-trained MoE backbone (a `pretrain-mlm` stage's weights file): every tensor
    /// the backbone shares with this model by name is copied — embeddings, attention, norms, every expert and
    /// the Switch router — so MoE, MoE-Share and HyperMoE all start from the same experts and router. Not copied:
    /// the MLM head (`mlm.*`); the router when this model routes differently (its tensors are named apart); and
    /// parts the backbone does not have (task head, HyperMoE, MoE-Share's shared FFN), which keep what
    /// `load(bert:)` or initialisation gave them. Position embeddings are copied for the rows both have (a
    /// fine-tune longer than the pre-training keeps the BERT rows beyond). Returns the names copied.
    @discardableResult
    public func load(moeBackbone url: URL) throws -> [String] {
        let file = try SafeTensors.read(contentsOf: url)
        func fail(_ s: String) -> CheckpointError { CheckpointError(file: url.path, problem: s) }
        guard file.metadata?["format"] == Self.weightsFormat else { throw fail("not an hmpipe weights file") }
        // The expert count and MoE blocks must match, or the experts cannot be the backbone's.
        if let m = config.moe, let e = file.names.compactMap(Self.expertIndex).max(), e + 1 != m.experts {
            throw fail("the backbone was pre-trained with \(e + 1) experts, this model has \(m.experts): other experts than this model's")
        }
        var copied: [String] = []
        for ref in params.refs {
            guard let entry = file.entries[ref.name] else {
                if ref.name.contains(".moe.expert.") {
                    throw fail("the backbone has no \(ref.name): it was pre-trained with other experts or MoE blocks than this model")
                }
                continue
            }
            let values = try file.floats(ref.name)
            if ref.name.hasSuffix("embeddings.position"), entry.shape.count == 2, entry.shape[1] == ref.shape[1] {
                let n = min(entry.shape[0], ref.shape[0]) * ref.shape[1]
                values.withUnsafeBufferPointer { params.value(ref).update(from: $0.baseAddress!, count: n) }
                copied.append(ref.name); continue
            }
            guard entry.shape == ref.shape else {
                throw fail("tensor \(ref.name) has shape \(entry.shape), the model expects \(ref.shape)")
            }
            values.withUnsafeBufferPointer { params.value(ref).update(from: $0.baseAddress!, count: ref.count) }
            copied.append(ref.name)
        }
        let known = Set(params.refs.map(\.name))
        let unused = file.names.filter { !known.contains($0) && !$0.hasPrefix("mlm.") && !$0.hasSuffix(".moe.router") }
        if !unused.isEmpty { throw fail("backbone tensors this model has no place for: \(unused.prefix(5).joined(separator: ", "))") }
        return copied
    }

    /// E of `blocks.N.moe.expert.E.*`.
    static func expertIndex(_ name: String) -> Int? {
        let parts = name.split(separator: ".")
        guard parts.count >= 5, parts[2] == "moe", parts[3] == "expert" else { return nil }
        return Int(parts[4])
    }
}
