import Crypto
import Foundation

/// SHA-256 as lowercase hex: cache keys, artifact checksums and pinned-file verification all use this.
public enum Hashing {
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lowercase hex of a digest; by table, as `String(format:)` per byte costs more than the hash itself for
    /// short inputs (every example's source fingerprint goes through here).
    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func sha256Hex(_ string: String) -> String { sha256Hex(Data(string.utf8)) }

    /// Streams the file in 4 MiB chunks so hashing a large artifact needs no large buffer.
    public static func sha256Hex(fileAt url: URL) throws -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }
}
