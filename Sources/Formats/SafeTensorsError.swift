/// Everything that can be wrong with a safetensors file, always naming the file (and the tensor when
/// there is one) so a bad checkpoint is diagnosed from the message alone.
public struct SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case cannotRead(reason: String)
        /// Shorter than the 8-byte header-length prefix.
        case truncated(byteCount: Int)
        case headerBeyondFile(headerLength: UInt64, fileSize: Int)
        /// Header is not UTF-8, not JSON, or not the expected JSON structure.
        case invalidHeader(reason: String)
        case unknownDType(tensor: String, dtype: String)
        case invalidShape(tensor: String, shape: [Int])
        case offsetsOutOfRange(tensor: String, begin: Int, end: Int, dataSize: Int)
        case sizeMismatch(tensor: String, dtype: SafeTensorsDType, shape: [Int], expectedBytes: Int, actualBytes: Int)
        case overlapping(tensor: String, other: String)
        /// Data bytes no tensor owns: between tensors, or after the last one (the reference reader rejects both).
        case unclaimedBytes(at: Int, count: Int)
        case missingTensor(tensor: String)
        case wrongDType(tensor: String, expected: [SafeTensorsDType], actual: SafeTensorsDType)
        case duplicateTensor(tensor: String)
        case reservedName(tensor: String)
    }

    public let file: String
    public let kind: Kind

    public init(file: String, kind: Kind) {
        self.file = file
        self.kind = kind
    }

    public var description: String {
        let what: String
        switch kind {
        case .cannotRead(let reason): what = "cannot read: \(reason)"
        case .truncated(let n): what = "truncated: \(n) bytes, shorter than the 8-byte header length"
        case .headerBeyondFile(let len, let size):
            what = "header length \(len) runs past the end of the \(size)-byte file (truncated or not safetensors)"
        case .invalidHeader(let reason): what = "invalid header: \(reason)"
        case .unknownDType(let t, let d): what = "tensor '\(t)': unknown dtype '\(d)'"
        case .invalidShape(let t, let s): what = "tensor '\(t)': invalid shape \(s)"
        case .offsetsOutOfRange(let t, let b, let e, let size):
            what = "tensor '\(t)': data_offsets [\(b), \(e)] outside the \(size)-byte data section"
        case .sizeMismatch(let t, let d, let s, let expected, let actual):
            what = "tensor '\(t)': shape \(s) × \(d.rawValue) needs \(expected) bytes but data_offsets span \(actual)"
        case .overlapping(let t, let o): what = "tensor '\(t)' overlaps tensor '\(o)'"
        case .unclaimedBytes(let at, let n): what = "\(n) data bytes at offset \(at) belong to no tensor"
        case .missingTensor(let t): what = "no tensor named '\(t)'"
        case .wrongDType(let t, let expected, let actual):
            what = "tensor '\(t)' is \(actual.rawValue), expected \(expected.map(\.rawValue).joined(separator: " or "))"
        case .duplicateTensor(let t): what = "tensor '\(t)' given twice"
        case .reservedName(let t): what = "'\(t)' is reserved for metadata and cannot name a tensor"
        }
        return "\(file): \(what)"
    }
}
