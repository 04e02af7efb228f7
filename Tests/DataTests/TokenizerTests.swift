import Foundation
import XCTest
import Data

/// Tokenizer behaviour on a tiny hand-written vocabulary (no network): WordPiece, truncation, offsets,
/// QA span mapping, the vocabulary trainer.
final class TokenizerTests: XCTestCase {
    let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "the", "cafe", "!", ",", "paris", "is", "in", "france", "where", "?"]
    lazy var tok = try! BertTokenizer(vocabulary: Vocabulary(tokens: tokens))

    func testGreedyLongestMatchAndUnknownWords() throws {
        XCTAssertEqual(try tok.encode("Unaffable, the CAFÉ!").ids, [2, 5, 6, 7, 11, 8, 9, 10, 3])
        XCTAssertEqual(try tok.encode("unaffx").ids, [2, 1, 3], "no piece for 'x' → whole word [UNK]")
        XCTAssertEqual(try tok.encode(String(repeating: "un", count: 51)).ids, [2, 1, 3], "102 chars > 100 → [UNK]")
    }

    func testOffsetsPointIntoOriginalText() {
        let text = "Où? CAFÉ unaffable"
        let (ids, offsets) = tok.tokenize(text)
        let scalars = Array(text.unicodeScalars)
        XCTAssertEqual(ids, [1, 17, 9, 5, 6, 7])
        XCTAssertEqual(offsets.map { String(String.UnicodeScalarView(scalars[$0.start..<$0.end])) }, ["Où", "?", "CAFÉ", "un", "aff", "able"])
    }

    func testTruncationStrategies() throws {
        let a = "the the the the the", b = "paris paris"
        let lf = try tok.encode(a, b, maxLength: 8, truncation: .longestFirst)
        XCTAssertEqual(lf.ids, [2, 8, 8, 8, 3, 12, 12, 3])
        XCTAssertEqual(lf.typeIDs, [0, 0, 0, 0, 0, 1, 1, 1])
        let os = try tok.encode(b, a, maxLength: 8, truncation: .onlySecond)
        XCTAssertEqual(os.ids, [2, 12, 12, 3, 8, 8, 8, 3])
        XCTAssertThrowsError(try tok.encode(a, b, maxLength: 4, truncation: .onlySecond))
    }

    func testSpanQAEncoding() throws {
        let ex = Example(id: "q", text: "Where is Paris?", pair: "The cafe is in Paris, France!", label: .spans([AnswerSpan(text: "Paris", start: 15)]))
        let out = try ExampleEncoder.encode([ex], tokenizer: tok, maxLength: 32)
        let e = try tok.encode(ex.text, ex.pair)
        XCTAssertEqual(out.examples[0].label, .span(start: 10, end: 10))
        XCTAssertEqual(e.ids[10], 12)
        // Truncating the context before the answer drops the row for training.
        XCTAssertEqual(try ExampleEncoder.encode([ex], tokenizer: tok, maxLength: 10).examples.count, 0)
    }

    func testTrainerIsDeterministicAndCoversTheText() throws {
        let texts = ["the cat sat on the mat", "the cats sat", "a mat for the cat", "matting cats"]
        let v = WordPieceTrainer.train(texts: texts, vocabularySize: 40, minWordFrequency: 1)
        XCTAssertEqual(v, WordPieceTrainer.train(texts: texts.reversed(), vocabularySize: 40, minWordFrequency: 1))
        XCTAssertEqual(Array(v.prefix(5)), WordPieceTrainer.specialTokens)
        XCTAssertTrue(v.contains("the") && v.contains("cat"), "\(v)")
        let t = try BertTokenizer(vocabulary: Vocabulary(tokens: v))
        XCTAssertFalse(try t.encode("the cats sat on the mat").ids.contains(t.unkID))
    }

    /// The incremental trainer gives exactly the vocabulary of the plain algorithm (every pair re-counted over
    /// every word each round, kept below as the oracle): on pseudo-words built to make many ties and merges
    /// that re-form earlier symbols, and on real words (MiniLM's whole-word entries as a corpus).
    func testIncrementalTrainerEqualsThePlainAlgorithm() throws {
        var state: UInt64 = 42
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % n }
        let syllables = ["a", "b", "ab", "ba", "aab", "ca", "ac", "t", "ta", "at", "tt"]
        let synthetic = (0..<300).map { _ in
            (0..<(3 + next(8))).map { _ in (0..<(1 + next(4))).map { _ in syllables[next(syllables.count)] }.joined() }
                .joined(separator: " ")
        }
        for size in [20, 60, 200] {
            XCTAssertEqual(WordPieceTrainer.train(texts: synthetic, vocabularySize: size, minWordFrequency: 1),
                           plainWordPiece(synthetic, vocabularySize: size, minWordFrequency: 1), "synthetic, size \(size)")
        }
        let words = try String(contentsOf: realVocabulary(), encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("##") && !$0.hasPrefix("[") && $0.count > 1 }
        let some = words.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        let real = stride(from: 0, to: some.count, by: 50).map { some[$0..<min($0 + 50, some.count)].joined(separator: " ") }
        // Vocabulary size 0 returns the special tokens and the alphabet; ask for 250 merges beyond them.
        let size = WordPieceTrainer.train(texts: real + real, vocabularySize: 0).count + 250
        let trained = WordPieceTrainer.train(texts: real + real, vocabularySize: size)
        XCTAssertEqual(trained.count, size)
        XCTAssertEqual(trained, plainWordPiece(real + real, vocabularySize: size, minWordFrequency: 2), "MiniLM words")
    }

    /// The textbook form: recount every pair over every word each round. Slow (seconds for a few thousand
    /// merges), obviously right.
    private func plainWordPiece(_ texts: [String], vocabularySize: Int, minWordFrequency: Int) -> [String] {
        var freq: [String: Int] = [:]
        for t in texts {
            for w in BertNormalizer().words(Array(t.unicodeScalars)[...], base: 0) {
                freq[String(decoding: w.utf8, as: UTF8.self), default: 0] += 1
            }
        }
        let words = freq.filter { $0.value >= minWordFrequency }.sorted { $0.key < $1.key }
        var segs: [[String]] = words.map { w in w.key.enumerated().map { $0.offset == 0 ? String($0.element) : "##" + String($0.element) } }
        var vocab = WordPieceTrainer.specialTokens + Set(segs.joined()).sorted()
        var inVocab = Set(vocab)
        while vocab.count < vocabularySize {
            var pair: [String: (a: String, b: String, n: Int)] = [:], single: [String: Int] = [:]
            for (k, s) in segs.enumerated() {
                for x in s { single[x, default: 0] += words[k].value }
                for i in s.indices.dropLast() { pair[s[i] + "|" + s[i + 1], default: (s[i], s[i + 1], 0)].n += words[k].value }
            }
            let scored = pair.values.map { p in (p, Double(p.n) / (Double(single[p.a]!) * Double(single[p.b]!))) }
            guard let best = scored.max(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0.a + $0.0.b > $1.0.a + $1.0.b) })?.0 else { break }
            let merged = best.a + (best.b.hasPrefix("##") ? String(best.b.dropFirst(2)) : best.b)
            if inVocab.insert(merged).inserted { vocab.append(merged) }
            segs = segs.map { s in
                var r: [String] = [], i = 0
                while i < s.count {
                    if i + 1 < s.count && s[i] == best.a && s[i + 1] == best.b { r.append(merged); i += 2 } else { r.append(s[i]); i += 1 }
                }
                return r
            }
        }
        return vocab
    }
}
