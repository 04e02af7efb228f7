/// Finding an ASCII delimiter (`<page>`, `<ref`, `[http`) by UTF-8 bytes. Foundation's `range(of:)` on a
/// Substring bridges to NSString and re-derives UTF-16 offsets from the start of the base string on every
/// call, which made reading the 10 MB Wikipedia sample quadratic (≈ 20 s); a byte scan is linear. For an
/// ASCII needle it finds the same ranges.
extension Substring {
    func range(ofASCII needle: String) -> Range<Index>? {
        let pattern = Array(needle.utf8)
        let offset = utf8.withContiguousStorageIfAvailable { Self.firstOffset(of: pattern, in: $0) }
            ?? Self.firstOffset(of: pattern, in: Array(utf8))
        guard let offset else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: offset)
        return lower..<utf8.index(lower, offsetBy: pattern.count)
    }

    private static func firstOffset<C: RandomAccessCollection>(of pattern: [UInt8], in bytes: C) -> Int?
    where C.Element == UInt8, C.Index == Int {
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        var i = bytes.startIndex
        let last = bytes.endIndex - pattern.count
        while i <= last {
            if bytes[i] == first, pattern.indices.allSatisfy({ bytes[i + $0] == pattern[$0] }) { return i - bytes.startIndex }
            i += 1
        }
        return nil
    }
}
