import Kernels

/// What a stack is made of: encoder `Block`s (which ignore the memory) or `DecoderBlock`s (which attend to it).
protocol StackBlock: AnyObject {
    var moe: MoELayer? { get }
    func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, memory: Memory?, ctx: StepContext,
                 rng: inout Rng, _ p: ParameterSet)
    /// dx is overwritten with ∂L/∂x; a decoder block accumulates ∂L/∂memory into dmemory.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, memory: Memory?,
                  dmemory: UnsafeMutablePointer<Float>?, ctx: StepContext, auxScale: Float, _ p: ParameterSet)
}

/// Embeddings → blocks → final norm (pre-LN only), with the stack's own hypernetwork and conv expert-embedding
/// net (one per stack, spec §6.1; layer embeddings indexed by the block within the stack). The body of the
/// encoder-only `Transformer` (prefix "", the names BERT loading expects) and both stacks of the encoder–decoder.
final class Stack<B: StackBlock> {
    let config: ModelConfig
    let embeddings: Embeddings
    let blocks: [B]
    let finalNorm: Norm?
    let hypernet: HyperNetwork?
    let conv: ConvExpertEmbedding?
    /// hidden[i] is the input of block i; hidden[layers] the stack output (before the final norm).
    let hidden: [FloatBuffer]
    let normed: FloatBuffer
    /// Gradient ping-pong buffers; the caller writes ∂L/∂output into `dTop` before `backward`.
    let dTop: FloatBuffer, dScratch: FloatBuffer

    init(prefix: String, config c: ModelConfig, maxBatch: Int, maxLength: Int, sharedWord: ParameterRef? = nil,
         params: ParameterSet, block: (_ index: Int, HyperNetwork?, ConvExpertEmbedding?) -> B) {
        config = c
        let T = maxBatch * maxLength
        embeddings = Embeddings("\(prefix)embeddings", config: c, maxTokens: T, sharedWord: sharedWord, params: params)
        var hypernet: HyperNetwork?
        if c.variant.hasHyperExpert {
            let input = c.variant == .hypermoeHidden ? c.width : c.moe!.hyper.hypernetInput
            hypernet = HyperNetwork("\(prefix)hypernet", inputDim: input, config: c, params: params)
        }
        let moeBlocks = (0..<c.layers).filter { c.isMoE(block: $0) }
        let conv = c.variant == .hypermoeWeights
            ? ConvExpertEmbedding("\(prefix)expert_conv", config: c, blocks: moeBlocks, params: params) : nil
        self.hypernet = hypernet; self.conv = conv
        blocks = (0..<c.layers).map { block($0, hypernet, conv) }
        finalNorm = c.preNorm ? Norm("\(prefix)final_norm", kind: c.norm, width: c.width, eps: c.normEps, maxRows: T,
                                     params: params) : nil
        hidden = (0...c.layers).map { _ in FloatBuffer(count: T * c.width) }
        normed = FloatBuffer(count: finalNorm == nil ? 0 : T * c.width)
        dTop = FloatBuffer(count: T * c.width); dScratch = FloatBuffer(count: T * c.width)
    }

    var moeLayers: [MoELayer] { blocks.compactMap(\.moe) }

    /// Runs the stack; returns its output (final-normed for pre-LN), [T×h].
    func forward(ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, memory: Memory? = nil, ctx: StepContext,
                 rng: inout Rng, _ p: ParameterSet) -> UnsafePointer<Float> {
        embeddings.forward(out: hidden[0].pointer, ids: ids, types: types, ctx: ctx, p)
        for (i, block) in blocks.enumerated() {
            block.forward(out: hidden[i + 1].pointer, x: hidden[i].pointer, memory: memory, ctx: ctx, rng: &rng, p)
        }
        return top(hidden[config.layers].pointer, rows: ctx.tokens, out: normed.pointer, p)
    }

    /// The stack output from the last block's output `x` (final-normed into `out` for pre-LN).
    func top(_ x: UnsafeMutablePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>, _ p: ParameterSet)
        -> UnsafePointer<Float> {
        guard let finalNorm else { return UnsafePointer(x) }
        finalNorm.forward(out: out, inp: x, rows: rows, p)
        return UnsafePointer(out)
    }

    /// Backward from ∂L/∂output in `dTop` (consumed) to the embedding tables; ∂L/∂memory accumulates into dmemory.
    func backward(ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, memory: Memory? = nil,
                  dmemory: UnsafeMutablePointer<Float>? = nil, ctx: StepContext, auxScale: Float, _ p: ParameterSet) {
        let n = ctx.tokens * config.width
        var dOut = dTop, dIn = dScratch
        if let finalNorm {
            dIn.pointer.update(repeating: 0, count: n)
            finalNorm.backward(dinp: dIn.pointer, dout: dOut.pointer, inp: hidden[config.layers].pointer, rows: ctx.tokens, p)
            swap(&dOut, &dIn)
        }
        for (i, block) in blocks.enumerated().reversed() {
            block.backward(dx: dIn.pointer, dy: dOut.pointer, x: hidden[i].pointer, memory: memory, dmemory: dmemory,
                           ctx: ctx, auxScale: auxScale, p)
            swap(&dOut, &dIn)
        }
        embeddings.backward(dout: dOut.pointer, ids: ids, types: types, ctx: ctx, p)
    }
}

typealias EncoderStack = Stack<Block>

extension Block: StackBlock {
    func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, memory: Memory?, ctx: StepContext,
                 rng: inout Rng, _ p: ParameterSet) {
        forward(out: out, x: x, ctx: ctx, rng: &rng, p)
    }

    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, memory: Memory?,
                  dmemory: UnsafeMutablePointer<Float>?, ctx: StepContext, auxScale: Float, _ p: ParameterSet) {
        backward(dx: dx, dy: dy, x: x, ctx: ctx, auxScale: auxScale, p)
    }
}

extension Stack where B == Block {
    convenience init(prefix: String, config c: ModelConfig, maxBatch: Int, maxLength: Int, params: ParameterSet) {
        self.init(prefix: prefix, config: c, maxBatch: maxBatch, maxLength: maxLength, params: params) { i, net, conv in
            Block("\(prefix)blocks", index: i, config: c, maxBatch: maxBatch, maxLength: maxLength, hypernet: net,
                  conv: conv, params: params)
        }
    }
}
