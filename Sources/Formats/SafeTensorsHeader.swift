import Foundation

/// The JSON header of a safetensors file: decoding into raw (unvalidated) entries, and encoding
/// byte-for-byte the way the reference writer (serde_json, compact) does.
enum SafeTensorsHeader {
    struct RawEntry: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]
        enum CodingKeys: String, CodingKey { case dtype, shape, dataOffsets = "data_offsets" }
    }

    struct Raw: Decodable {
        var metadata: [String: String]?
        var tensors: [String: RawEntry] = [:]

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        // The header mixes one special key with tensor entries, so it is decoded key by key.
        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if key.stringValue == metadataKey {
                    metadata = try container.decode([String: String].self, forKey: key)
                } else {
                    tensors[key.stringValue] = try container.decode(RawEntry.self, forKey: key)
                }
            }
        }
    }

    static let metadataKey = "__metadata__"

    static func decode(_ header: Data, source: String) throws -> Raw {
        func invalid(_ reason: String) -> SafeTensorsError {
            SafeTensorsError(file: source, kind: .invalidHeader(reason: reason))
        }
        guard String(data: header, encoding: .utf8) != nil else { throw invalid("not UTF-8") }
        do {
            return try JSONDecoder().decode(Raw.self, from: header)
        } catch let error as DecodingError {
            throw invalid(describe(error))
        } catch {
            throw invalid("not JSON (\(error))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.isEmpty ? "" : " at " + c.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let c): return "not JSON\(path(c)): \(c.debugDescription)"
        case .keyNotFound(let key, let c): return "missing '\(key.stringValue)'\(path(c))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "wrong type\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// Compact JSON: `__metadata__` first (keys sorted, for determinism), then tensors in layout order,
    /// each as `{"dtype":…,"shape":[…],"data_offsets":[b,e]}`; padded with spaces to a multiple of 8.
    static func encode(metadata: [String: String]?, tensors: [(name: String, dtype: SafeTensorsDType, shape: [Int], offsets: Range<Int>)]) -> Data {
        var json = "{"
        var first = true
        if let metadata {
            json += JSONString.quoted(metadataKey) + ":{"
            json += metadata.keys.sorted().map { JSONString.quoted($0) + ":" + JSONString.quoted(metadata[$0]!) }.joined(separator: ",")
            json += "}"
            first = false
        }
        for t in tensors {
            if !first { json += "," }
            first = false
            json += JSONString.quoted(t.name) + ":{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":["
            json += t.shape.map(String.init).joined(separator: ",")
            json += "],\"data_offsets\":[\(t.offsets.lowerBound),\(t.offsets.upperBound)]}"
        }
        json += "}"
        var bytes = Data(json.utf8)
        bytes.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - bytes.count % 8) % 8))
        return bytes
    }

}
