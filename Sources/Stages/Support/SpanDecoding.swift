import Data

/// Span QA decoding: the (start, end) that maximises p_start · p_end over context tokens with
/// start ≤ end < start + maxAnswerTokens (SQuAD's max answer length 30), and its text.
enum SpanDecoding {
    static func best(startProbs: ArraySlice<Float>, endProbs: ArraySlice<Float>, typeIDs: ArraySlice<Int32>,
                     mask: ArraySlice<Int32>, maxAnswerTokens: Int = 30) -> (Int, Int) {
        let s0 = startProbs.startIndex, e0 = endProbs.startIndex, t0 = typeIDs.startIndex, m0 = mask.startIndex
        let L = startProbs.count
        var best = (0, 0), bestScore: Float = -1
        for i in 0..<L where typeIDs[t0 + i] == 1 && mask[m0 + i] != 0 {
            for j in i..<min(L, i + maxAnswerTokens) where typeIDs[t0 + j] == 1 && mask[m0 + j] != 0 {
                let score = startProbs[s0 + i] * endProbs[e0 + j]
                if score > bestScore { bestScore = score; best = (i, j) }
            }
        }
        return best
    }

    /// The span's WordPiece tokens as text, every token kept and spaced as decoded (SQuAD's normalisation
    /// makes case, accents and punctuation spacing immaterial for EM/F1).
    static func text(ids: ArraySlice<Int32>, vocabulary: Vocabulary) -> String {
        WordPieceDecoder(vocabulary: vocabulary, skipSpecialTokens: false, cleanUpSpaces: false).decode(ids)
    }
}
