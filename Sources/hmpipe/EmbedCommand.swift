import ArgumentParser
import Data
import Foundation
import Model

/// `hmpipe embed`: how a user checks that a pretrained backbone loaded right.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the mean-pooled, L2-normalised sentence embedding of each SENTENCE under a BERT checkpoint.",
        discussion: """
        --model names a folder with config.json, model.safetensors and vocab.txt (e.g. the pinned MiniLM,
        fetched by `make fetch-test-data` into .hmpipe/pinned/minilm). One JSON array per sentence.
        Two paraphrases should score cosine ≈ 0.6–0.85 under MiniLM, unrelated sentences ≈ 0.
        """
    )

    @Option(help: "Folder holding config.json, model.safetensors and vocab.txt.") var model: String
    @Argument(help: "Sentences to embed.") var sentences: [String]

    func run() throws {
        let dir = URL(fileURLWithPath: model)
        let weights = try BertWeights.load(directory: dir)
        let tokenizer = try BertTokenizer(vocabularyFile: dir.appendingPathComponent("vocab.txt"))
        let encoded = try sentences.map { try tokenizer.encode($0, maxLength: weights.config.maxPositionEmbeddings).ids }
        let length = encoded.map(\.count).max() ?? 1
        let config = try ModelConfig(bert: weights.config, maxPositions: length, moe: nil, head: .classification(classes: 2))
        let transformer = Transformer(config: config, maxBatch: max(encoded.count, 1), maxLength: length, seed: 0)
        try transformer.load(bert: weights)
        var ids = [Int32](), mask = [Float]()
        for row in encoded {
            ids += row + [Int32](repeating: 0, count: length - row.count)
            mask += [Float](repeating: 1, count: row.count) + [Float](repeating: 0, count: length - row.count)
        }
        let batch = ModelBatch(batch: encoded.count, length: length, ids: ids, mask: mask,
                               labels: .classes([Int32](repeating: 0, count: encoded.count)))
        for embedding in transformer.sentenceEmbeddings(batch) {
            print("[" + embedding.map { String(format: "%.7g", $0) }.joined(separator: ",") + "]")
        }
    }
}
