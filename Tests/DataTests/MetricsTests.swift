import Foundation
import XCTest
import Data

/// Metrics against golden numbers from the reference implementations (scripts/make_metric_golden.py)
/// and hand-computed edge cases.
final class MetricsTests: XCTestCase {
    struct Golden: Decodable {
        struct Stems: Decodable { let words: [String]; let nltk: [String]; let original: [String] }
        struct R: Decodable { let target: String; let prediction: String; let stem: Bool; let rouge1: Double; let rouge2: Double; let rougeL: Double }
        struct C: Decodable { let x: [Double]; let y: [Double]; let pearson: Double; let spearman: Double }
        struct M: Decodable { let labels: [Int]; let predictions: [Int]; let mcc: Double }
        let stems: Stems; let rouge: [R]; let correlation: [C]; let mcc: [M]
    }
    lazy var golden: Golden = try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: goldenURL("metric_golden.json")))

    func testPorterStemmerMatchesNLTKBothModes() {
        let nltk = PorterStemmer(mode: .nltk), original = PorterStemmer(mode: .original)
        for (i, w) in golden.stems.words.enumerated() {
            XCTAssertEqual(nltk.stem(w), golden.stems.nltk[i], "nltk mode: \(w)")
            XCTAssertEqual(original.stem(w), golden.stems.original[i], "original mode: \(w)")
        }
    }

    func testRougeMatchesRougeScore() {
        for g in golden.rouge {
            let s = Rouge.score(target: g.target, prediction: g.prediction, stem: g.stem)
            XCTAssertEqual(s.rouge1, g.rouge1, accuracy: 1e-12, "\(g.target) | \(g.prediction) stem=\(g.stem)")
            XCTAssertEqual(s.rouge2, g.rouge2, accuracy: 1e-12)
            XCTAssertEqual(s.rougeL, g.rougeL, accuracy: 1e-12)
        }
    }

    func testCorrelationsMatchScipy() {
        for g in golden.correlation {
            XCTAssertEqual(Correlation.pearson(g.x, g.y), g.pearson, accuracy: 1e-12)
            XCTAssertEqual(Correlation.spearman(g.x, g.y), g.spearman, accuracy: 1e-12)
        }
        XCTAssertEqual(Correlation.averageRanks([10, 20, 20, 5]), [2, 3.5, 3.5, 1])
        XCTAssertTrue(Correlation.pearson([1, 1, 1], [1, 2, 3]).isNaN, "constant input is undefined, as scipy")
    }

    func testMatthewsMatchesSklearnFormula() {
        for g in golden.mcc {
            XCTAssertEqual(ClassificationMetrics.matthews(predictions: g.predictions, labels: g.labels), g.mcc, accuracy: 1e-12)
        }
        XCTAssertEqual(ClassificationMetrics.matthews(predictions: [1, 1, 1, 1], labels: [0, 1, 0, 1]), 0, "constant predictions → 0")
        XCTAssertEqual(ClassificationMetrics.matthews(predictions: [0, 1, 0, 1], labels: [0, 1, 0, 1]), 1)
    }

    func testAccuracyAndF1() {
        // tp=2 fp=1 fn=1 → F1 = 4/6
        XCTAssertEqual(ClassificationMetrics.f1(predictions: [1, 1, 1, 0, 0], labels: [1, 1, 0, 1, 0]), 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(ClassificationMetrics.accuracy(predictions: [1, 1, 1, 0, 0], labels: [1, 1, 0, 1, 0]), 0.6, accuracy: 1e-12)
        XCTAssertEqual(ClassificationMetrics.f1(predictions: [0, 0], labels: [0, 0]), 0, "no positives anywhere → 0 (sklearn zero_division)")
    }

    /// sklearn `f1_score(average="macro")` by hand: class 0 F1 0.8, classes 1 and 2 F1 0 → 0.8 / 3.
    func testMacroF1AndMultiRCAnswerSets() {
        XCTAssertEqual(ClassificationMetrics.macroF1(predictions: [0, 1, 2, 0, 1, 2], labels: [0, 2, 1, 0, 0, 1]), 0.8 / 3, accuracy: 1e-12)
        XCTAssertEqual(ClassificationMetrics.macroF1(predictions: [1, 1], labels: [1, 1]), 1)
        // Question 1 all right, question 2 not: EM 50; F1a over the five answers: tp 2, fp 1, fn 1 → 2/3.
        let s = AnswerSetMetrics.score(predictions: [[1, 0], [1, 1, 0]], labels: [[1, 0], [0, 1, 1]])
        XCTAssertEqual(s.exactMatch, 50)
        XCTAssertEqual(s.f1a, 200.0 / 3, accuracy: 1e-9)
    }

    func testSQuADNormalisationAndScores() {
        XCTAssertEqual(SQuADMetric.normalize("The  Quick, brown fox!"), "quick brown fox")
        XCTAssertEqual(SQuADMetric.normalize("an apple a day theatre"), "apple day theatre")
        XCTAssertEqual(SQuADMetric.exactMatch("the Eiffel Tower.", "Eiffel tower"), 1)
        // pred "eiffel tower in paris" vs "eiffel tower": p=2/4 r=1 → 2/3
        XCTAssertEqual(SQuADMetric.f1("Eiffel Tower in Paris", "the Eiffel Tower"), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(SQuADMetric.f1("", "something"), 0)
        XCTAssertEqual(SQuADMetric.f1("the", "a"), 0, "both normalise to empty: no common tokens → 0, as the official script")
        let s = SQuADMetric.score(predictions: ["Denver Broncos", "Paris"], goldAnswers: [["Broncos", "Denver Broncos"], ["London"]])
        XCTAssertEqual(s.exactMatch, 50, accuracy: 1e-12)
        XCTAssertEqual(s.f1, 50, accuracy: 1e-12)
    }

    func testPerplexity() {
        XCTAssertEqual(Perplexity.fromLoss(totalNLL: 2 * log(10.0), tokens: 2), 10, accuracy: 1e-9)
    }

    /// Per-block token NLL from LM logits: two blocks of 3 positions over a 4-word vocabulary, one position not
    /// predicted (target −1). Each token's NLL is −log softmax(logits)[target], computed here in Double.
    func testBlockNLLSumsEachBlocksTokenNLL() {
        let vocab = 4, block = 3
        let logits: [Float] = [0.1, 2.0, -1.0, 0.5,   3.0, 3.0, 3.0, 3.0,   -2.0, 0.0, 1.0, 4.0,
                               1.0, 0.0, 0.0, 0.0,    0.0, 10.0, -5.0, 1.0,  0.2, 0.4, 0.6, 0.8]
        let targets: [Int32] = [1, 0, -1, 3, 1, 2]
        func nll(_ t: Int) -> Double {
            let row = (0..<vocab).map { Double(logits[t * vocab + $0]) }
            return log(row.map { exp($0) }.reduce(0, +)) - row[Int(targets[t])]
        }
        let blocks = Perplexity.blockNLL(logits: logits, targets: targets, vocab: vocab, blockLength: block)
        XCTAssertEqual(blocks.count, 2)
        XCTAssertEqual(blocks[0].tokens, 2, "the −1 target is not predicted")
        XCTAssertEqual(blocks[1].tokens, 3)
        XCTAssertEqual(blocks[0].nll, nll(0) + nll(1), accuracy: 1e-5)
        XCTAssertEqual(blocks[1].nll, nll(3) + nll(4) + nll(5), accuracy: 1e-5)
        XCTAssertEqual(nll(1), log(4.0), accuracy: 1e-12, "a flat row costs log(vocab)")
        // Perplexity over both blocks is exp of the token-weighted mean NLL.
        let all = blocks.map(\.nll).reduce(0, +)
        XCTAssertEqual(Perplexity.fromLoss(totalNLL: all, tokens: 5), exp((nll(0) + nll(1) + nll(3) + nll(4) + nll(5)) / 5), accuracy: 1e-4)
    }
}
