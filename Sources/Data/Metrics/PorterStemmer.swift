/// NLTK's Porter stemmer (nltk/stem/porter.py), ported rule for rule. Google's `rouge-score` uses
/// `nltk.stem.porter.PorterStemmer()`, whose default mode is NLTK_EXTENSIONS — that is `.nltk` here and
/// our default; `.original` is the 1980 paper's algorithm (ORIGINAL_ALGORITHM).
public struct PorterStemmer: Sendable {
    public enum Mode: Sendable { case nltk, original }
    public var mode: Mode
    public init(mode: Mode = .nltk) { self.mode = mode }

    static let pool: [String: String] = {
        let irregular: [String: [String]] = [
            "sky": ["sky", "skies"], "die": ["dying"], "lie": ["lying"], "tie": ["tying"], "news": ["news"],
            "inning": ["innings", "inning"], "outing": ["outings", "outing"], "canning": ["cannings", "canning"],
            "howe": ["howe"], "proceed": ["proceed"], "exceed": ["exceed"], "succeed": ["succeed"],
        ]
        var p: [String: String] = [:]
        for (k, vs) in irregular { for v in vs { p[v] = k } }
        return p
    }()

    typealias W = [Character]
    typealias Rule = (suffix: String, replacement: String, condition: ((W) -> Bool)?)

    public func stem(_ word: String) -> String {
        let lower = word.lowercased()
        if mode == .nltk, let p = PorterStemmer.pool[lower] { return p }
        if mode != .original && word.count <= 2 { return lower }
        var w = Array(lower)
        w = step1a(w); w = step1b(w); w = step1c(w); w = step2(w); w = step3(w); w = step4(w); w = step5a(w); w = step5b(w)
        return String(w)
    }

    static let vowels: Set<Character> = ["a", "e", "i", "o", "u"]

    func isConsonant(_ w: W, _ i: Int) -> Bool {
        if PorterStemmer.vowels.contains(w[i]) { return false }
        if w[i] == "y" {
            var negate = false
            var j = i
            while j > 0 && w[j] == "y" { negate.toggle(); j -= 1 }
            return (!PorterStemmer.vowels.contains(w[j])) != negate
        }
        return true
    }

    func flags(_ w: W) -> [Bool] {
        var f: [Bool] = []
        for (i, c) in w.enumerated() {
            if PorterStemmer.vowels.contains(c) { f.append(false) } else if c == "y" { f.append(i == 0 ? true : !f[i - 1]) } else { f.append(true) }
        }
        return f
    }

    func measure(_ w: W) -> Int {
        let f = flags(w)
        var m = 0
        if f.count >= 2 { for i in 1..<f.count where !f[i - 1] && f[i] { m += 1 } }
        return m
    }
    func positiveMeasure(_ w: W) -> Bool { measure(w) > 0 }
    func containsVowel(_ w: W) -> Bool { flags(w).contains(false) }
    func endsDoubleConsonant(_ w: W) -> Bool { w.count >= 2 && w[w.count - 1] == w[w.count - 2] && isConsonant(w, w.count - 1) }
    func endsCVC(_ w: W) -> Bool {
        let n = w.count
        if n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1) && !["w", "x", "y"].contains(w[n - 1]) {
            return true
        }
        return mode == .nltk && n == 2 && !isConsonant(w, 0) && isConsonant(w, 1)
    }
    func ends(_ w: W, _ s: String) -> Bool { let sa = Array(s); return w.count >= sa.count && Array(w.suffix(sa.count)) == sa }
    func replace(_ w: W, _ s: String, _ r: String) -> W { Array(w.dropLast(s.count)) + Array(r) }

    func applyRules(_ w: W, _ rules: [Rule]) -> W {
        for rule in rules {
            if rule.suffix == "*d" && endsDoubleConsonant(w) {
                let stem = Array(w.dropLast(2))
                if rule.condition == nil || rule.condition!(stem) { return stem + Array(rule.replacement) }
                return w
            }
            if ends(w, rule.suffix) {
                let stem = Array(w.dropLast(rule.suffix.count))
                if rule.condition == nil || rule.condition!(stem) { return stem + Array(rule.replacement) }
                return w
            }
        }
        return w
    }

    func step1a(_ w: W) -> W {
        if mode == .nltk && ends(w, "ies") && w.count == 4 { return replace(w, "ies", "ie") }
        return applyRules(w, [("sses", "ss", nil), ("ies", "i", nil), ("ss", "ss", nil), ("s", "", nil)])
    }

    func step1b(_ w: W) -> W {
        if mode == .nltk && ends(w, "ied") { return replace(w, "ied", w.count == 4 ? "ie" : "i") }
        if ends(w, "eed") {
            let stem = Array(w.dropLast(3))
            return measure(stem) > 0 ? stem + Array("ee") : w
        }
        var inter: W? = nil
        for s in ["ed", "ing"] where ends(w, s) {
            let st = Array(w.dropLast(s.count))
            if containsVowel(st) { inter = st; break }
        }
        guard let i = inter else { return w }
        let last = i.last.map(String.init) ?? ""
        return applyRules(i, [
            ("at", "ate", nil), ("bl", "ble", nil), ("iz", "ize", nil),
            ("*d", last, { _ in !["l", "s", "z"].contains(last) }),
            ("", "e", { self.measure($0) == 1 && self.endsCVC($0) }),
        ])
    }

    func step1c(_ w: W) -> W {
        let cond: (W) -> Bool = mode == .nltk
            ? { $0.count > 1 && self.isConsonant($0, $0.count - 1) }
            : { self.containsVowel($0) }
        return applyRules(w, [("y", "i", cond)])
    }

    func step2(_ w: W) -> W {
        let pm: (W) -> Bool = { self.positiveMeasure($0) }
        if mode == .nltk && ends(w, "alli") && positiveMeasure(Array(w.dropLast(4))) {
            return step2(replace(w, "alli", "al"))
        }
        var rules: [Rule] = [
            ("ational", "ate", pm), ("tional", "tion", pm), ("enci", "ence", pm), ("anci", "ance", pm), ("izer", "ize", pm),
            mode == .original ? ("abli", "able", pm) : ("bli", "ble", pm),
            ("alli", "al", pm), ("entli", "ent", pm), ("eli", "e", pm), ("ousli", "ous", pm), ("ization", "ize", pm),
            ("ation", "ate", pm), ("ator", "ate", pm), ("alism", "al", pm), ("iveness", "ive", pm), ("fulness", "ful", pm),
            ("ousness", "ous", pm), ("aliti", "al", pm), ("iviti", "ive", pm), ("biliti", "ble", pm),
        ]
        if mode == .nltk {
            rules.append(("fulli", "ful", pm))
            let wordMinus3 = Array(w.dropLast(3))
            rules.append(("logi", "log", { _ in self.positiveMeasure(wordMinus3) }))
        }
        return applyRules(w, rules)
    }

    func step3(_ w: W) -> W {
        let pm: (W) -> Bool = { self.positiveMeasure($0) }
        return applyRules(w, [("icate", "ic", pm), ("ative", "", pm), ("alize", "al", pm), ("iciti", "ic", pm),
                              ("ical", "ic", pm), ("ful", "", pm), ("ness", "", pm)])
    }

    func step4(_ w: W) -> W {
        let m1: (W) -> Bool = { self.measure($0) > 1 }
        return applyRules(w, [
            ("al", "", m1), ("ance", "", m1), ("ence", "", m1), ("er", "", m1), ("ic", "", m1), ("able", "", m1),
            ("ible", "", m1), ("ant", "", m1), ("ement", "", m1), ("ment", "", m1), ("ent", "", m1),
            ("ion", "", { self.measure($0) > 1 && ($0.last == "s" || $0.last == "t") }),
            ("ou", "", m1), ("ism", "", m1), ("ate", "", m1), ("iti", "", m1), ("ous", "", m1), ("ive", "", m1), ("ize", "", m1),
        ])
    }

    func step5a(_ w: W) -> W {
        if ends(w, "e") {
            let stem = Array(w.dropLast())
            if measure(stem) > 1 { return stem }
            if measure(stem) == 1 && !endsCVC(stem) { return stem }
        }
        return w
    }

    func step5b(_ w: W) -> W {
        let wordMinus1 = Array(w.dropLast())
        return applyRules(w, [("ll", "l", { _ in self.measure(wordMinus1) > 1 })])
    }
}
