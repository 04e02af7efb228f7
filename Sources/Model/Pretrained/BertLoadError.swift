import Formats

/// Why a pretrained BERT checkpoint could not be loaded. Always names the file, and the tensor or
/// config key at fault, with expected vs actual, so a mismatched checkpoint is fixed from the message.
/// (Byte-level problems with the safetensors file itself surface as `SafeTensorsError`.)
public struct BertLoadError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case cannotRead(reason: String)
        case invalidConfig(reason: String)
        case missingTensor(name: String, expectedShape: [Int])
        case wrongShape(name: String, expected: [Int], actual: [Int])
        case wrongDType(name: String, expected: SafeTensorsDType, actual: SafeTensorsDType)
        /// Tensors the encoder has no place for (e.g. more layers than config.json says, or a task head).
        case unknownTensors(names: [String])
    }

    public let file: String
    public let kind: Kind

    public init(file: String, kind: Kind) {
        self.file = file
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .cannotRead(let reason): return "\(file): cannot read: \(reason)"
        case .invalidConfig(let reason): return "\(file): invalid BERT config: \(reason)"
        case .missingTensor(let name, let shape): return "\(file): missing tensor '\(name)' (expected shape \(shape))"
        case .wrongShape(let name, let expected, let actual):
            return "\(file): tensor '\(name)' has shape \(actual), expected \(expected)"
        case .wrongDType(let name, let expected, let actual):
            return "\(file): tensor '\(name)' is \(actual.rawValue), expected \(expected.rawValue)"
        case .unknownTensors(let names):
            let shown = names.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            return "\(file): \(names.count) unknown tensor(s) not part of a BERT encoder: \(shown)\(names.count > 5 ? ", …" : "")"
        }
    }
}
