import Kernels

/// How a parameter tensor starts. Kept as data so the whole model initialises in one deterministic pass.
public enum ParameterInit: Sendable {
    case zeros, ones
    case normal(std: Float)
    case truncatedNormal(std: Float)
    case uniform(bound: Float)
}

/// A named tensor inside the parameter arena.
public struct ParameterRef: Sendable {
    public let index: Int
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public let count: Int
    /// AdamW weight decay applies to matrices, not to biases, norms or embeddings' scales.
    public let decay: Bool
}

/// All trainable tensors of a model in one contiguous arena (llm.c), with gradient and Adam moments in
/// arenas of the same layout: the optimiser, grad clipping and checkpointing are single loops over them.
public final class ParameterSet: @unchecked Sendable {
    public private(set) var refs: [ParameterRef] = []
    private var inits: [ParameterInit] = []
    public private(set) var total = 0
    public private(set) var values = FloatBuffer(count: 0)
    public private(set) var grads = FloatBuffer(count: 0)
    public private(set) var adamM = FloatBuffer(count: 0)
    public private(set) var adamV = FloatBuffer(count: 0)
    private var byName: [String: Int] = [:]

    public init() {}

    /// Registers a tensor; pointers are valid only after `allocate`.
    public func add(_ name: String, _ shape: [Int], _ initial: ParameterInit, decay: Bool = false) -> ParameterRef {
        precondition(byName[name] == nil, "duplicate parameter \(name)")
        let count = shape.reduce(1, *)
        let ref = ParameterRef(index: refs.count, name: name, shape: shape, offset: total, count: count, decay: decay)
        refs.append(ref)
        inits.append(initial)
        byName[name] = ref.index
        total += count
        return ref
    }

    /// Allocates the arenas and draws initial values in registration order.
    public func allocate(rng: inout Rng) {
        values = FloatBuffer(count: total)
        grads = FloatBuffer(count: total)
        adamM = FloatBuffer(count: total)
        adamV = FloatBuffer(count: total)
        for (ref, initial) in zip(refs, inits) {
            let p = values.pointer + ref.offset
            switch initial {
            case .zeros: break
            case .ones: p.update(repeating: 1, count: ref.count)
            case .normal(let std): for i in 0..<ref.count { p[i] = rng.normal() * std }
            case .truncatedNormal(let std): for i in 0..<ref.count { p[i] = rng.truncatedNormal(std: std) }
            case .uniform(let bound): for i in 0..<ref.count { p[i] = rng.uniform(-bound, bound) }
            }
        }
    }

    @inline(__always) public func value(_ r: ParameterRef) -> UnsafeMutablePointer<Float> { values.pointer + r.offset }
    @inline(__always) public func grad(_ r: ParameterRef) -> UnsafeMutablePointer<Float> { grads.pointer + r.offset }
    public func ref(named name: String) -> ParameterRef? { byName[name].map { refs[$0] } }
    public func zeroGrads() { Parallel.fill(grads.pointer, with: 0, count: total) }
}
