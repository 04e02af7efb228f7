import Foundation

/// safetensors on disk, plain or as one zstd frame (`*.safetensors.zst`). The compressed form is just
/// the zstd frame of the plain bytes, so `zstd -d` yields a file any safetensors reader accepts.
extension SafeTensors {
    /// zstd frame magic (0xFD2FB528, little-endian). A plain file cannot start with these bytes unless its
    /// header were ~4 GB, so reading sniffs the content rather than trusting the file name.
    static let zstdMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    public static func read(contentsOf url: URL) throws -> SafeTensors {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError(file: url.path, kind: .cannotRead(reason: "\(error.localizedDescription)"))
        }
        if data.count >= 4, data.prefix(4).elementsEqual(zstdMagic) {
            let plain: Data
            do {
                plain = try Zstd.decompress(data, what: url.path)
            } catch {
                throw SafeTensorsError(file: url.path, kind: .cannotRead(reason: "\(error)"))
            }
            return try SafeTensors(parsing: plain, source: url.path)
        }
        return try SafeTensors(parsing: data, source: url.path)
    }

    /// Writes atomically; a path ending in `.zst` is zstd-compressed at `zstdLevel`.
    public static func write(_ tensors: [Tensor], metadata: [String: String]? = nil, to url: URL,
                             zstdLevel: Int32 = 3) throws {
        var bytes = try serialize(tensors, metadata: metadata, destination: url.path)
        if url.pathExtension == "zst" { bytes = try Zstd.compress(bytes, level: zstdLevel) }
        try AtomicFile.write(bytes, to: url)
    }
}
