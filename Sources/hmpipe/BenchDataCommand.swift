import ArgumentParser
import Data
import Foundation

/// `hmpipe bench-data`: WordPiece throughput on real prose, and shard reading against training's appetite.
struct BenchDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-data",
        abstract: "Tokenization MB/s (one core) on real news text, and token-shard read throughput.",
        discussion: """
        Uses the pinned MiniLM vocab.txt and the ABC news corpus (fetched into the cache on first use).
        Prints one JSON object per line. Targets: WordPiece ≥ 5 MB/s per core; shard reading ≥ 100× the
        tokens/s that training consumes (pass --train-tokens-per-second from `hmpipe bench`'s moe line).
        """
    )

    @Option(help: "Training tokens/s to compare shard reading against (moe, from `hmpipe bench`).")
    var trainTokensPerSecond: Double = 1500

    func run() throws {
        let fetcher = Fetcher(cacheDirectory: Fetcher.defaultCacheDirectory())
        let tokenizer = try BertTokenizer(vocabularyFile: try fetcher.fetch(Catalogue.miniLMVocab))
        let text = try NewsReader.articles(try fetcher.fetch(Catalogue.leeBackground))
        let bytes = text.reduce(0) { $0 + $1.utf8.count }
        var start = Date()
        var encoded: [TokenizedExample] = []
        for article in text { encoded.append(TokenizedExample(ids: tokenizer.tokenize(article).ids, label: .none)) }
        let tokenizeSeconds = Date().timeIntervalSince(start)

        // Shards: the corpus' ids cut into 128-token rows, repeated to ~2M tokens, written and read back in batches.
        let all = encoded.flatMap(\.ids)
        var rows: [TokenizedExample] = []
        while rows.count * 128 < 2_000_000 {
            for i in stride(from: 0, to: all.count - 128, by: 128) {
                rows.append(TokenizedExample(ids: Array(all[i..<(i + 128)]), label: .classIndex(Int32(i % 2))))
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-bench-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bench.shard")
        try ShardFile.write(rows, kind: .classIndex, vocabHash: tokenizer.vocabulary.hash, to: file)
        start = Date()
        let reader = try ShardReader(files: [file], vocabHash: tokenizer.vocabulary.hash)
        var stream = BatchStream(reader: reader, plan: .init(batchSize: 32, seed: 1))
        var tokens = 0
        for _ in 0..<stream.batchesPerEpoch { tokens += stream.next()!.tokenCount }
        let readSeconds = Date().timeIntervalSince(start)
        let readRate = Double(tokens) / readSeconds
        let out: [String: Double] = [
            "tokenize_mb_per_second": Double(bytes) / 1e6 / tokenizeSeconds,
            "tokenize_bytes": Double(bytes),
            "shard_read_tokens_per_second": readRate,
            "shard_read_over_training": readRate / trainTokensPerSecond,
        ]
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        print(String(decoding: try e.encode(out), as: UTF8.self))
    }
}
