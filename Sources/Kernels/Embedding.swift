/// Token + position + token-type embedding lookup (BERT). out [T, h].
public enum Embedding {
    public static func forward(out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>,
                               types: UnsafePointer<Int32>?, wte: UnsafePointer<Float>,
                               wpe: UnsafePointer<Float>?, wtt: UnsafePointer<Float>?,
                               batch: Int, length: Int, dim: Int) {
        Parallel.forEachRowBlock(rows: batch * length, rowSize: dim) { tokens in
            for t in tokens {
                let l = t % length
                let o = out + t * dim, e = wte + Int(ids[t]) * dim
                for i in 0..<dim { o[i] = e[i] }
                if let wpe { let p = wpe + l * dim; for i in 0..<dim { o[i] += p[i] } }
                if let wtt, let types { let y = wtt + Int(types[t]) * dim; for i in 0..<dim { o[i] += y[i] } }
            }
        }
    }

    public static func backward(dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>?,
                                dwtt: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                                ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>?,
                                batch: Int, length: Int, dim: Int) {
        // Split by embedding dimension: every block visits the tokens in the same order, so each row of the
        // gradient tables sums its tokens in the same order at any thread count.
        Parallel.forEachColumnBlock(rows: batch * length, columns: dim) { c in
            for t in 0..<(batch * length) {
                let l = t % length
                let d = dout + t * dim, e = dwte + Int(ids[t]) * dim
                for i in c { e[i] += d[i] }
                if let dwpe { let p = dwpe + l * dim; for i in c { p[i] += d[i] } }
                if let dwtt, let types { let y = dwtt + Int(types[t]) * dim; for i in c { y[i] += d[i] } }
            }
        }
    }
}
