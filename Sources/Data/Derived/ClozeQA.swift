/// Extractive cloze QA (our SQuAD stand-in, *derived*). For a passage of consecutive sentences of one
/// document, one sentence becomes the question with an entity-like span (a capitalised name or a number)
/// replaced by `_____`; that sentence is *removed* from the context, and the span must occur elsewhere in
/// the context. The answer is that occurrence's character position in the context. Because the question
/// sentence is not in the context, string matching cannot find the answer: a model has to pick, among the
/// passage's other names and numbers, the one that fits — so EM/F1 measure reading, as on SQuAD.
///
/// `questionsPerPassage` > 1 adds further questions from other sentences of the same passage, ids
/// `<doc>-p<N>-q<K>` (K ≥ 2). They exist to make evaluation sets larger than the number of held-out passages
/// (a 200-question test set cannot resolve a 1-point EM difference); `isExtraQuestion` tells `prepare` to keep
/// them out of the train split, which stays exactly what one question per passage gives. The extras draw from
/// their own seeded generator, so the first question of every passage is unchanged.
public enum ClozeQA {
    public static let blank = "_____"

    /// True for the second and later questions of a passage (`prepare` drops them from the train split).
    public static func isExtraQuestion(_ e: Example) -> Bool {
        guard let r = e.id.range(of: "-q", options: .backwards) else { return false }
        return Int(e.id[r.upperBound...]) != nil && e.id[..<r.lowerBound].range(of: "-p") != nil
    }

    public static func make(documents: [(id: String, text: String)], seed: UInt64,
                            passageSentences: Int = 6, maxPassageChars: Int = 1500,
                            questionsPerPassage: Int = 1) -> [Example] {
        var rng = SeededRandom(seed: seed, 0xC102E)
        var out: [Example] = []
        for doc in documents {
            let source = SourceDocument(id: doc.id, text: doc.text)   // the article is the unit of splitting
            let sentences = SentenceSplitter.split(doc.text)
            var p = 0
            while p + 2 < sentences.count {
                let passage = Array(sentences[p..<min(p + passageSentences, sentences.count)])
                p += passageSentences
                let id = "\(doc.id)-p\(p / passageSentences)"
                // Try question sentences in a seeded order; keep the first that yields an answerable blank.
                let order = passage.indices.map({ $0 }).seededShuffled(&rng)
                var extraRNG = SeededRandom(seed: seed, 0xC102E2, fnv1a(id))   // the extras' own stream
                var made = 0
                for q in order where made < questionsPerPassage {
                    let contextSentences = passage.enumerated().filter { $0.offset != q }.map(\.element)
                    let context = contextSentences.joined(separator: " ")
                    guard context.count <= maxPassageChars else { continue }
                    let spans = candidateSpans(passage[q]).filter { !occurrences(of: $0.text, in: context).isEmpty }
                    guard !spans.isEmpty else { continue }
                    let span = spans[made == 0 ? rng.below(spans.count) : extraRNG.below(spans.count)]
                    let question = String(passage[q].prefix(span.start)) + blank + String(passage[q].dropFirst(span.start + span.text.count))
                    let answers = occurrences(of: span.text, in: context).map { AnswerSpan(text: span.text, start: $0) }
                    made += 1
                    out.append(Example(id: made == 1 ? id : "\(id)-q\(made)", group: doc.id, sources: [source],
                                       text: question, pair: context, label: .spans(answers)))
                }
            }
        }
        return out
    }

    /// FNV-1a of the passage id: the extra questions' stream, independent of every other passage's.
    static func fnv1a(_ s: String) -> UInt64 {
        s.utf8.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// Entity-like spans of a sentence: maximal runs of capitalised words (not the sentence's first word
    /// alone, which is capitalised anyway) and numbers. Offsets are in `Character`s of the sentence.
    static func candidateSpans(_ sentence: String) -> [(text: String, start: Int)] {
        let chars = Array(sentence)
        var words: [(start: Int, end: Int)] = []
        var i = 0
        while i < chars.count {
            if chars[i].isLetter || chars[i].isNumber {
                let s = i
                while i < chars.count && (chars[i].isLetter || chars[i].isNumber || ((chars[i] == "," || chars[i] == ".") && i + 1 < chars.count && chars[i + 1].isNumber && chars[i - 1].isNumber)) { i += 1 }
                words.append((s, i))
            } else { i += 1 }
        }
        func text(_ w: (start: Int, end: Int)) -> String { String(chars[w.start..<w.end]) }
        var spans: [(String, Int)] = []
        var k = 0
        while k < words.count {
            let w = text(words[k])
            if w.first!.isNumber {
                spans.append((w, words[k].start)); k += 1; continue
            }
            if w.first!.isUppercase {
                var e = k
                // Extend over following capitalised words separated by a single space.
                while e + 1 < words.count && text(words[e + 1]).first!.isUppercase && words[e + 1].start == words[e].end + 1 { e += 1 }
                let isOnlyFirstWord = k == 0 && e == 0
                // Single capitalised function words ("A", "The" after a quote) are not entities.
                if !isOnlyFirstWord && !(k == e && stopCapitals.contains(w)) && !(k == 0 && stopCapitals.contains(w)) {
                    spans.append((String(chars[words[k].start..<words[e].end]), words[k].start))
                }
                k = e + 1
                continue
            }
            k += 1
        }
        return spans.map { (text: $0.0, start: $0.1) }
    }

    static let stopCapitals: Set<String> = ["The", "A", "An", "In", "On", "It", "He", "She", "They", "We", "But", "And", "This", "That", "I", "His", "Her", "Its", "Their", "As", "At", "By", "For", "If", "Of", "To", "With"]

    /// Unicode-scalar start offsets of whole-word occurrences of `needle` in `haystack` (scalars, the unit
    /// of `AnswerSpan.start`).
    static func occurrences(of needle: String, in haystack: String) -> [Int] {
        let h = Array(haystack.unicodeScalars), n = Array(needle.unicodeScalars)
        guard !n.isEmpty, n.count <= h.count else { return [] }
        func isWordChar(_ i: Int) -> Bool { i >= 0 && i < h.count && (h[i].properties.isAlphabetic || h[i].properties.numericType != nil) }
        var out: [Int] = []
        for i in 0...(h.count - n.count) where h[i] == n[0] && h[i..<(i + n.count)].elementsEqual(n) {
            if !isWordChar(i - 1) && !isWordChar(i + n.count) { out.append(i) }
        }
        return out
    }
}
