import Foundation

/// Decoding settings. The official HyperMoE summarization scripts used beam 6, max 60, min 10, no-repeat 3.
public struct GenerationOptions: Sendable, Equatable {
    public var beamWidth = 1
    /// Generated tokens at most (EOS included); clipped to the decoder's positions.
    public var maxLength = 60
    /// EOS is forbidden before this many tokens.
    public var minLength = 0
    /// n > 0: no n-gram occurs twice in a hypothesis.
    public var noRepeatNgram = 0
    /// Hypotheses are ranked by (sum of log-probabilities) / length^lengthPenalty.
    public var lengthPenalty: Float = 1
    public var bos: Int32, eos: Int32
    /// false = recompute the whole prefix every step (the reference the cache is checked and benchmarked against).
    public var useCache = true
    /// automatic = greedy for beam width 1, beam search otherwise; `beam` forces the beam bookkeeping even at
    /// width 1 (tests check it equals greedy).
    public var strategy: Strategy = .automatic
    public enum Strategy: String, Sendable { case automatic, greedy, beam }

    public init(bos: Int32, eos: Int32) { self.bos = bos; self.eos = eos }
}

/// One decoded sequence: tokens without BOS and EOS, and its length-normalised log-probability.
public struct GeneratedSequence: Sendable, Equatable {
    public var tokens: [Int32]
    public var score: Float
}

/// Which next tokens a hypothesis may not take: EOS before `minLength`, and any token that would repeat an
/// n-gram (Paulus et al. 2018; the HF `no_repeat_ngram_size` rule).
enum DecodingConstraints {
    static func banned(history g: [Int32], options o: GenerationOptions) -> [Int32] {
        var out: [Int32] = g.count < o.minLength ? [o.eos] : []
        let n = o.noRepeatNgram
        guard n > 0, g.count >= n - 1, g.count >= n else { return out }
        let prefix = g.suffix(n - 1)
        for i in 0...(g.count - n) where g[i..<(i + n - 1)].elementsEqual(prefix) { out.append(g[i + n - 1]) }
        return out
    }
}

/// Batched beam search bookkeeping over `sources × beams` rows (HF-style): each step every live source keeps
/// its `beams` best continuations among each beam's top 2·beams tokens; EOS among the top `beams` candidates
/// finishes a hypothesis; a source is done once it has `beams` finished hypotheses and no live beam can beat
/// the worst of them at the current length.
struct BeamSearch: DecodingSearch {
    let sources: Int, beams: Int, options: GenerationOptions
    var scores: [Float]
    var histories: [[Int32]]
    var finished: [[GeneratedSequence]]
    var done: [Bool]

    init(sources: Int, beams: Int, options: GenerationOptions) {
        self.sources = sources; self.beams = beams; self.options = options
        // Only beam 0 is live at the start, so the first step does not pick the same token `beams` times.
        scores = (0..<(sources * beams)).map { $0 % beams == 0 ? 0 : -.infinity }
        histories = Array(repeating: [], count: sources * beams)
        finished = Array(repeating: [], count: sources)
        done = Array(repeating: false, count: sources)
    }

    var allDone: Bool { !done.contains(false) }

    func normalised(_ score: Float, length: Int) -> Float {
        score / Float(max(length, 1)).pow(options.lengthPenalty)
    }

    /// Tokens to feed at the next step (BOS first).
    var lastTokens: [Int32] { histories.map { $0.last ?? options.bos } }

    /// Consumes log-probabilities [rows × V]; returns each new row's parent row (for cache reordering).
    mutating func advance(logProbs: UnsafeMutablePointer<Float>, vocab V: Int) -> [Int] {
        var parents = Array(0..<(sources * beams))
        var newScores = scores, newHistories = histories
        for b in 0..<sources {
            if done[b] {
                for k in 0..<beams { newHistories[b * beams + k].append(options.eos) }   // filler, never reported
                continue
            }
            var candidates: [(score: Float, row: Int, token: Int32)] = []
            for k in 0..<beams {
                let r = b * beams + k
                guard scores[r] > -.infinity else { continue }
                let row = logProbs + r * V
                for t in DecodingConstraints.banned(history: histories[r], options: options) { row[Int(t)] = -.infinity }
                candidates += TopK.largest(row, count: V, k: 2 * beams).map { (scores[r] + $0.value, r, Int32($0.index)) }
            }
            candidates.sort { $0.score > $1.score || ($0.score == $1.score && ($0.row, $0.token) < ($1.row, $1.token)) }
            var next = 0
            for (rank, c) in candidates.enumerated() where next < beams {
                if c.token == options.eos {
                    if rank < beams {
                        let length = histories[c.row].count + 1
                        finished[b].append(GeneratedSequence(tokens: histories[c.row],
                                                             score: normalised(c.score, length: length)))
                    }
                    continue
                }
                let r = b * beams + next
                parents[r] = c.row; newScores[r] = c.score; newHistories[r] = histories[c.row] + [c.token]
                next += 1
            }
            for k in next..<beams { newScores[b * beams + k] = -.infinity; newHistories[b * beams + k] = histories[b * beams] + [options.eos] }
            finished[b].sort { $0.score > $1.score }
            if finished[b].count > beams { finished[b].removeLast(finished[b].count - beams) }
            let length = histories[b * beams].count + 1
            let best = normalised(newScores[b * beams], length: length)
            if finished[b].count >= beams, best <= finished[b].last!.score || next == 0 { done[b] = true }
            if next == 0 { done[b] = true }
        }
        scores = newScores; histories = newHistories
        return parents
    }

    /// Best hypothesis per source; live beams count as finished when the length limit ends the search.
    func results() -> [GeneratedSequence] {
        (0..<sources).map { b in
            var pool = finished[b]
            if !done[b] {
                for k in 0..<beams where scores[b * beams + k] > -.infinity {
                    let g = histories[b * beams + k]
                    pool.append(GeneratedSequence(tokens: g, score: normalised(scores[b * beams + k], length: g.count)))
                }
            }
            return pool.max { $0.score < $1.score } ?? GeneratedSequence(tokens: [], score: -.infinity)
        }
    }
}

/// What `generate` drives: tokens to feed, consume log-probabilities, report.
protocol DecodingSearch {
    var options: GenerationOptions { get }
    var histories: [[Int32]] { get }
    var lastTokens: [Int32] { get }
    var allDone: Bool { get }
    /// Consumes log-probabilities [rows × V] (may edit them); returns each new row's parent row.
    mutating func advance(logProbs: UnsafeMutablePointer<Float>, vocab: Int) -> [Int]
    func results() -> [GeneratedSequence]
}

/// Greedy decoding: each row takes its most probable allowed token until EOS or the length limit.
struct GreedySearch: DecodingSearch {
    let options: GenerationOptions
    var histories: [[Int32]]
    var scores: [Float]
    var finished: [Bool]

    init(rows: Int, options: GenerationOptions) {
        self.options = options
        histories = Array(repeating: [], count: rows); scores = Array(repeating: 0, count: rows)
        finished = Array(repeating: false, count: rows)
    }

    var lastTokens: [Int32] { histories.map { $0.last ?? options.bos } }
    var allDone: Bool { !finished.contains(false) }

    mutating func advance(logProbs: UnsafeMutablePointer<Float>, vocab V: Int) -> [Int] {
        for r in histories.indices {
            guard !finished[r] else { continue }
            let row = logProbs + r * V
            for t in DecodingConstraints.banned(history: histories[r], options: options) { row[Int(t)] = -.infinity }
            guard let best = TopK.largest(row, count: V, k: 1).first else { finished[r] = true; continue }
            scores[r] += best.value
            if Int32(best.index) == options.eos { finished[r] = true } else { histories[r].append(Int32(best.index)) }
        }
        // Finished rows keep being fed a filler so every row has the same length.
        return Array(histories.indices)
    }

    func results() -> [GeneratedSequence] {
        histories.indices.map { r in
            let length = histories[r].count + (finished[r] ? 1 : 0)
            return GeneratedSequence(tokens: histories[r],
                                     score: scores[r] / Float(max(length, 1)).pow(options.lengthPenalty))
        }
    }
}

/// The k largest entries of a row, best first (k ≪ n: insertion into a short sorted list).
enum TopK {
    static func largest(_ row: UnsafePointer<Float>, count n: Int, k: Int) -> [(index: Int, value: Float)] {
        var top: [(index: Int, value: Float)] = []
        top.reserveCapacity(k + 1)
        for j in 0..<n {
            let v = row[j]
            guard v > -.infinity, top.count < k || v > top[top.count - 1].value else { continue }
            var i = top.count
            while i > 0 && top[i - 1].value < v { i -= 1 }
            top.insert((j, v), at: i)
            if top.count > k { top.removeLast() }
        }
        return top
    }
}

extension Float {
    func pow(_ e: Float) -> Float { e == 1 ? self : Float(Foundation.pow(Double(self), Double(e))) }
}
