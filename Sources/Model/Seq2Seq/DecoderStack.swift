import Kernels

/// The decoder: a `Stack` of `DecoderBlock`s whose word table is the encoder's (shared input/output embeddings).
typealias DecoderStack = Stack<DecoderBlock>

extension Stack where B == DecoderBlock {
    convenience init(prefix: String, config c: ModelConfig, maxBatch: Int, maxLength: Int, maxMemory: Int,
                     sharedWord: ParameterRef, params: ParameterSet) {
        self.init(prefix: prefix, config: c, maxBatch: maxBatch, maxLength: maxLength, sharedWord: sharedWord,
                  params: params) { i, net, conv in
            DecoderBlock("\(prefix)blocks", index: i, config: c, maxBatch: maxBatch, maxLength: maxLength,
                         maxMemory: maxMemory, hypernet: net, conv: conv, params: params)
        }
    }
}
