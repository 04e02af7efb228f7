import Data
import Model

/// A data-layer batch (shards) as the engine's batch.
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
