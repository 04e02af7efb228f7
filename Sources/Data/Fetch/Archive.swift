import Foundation

/// Extracts one member of a zip (wheel) or tar(.gz) archive to a file, using the system `unzip`/`tar`
/// rather than our own readers: they are present on every Debian image and handle every zip/tar variant.
public enum Archive {
    public enum Kind: Sendable { case zip, tarGzip, tar, bzip2 }

    public static func kind(of name: String) -> Kind? {
        let n = name.lowercased()
        if n.hasSuffix(".whl") || n.hasSuffix(".zip") { return .zip }
        if n.hasSuffix(".tar.gz") || n.hasSuffix(".tgz") { return .tarGzip }
        if n.hasSuffix(".tar") { return .tar }
        return nil
    }

    /// Writes member `member` of `archive` to `destination`.
    public static func extract(member: String, from archive: URL, to destination: URL) throws {
        guard let kind = kind(of: archive.lastPathComponent) else {
            throw FetchError.missing(source: archive.path, detail: "not a zip/wheel or tar(.gz) archive; cannot take member \(member)")
        }
        do {
            switch kind {
            case .zip: try ExternalTool.run("unzip", ["-p", archive.path, member], stdoutTo: destination)
            case .tarGzip: try ExternalTool.run("tar", ["-xzOf", archive.path, member], stdoutTo: destination)
            case .tar: try ExternalTool.run("tar", ["-xOf", archive.path, member], stdoutTo: destination)
            case .bzip2: try ExternalTool.run("bzip2", ["-dc", archive.path], stdoutTo: destination)
            }
        } catch FetchError.toolFailed(let tool, _, let status, let stderr) {
            try? FileManager.default.removeItem(at: destination)
            throw FetchError.missing(source: archive.lastPathComponent,
                                     detail: "member \(member) could not be extracted (\(tool) status \(status)): \(stderr.prefix(300))")
        }
    }
}

/// bzip2 decompression via the `bzip2` binary (Debian's `bzip2` package; present on this image). The
/// Wikipedia sample is the only bz2 input, read once per prepare, so a subprocess is fine.
public enum Bzip2 {
    public static func decompress(file: URL) throws -> Data {
        guard ExternalTool.exists("bzip2") else {
            throw FetchError.missing(source: file.path, detail: "the `bzip2` program is needed to read .bz2 files (apt-get install bzip2)")
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("hmpipe-bz2-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try ExternalTool.run("bzip2", ["-dc", file.path], stdoutTo: tmp)
        return try Data(contentsOf: tmp)
    }
}
