import CVecMath

/// Token + position + token-type embedding lookup (BERT). out [T, h].
public enum Embedding {
    public static func forward(out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>,
                               types: UnsafePointer<Int32>?, wte: UnsafePointer<Float>,
                               wpe: UnsafePointer<Float>?, wtt: UnsafePointer<Float>?,
                               batch: Int, length: Int, dim: Int) {
        // One pass per token in CVecMath's vector build: (e + p) + y, the sums the three Swift passes made.
        Parallel.forEachRowBlock(rows: batch * length, rowSize: dim) { tokens in
            cvm_embedding_forward(out, ids, types, wte, wpe, wtt, tokens.lowerBound, tokens.upperBound, length, dim)
        }
    }

    public static func backward(dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>?,
                                dwtt: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                                ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>?,
                                batch: Int, length: Int, dim: Int) {
        // Split by embedding dimension: every block visits the tokens in the same order, so each row of the
        // gradient tables sums its tokens in the same order at any thread count.
        Parallel.forEachColumnBlock(rows: batch * length, columns: dim) { c in
            cvm_embedding_backward(dwte, dwpe, dwtt, dout, ids, types, batch * length, length, dim, c.lowerBound,
                                   c.upperBound)
        }
    }
}
