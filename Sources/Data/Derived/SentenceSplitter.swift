/// Rule-based English sentence splitting for the derived tasks: a sentence ends at `.`, `!` or `?`
/// (plus closing quotes/brackets) followed by whitespace and an upper-case letter, digit or quote — unless
/// the word before the period is a known abbreviation or a single initial ("J. Smith", "U.S.").
/// Good enough for news and Wikipedia prose; it never needs to be perfect, only deterministic.
public enum SentenceSplitter {
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "inc", "ltd", "co", "corp", "no",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "gen", "col", "lt",
        "sgt", "capt", "gov", "sen", "rep", "rev", "fig", "approx", "ca", "e.g", "i.e", "al", "u.s", "u.k", "u.n",
    ]

    public static func split(_ text: String) -> [String] {
        let chars = Array(text)
        var out: [String] = []
        var start = 0
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\n" && i + 1 < chars.count && chars[i + 1] == "\n" {   // paragraph break always ends a sentence
                emit(chars, start, i, &out); start = i + 2; i += 2; continue
            }
            if c == "." || c == "!" || c == "?" {
                var end = i + 1
                while end < chars.count && "\"'”’)]".contains(chars[end]) { end += 1 }
                guard end < chars.count, chars[end].isWhitespace else { i += 1; continue }
                var next = end
                while next < chars.count && chars[next].isWhitespace { next += 1 }
                guard next < chars.count, chars[next].isUppercase || chars[next].isNumber || "\"'“‘(".contains(chars[next]) else { i += 1; continue }
                if c == "." && isAbbreviation(chars, before: i) { i += 1; continue }
                emit(chars, start, end, &out)
                start = next
                i = next
                continue
            }
            i += 1
        }
        emit(chars, start, chars.count, &out)
        return out
    }

    static func emit(_ chars: [Character], _ a: Int, _ b: Int, _ out: inout [String]) {
        guard a < b else { return }
        let s = String(chars[a..<b]).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        if !s.isEmpty { out.append(s) }
    }

    static func isAbbreviation(_ chars: [Character], before i: Int) -> Bool {
        var j = i
        while j > 0 && !chars[j - 1].isWhitespace && chars[j - 1] != "(" { j -= 1 }
        let word = String(chars[j..<i]).lowercased()
        if word.count == 1 && word.first!.isLetter { return true }   // an initial
        return abbreviations.contains(word)
    }
}

import Foundation
