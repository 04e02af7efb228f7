/// Where a training run is in its data: epoch and batch index within the epoch. Saving this in a
/// checkpoint and passing it back to `BatchStream` reproduces the remaining batches exactly.
public struct BatchPosition: Sendable, Hashable, Codable {
    public var epoch: Int
    public var batch: Int
    public init(epoch: Int = 0, batch: Int = 0) { self.epoch = epoch; self.batch = batch }
}

/// One padded batch, row-major `[rows, seqLen]`. Padding uses id `padID`, type 0, mask 0, and the
/// ignore index -100 in `lmTargets`. Per-row label arrays are filled for the shard's label kind only.
public struct Batch: Sendable, Equatable {
    public static let ignoreIndex: Int32 = -100

    public var position: BatchPosition
    public var rows: Int
    public var seqLen: Int
    /// Index of each row's example in the reader (to map predictions back to examples).
    public var exampleIndices: [Int]
    public var ids: [Int32]
    public var typeIDs: [Int32]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int32]
    public var labelKind: ShardLabelKind
    /// `.classIndex`: one class id per row.
    public var classLabels: [Int32]
    /// `.value`: one regression target per row.
    public var values: [Float]
    /// `.span`: start/end token index (inclusive) per row.
    public var spanStarts: [Int32]
    public var spanEnds: [Int32]
    /// `.none` (LM): `[rows, seqLen]` next-token targets, -100 at the last real token and on padding.
    public var lmTargets: [Int32]
    /// `.target` (seq2seq, teacher forcing), each `[rows, targetLength]`: decoder inputs `target[0..<n-1]`
    /// (BOS y1 …) padded with `padID`, their mask (1 real, 0 padding), and labels `target[1..<n]` (y1 … EOS)
    /// with the ignore index on padding — so position j predicts the token after input j.
    public var targetLength = 0
    public var targetInput: [Int32] = []
    public var targetMask: [Int32] = []
    public var targetLabels: [Int32] = []

    /// Real (non-pad) tokens in the batch.
    public var tokenCount: Int { attentionMask.reduce(0) { $0 + Int($1) } }
}
