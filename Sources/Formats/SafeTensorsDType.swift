/// Element types of the safetensors format, spelled as in the file header.
///
/// The declaration order is the reference (Rust) crate's `Dtype` order. Its writer lays tensors out by
/// descending dtype, then by name, so that wide elements come first and every tensor stays aligned to its
/// element size; `SafeTensors.serialize` uses `layoutRank` to produce the same bytes as Python's
/// `safetensors.numpy.save`.
public enum SafeTensorsDType: String, Sendable, CaseIterable, Codable {
    case BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3: return 1
        case .I16, .U16, .F16, .BF16: return 2
        case .I32, .U32, .F32: return 4
        case .F64, .I64, .U64: return 8
        }
    }

    /// Position in the reference crate's ordering; higher ranks are written first.
    public var layoutRank: Int { Self.allCases.firstIndex(of: self)! }
}
