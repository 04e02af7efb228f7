import Foundation
import Formats

/// A document an example was built from, for the no-leakage rule: a source document may feed only one of
/// train / validation / test. Identity is the *content*: the SHA-256 of the text with runs of whitespace
/// collapsed, so the same sentence filed twice under two ids (VADER has such duplicates, the ABC news file
/// repeats seven articles) is one document. Case is kept: VADER's tweets rate "GREAT" and "great" apart.
public struct SourceDocument: Sendable, Hashable, Codable {
    /// Readable name for messages (an article id, "lee-7", a VADER sentence id); not part of the identity.
    public var id: String
    /// Hex SHA-256 of the whitespace-normalised text: the identity.
    public var fingerprint: String

    public init(id: String, text: String) {
        self.id = id
        self.fingerprint = Self.fingerprint(text)
    }

    public static func fingerprint(_ text: String) -> String {
        var normalised: [UInt8] = []
        normalised.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !normalised.isEmpty
                continue
            }
            if pendingSpace { normalised.append(0x20); pendingSpace = false }
            UTF8.encode(scalar) { normalised.append($0) }
        }
        return Hashing.sha256Hex(Data(normalised))
    }
}
