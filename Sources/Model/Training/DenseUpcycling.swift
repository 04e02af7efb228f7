import Foundation
import Formats

extension Transformer {
    /// Initialises this (MoE) model from a dense model's weights file (`saveWeights` format), the paper's
    /// GPT-2 recipe: every tensor with the same name and shape is copied; each MoE block's experts start as
    /// exact copies of that block's dense FFN (`blocks.N.ffn.*`); MoE-Share's shared FFN copies W1 with
    /// W2 = 0. Routers and HyperMoE parts keep their fresh initialisation. Every dense tensor must be used.
    public func upcycle(fromDenseWeights url: URL) throws {
        let file = try SafeTensors.read(contentsOf: url)
        func fail(_ s: String) -> CheckpointError { CheckpointError(file: url.path, problem: s) }
        guard file.metadata?["format"] == Self.weightsFormat else { throw fail("not an hmpipe weights file") }
        var used = Set<String>()
        func copy(_ ref: ParameterRef, from name: String, zero: Bool = false) throws {
            guard let entry = file.entries[name] else { throw fail("missing tensor \(name) for \(ref.name)") }
            guard entry.shape == ref.shape else {
                throw fail("tensor \(name) has shape \(entry.shape), \(ref.name) expects \(ref.shape)")
            }
            used.insert(name)
            if zero { params.value(ref).update(repeating: 0, count: ref.count); return }
            let values = try file.floats(name)
            values.withUnsafeBufferPointer { params.value(ref).update(from: $0.baseAddress!, count: ref.count) }
        }
        for ref in params.refs {
            let parts = ref.name.split(separator: ".").map(String.init)
            if file.entries[ref.name] != nil {
                try copy(ref, from: ref.name)
            } else if parts.count == 5, parts[0] == "blocks", parts[2] == "moe", parts[3] == "share" {
                try copy(ref, from: "blocks.\(parts[1]).ffn.\(parts[4])", zero: parts[4] == "w2" || parts[4] == "b2")
            } else if parts.count == 6, parts[0] == "blocks", parts[2] == "moe", parts[3] == "expert" {
                try copy(ref, from: "blocks.\(parts[1]).ffn.\(parts[5])")
            }
        }
        let unused = file.names.filter { !used.contains($0) }
        if !unused.isEmpty { throw fail("tensors not used by this model: \(unused.prefix(5).joined(separator: ", "))") }
    }
}
