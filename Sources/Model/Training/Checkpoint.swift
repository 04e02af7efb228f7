import Foundation
import Formats
import Kernels

/// Checkpoints are safetensors (zstd-compressed when the path ends in .zst) holding, per parameter tensor,
/// `param/NAME`, `adam_m/NAME`, `adam_v/NAME`, plus `state/step`, `state/rng` and caller state (e.g. the data
/// position) as I64 tensors `state/…`. The model config rides in the metadata. Resuming restores all of it,
/// so a resumed run continues bit-identically.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let problem: String
    public var description: String { "\(file): \(problem)" }
}

extension Trainer {
    public static var checkpointFormat: String { "hmpipe-checkpoint-1" }

    public func save(to url: URL, state: [String: [Int64]] = [:]) throws {
        let p = model.params
        var tensors: [SafeTensors.Tensor] = []
        for ref in p.refs {
            for (prefix, buffer) in [("param", p.values), ("adam_m", p.adamM), ("adam_v", p.adamV)] {
                let values = Array(UnsafeBufferPointer(start: buffer.pointer + ref.offset, count: ref.count))
                tensors.append(.init(name: "\(prefix)/\(ref.name)", shape: ref.shape, floats: values))
            }
        }
        tensors.append(.init(name: "state/step", shape: [1], int64s: [Int64(step)]))
        tensors.append(.init(name: "state/rng", shape: [4], int64s: model.rng.words.map { Int64(bitPattern: $0) }))
        for (key, values) in state { tensors.append(.init(name: "state/user/\(key)", shape: [values.count], int64s: values)) }
        let config = try canonicalJSON(model.config)
        try SafeTensors.write(tensors, metadata: ["format": Self.checkpointFormat, "config": config], to: url)
    }

    /// Restores weights, moments, step and RNG; returns the caller state saved with it.
    /// Every tensor must exist with the model's shape, and no unknown tensor may be present.
    @discardableResult
    public func load(from url: URL) throws -> [String: [Int64]] {
        let file = try SafeTensors.read(contentsOf: url)
        func fail(_ s: String) -> CheckpointError { CheckpointError(file: url.path, problem: s) }
        guard file.metadata?["format"] == Self.checkpointFormat else {
            throw fail("not an hmpipe checkpoint (metadata format is \(file.metadata?["format"] ?? "missing"))")
        }
        let p = model.params
        var expected = Set(["state/step", "state/rng"])
        for ref in p.refs {
            for (prefix, buffer) in [("param", p.values), ("adam_m", p.adamM), ("adam_v", p.adamV)] {
                let name = "\(prefix)/\(ref.name)"
                expected.insert(name)
                guard let entry = file.entries[name] else { throw fail("missing tensor \(name)") }
                guard entry.shape == ref.shape else {
                    throw fail("tensor \(name) has shape \(entry.shape), the model expects \(ref.shape)")
                }
                let values = try file.floats(name)
                values.withUnsafeBufferPointer { (buffer.pointer + ref.offset).update(from: $0.baseAddress!, count: ref.count) }
            }
        }
        var state: [String: [Int64]] = [:]
        for name in file.names where !expected.contains(name) {
            guard name.hasPrefix("state/user/") else { throw fail("unknown tensor \(name) (a different model?)") }
            state[String(name.dropFirst("state/user/".count))] = try file.int64s(name)
        }
        guard let stepValue = try file.int64s("state/step").first else { throw fail("state/step is empty") }
        let words = try file.int64s("state/rng")
        guard words.count == 4 else { throw fail("state/rng must hold 4 words, has \(words.count)") }
        step = Int(stepValue)
        model.rng = Rng(words: words.map { UInt64(bitPattern: $0) })
        return state
    }
}

extension TrainableModel {
    public static var weightsFormat: String { "hmpipe-weights-1" }

    /// Weights only (what a finished training stage hands to evaluation), with the config in the metadata.
    public func saveWeights(to url: URL) throws {
        let tensors = params.refs.map { ref in
            SafeTensors.Tensor(name: ref.name, shape: ref.shape,
                               floats: Array(UnsafeBufferPointer(start: params.value(ref), count: ref.count)))
        }
        let config = try canonicalJSON(self.config)
        try SafeTensors.write(tensors, metadata: ["format": Self.weightsFormat, "config": config], to: url)
    }

    /// The model config stored in a weights file or checkpoint.
    public static func config(ofFile url: URL) throws -> Config {
        let file = try SafeTensors.read(contentsOf: url)
        guard let json = file.metadata?["config"] else {
            throw CheckpointError(file: url.path, problem: "no model config in the metadata")
        }
        return try JSONDecoder().decode(Config.self, from: Data(json.utf8))
    }

    /// Loads a weights file written by `saveWeights`; every tensor must match by name and shape.
    public func loadWeights(from url: URL) throws {
        let file = try SafeTensors.read(contentsOf: url)
        func fail(_ s: String) -> CheckpointError { CheckpointError(file: url.path, problem: s) }
        guard file.metadata?["format"] == Self.weightsFormat else { throw fail("not an hmpipe weights file") }
        let known = Set(params.refs.map(\.name))
        if let unknown = file.names.first(where: { !known.contains($0) }) { throw fail("unknown tensor \(unknown)") }
        for ref in params.refs {
            guard let entry = file.entries[ref.name] else { throw fail("missing tensor \(ref.name)") }
            guard entry.shape == ref.shape else {
                throw fail("tensor \(ref.name) has shape \(entry.shape), the model expects \(ref.shape)")
            }
            let values = try file.floats(ref.name)
            values.withUnsafeBufferPointer { params.value(ref).update(from: $0.baseAddress!, count: ref.count) }
        }
    }
}

/// Sorted keys: the bytes of a checkpoint must not depend on the process's dictionary hash seed
/// (artifacts are content-addressed, and resumed runs are compared byte for byte).
func canonicalJSON<C: Encodable>(_ c: C) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    return String(decoding: try e.encode(c), as: UTF8.self)
}
