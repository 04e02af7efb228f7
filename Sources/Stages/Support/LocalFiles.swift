import Data
import Foundation

/// The user's own dataset files named in stage parameters (`"files": {"train_file": {"path": …, "sha256": …}}`),
/// for profiles whose data differ from the default's while the stage's inputs stay the same. The declared
/// sha256 enters the cache key and is checked before the file is read, as `fetch` does for `path` sources.
struct LocalFile: Decodable, Sendable {
    var path: String
    var sha256: String

    static func validate(_ files: [String: LocalFile], parameter: String) throws {
        for (name, f) in files {
            guard !f.path.isEmpty else { throw StageParameterError(path: "\(parameter).\(name).path", "give the file's path") }
            guard f.sha256.count == 64, f.sha256.allSatisfy(\.isHexDigit) else {
                throw StageParameterError(path: "\(parameter).\(name).sha256", "expected 64 hex digits (sha256sum of \(f.path))")
            }
        }
    }

    /// Input name → the verified file, in place.
    static func verified(_ files: [String: LocalFile]) throws -> [String: URL] {
        let fetcher = Fetcher(cacheDirectory: Fetcher.defaultCacheDirectory())
        return try files.mapValues { try fetcher.fetchSource(.local(path: $0.path), sha256: $0.sha256.lowercased()) }
    }
}
