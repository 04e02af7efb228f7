import Data
import Model

/// A data-layer batch (shards) as the engine's batch; the data layer's ignore index (-100) becomes the engine's −1.
extension ModelBatch {
    init(_ b: Batch) {
        let labels: ModelBatch.Labels
        switch b.labelKind {
        case .classIndex: labels = .classes(b.classLabels)
        case .value: labels = .values(b.values)
        case .span: labels = .spans(start: b.spanStarts, end: b.spanEnds)
        case .none: labels = .nextTokens(b.lmTargets.map { $0 == Batch.ignoreIndex ? -1 : $0 })
        case .target: preconditionFailure("pair batches become Seq2SeqBatch; train/evaluate reject seq2seq tasks before batching")
        }
        self.init(batch: b.rows, length: b.seqLen, ids: b.ids, types: b.typeIDs,
                  mask: b.attentionMask.map(Float.init), labels: labels)
    }
}

/// A pair batch (source rows + teacher-forcing target columns) as the engine's seq2seq batch.
extension Seq2SeqBatch {
    init(_ b: Batch) {
        self.init(batch: b.rows, sourceLength: b.seqLen, targetLength: b.targetLength, source: b.ids,
                  sourceMask: b.attentionMask.map(Float.init), targetInput: b.targetInput,
                  targetMask: b.targetMask.map(Float.init),
                  labels: b.targetLabels.map { $0 == Batch.ignoreIndex ? -1 : $0 })
    }
}
