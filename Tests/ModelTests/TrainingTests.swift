import Foundation
import Kernels
import Model
import XCTest

/// Training behaviour: every variant learns a synthetic task; checkpoints resume bit-identically and
/// malformed checkpoints fail with clear errors.
final class TrainingTests: XCTestCase {
    /// Label = does token 3 occur in the sequence? Learnable by every variant in a few dozen steps.
    func syntheticBatch(_ c: ModelConfig, step: Int) -> ModelBatch {
        var rng = Rng(seed: UInt64(1000 + step))
        let B = 8, L = 8
        var ids = [Int32](), labels = [Int32]()
        for b in 0..<B {
            let positive = b % 2 == 0
            var row = (0..<L).map { _ in Int32(4 + rng.int(below: c.vocabSize - 4)) }
            if positive { row[rng.int(below: L)] = 3 }
            ids += row
            labels.append(positive ? 1 : 0)
        }
        return ModelBatch(batch: B, length: L, ids: ids, labels: .classes(labels))
    }

    func config(_ v: Variant) -> ModelConfig {
        var c = Tiny.config(v, head: .classification(classes: 2))
        c.dropout = 0
        c.initStd = 0.05
        return c
    }

    func testEveryVariantLearns() throws {
        for v in Variant.allCases {
            let c = config(v)
            let model = Transformer(config: c, maxBatch: 8, maxLength: 8, seed: 21)
            let trainer = Trainer(model: model, schedule: LearningRateSchedule(peak: 3e-3, totalSteps: 80))
            var first: Float = 0, last: Float = 0
            for s in 0..<80 {
                let r = try trainer.train(syntheticBatch(c, step: s))
                if s < 10 { first += r.task / 10 }
                if s >= 70 { last += r.task / 10 }
            }
            XCTAssertLessThan(last, 0.5 * first, "\(v.rawValue): loss \(first) → \(last)")
        }
    }

    /// An evaluation forward (no backward follows, so no dropout masks are written) computes exactly what the same
    /// forward computes when gradients follow, post-LN and pre-LN; and a training step after it is unaffected.
    func testEvaluationWithoutMasksMatchesTheForwardBeforeABackward() throws {
        for preNorm in [false, true] {
            let c = Tiny.config(.hypermoe, head: .classification(classes: 2), preNorm: preNorm)
            let batch = Tiny.batch(for: c)
            let a = Transformer(config: c, maxBatch: 2, maxLength: 6, seed: 5)
            let b = Transformer(config: c, maxBatch: 2, maxLength: 6, seed: 5)
            let evaluated = a.forward(batch, training: false)
            let withGradients = b.forward(batch, training: false, computeGradients: true)
            XCTAssertEqual(evaluated.task.bitPattern, withGradients.task.bitPattern, "preNorm \(preNorm)")
            XCTAssertEqual(evaluated, withGradients)
            XCTAssertTrue(evaluated.task.isFinite && evaluated.task > 0)
            // Model a has run an evaluation (masks stale), b a gradient pass: their training steps agree.
            let ta = Trainer(model: a, schedule: LearningRateSchedule(peak: 1e-3, totalSteps: 4))
            let tb = Trainer(model: b, schedule: LearningRateSchedule(peak: 1e-3, totalSteps: 4))
            XCTAssertEqual(try ta.train(batch), try tb.train(batch), "preNorm \(preNorm)")
            XCTAssertEqual(ta.evaluate(batch), tb.evaluate(batch))
        }
    }

    func testResumeFromCheckpointIsBitIdentical() throws {
        var c = config(.hypermoe)
        c.dropout = 0.1   // dropout and router jitter consume the RNG: the checkpoint must carry it
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-resume-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let schedule = LearningRateSchedule(peak: 2e-3, totalSteps: 12)

        let straight = Trainer(model: Transformer(config: c, maxBatch: 8, maxLength: 8, seed: 8), schedule: schedule)
        for s in 0..<12 { try straight.train(syntheticBatch(c, step: s)) }

        let first = Trainer(model: Transformer(config: c, maxBatch: 8, maxLength: 8, seed: 8), schedule: schedule)
        for s in 0..<6 { try first.train(syntheticBatch(c, step: s)) }
        let ckpt = dir.appendingPathComponent("step6.safetensors.zst")
        try first.save(to: ckpt, state: ["data_position": [0, 6]])

        let resumed = Trainer(model: Transformer(config: c, maxBatch: 8, maxLength: 8, seed: 999), schedule: schedule)
        let state = try resumed.load(from: ckpt)
        XCTAssertEqual(state["data_position"], [0, 6])
        XCTAssertEqual(resumed.step, 6)
        for s in 6..<12 { try resumed.train(syntheticBatch(c, step: s)) }
        XCTAssertEqual(straight.model.params.values.array, resumed.model.params.values.array)
        XCTAssertEqual(straight.model.params.adamM.array, resumed.model.params.adamM.array)
        XCTAssertEqual(straight.model.params.adamV.array, resumed.model.params.adamV.array)
    }

    func testMalformedCheckpointsFailClearly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-bad-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = config(.moe)
        let trainer = Trainer(model: Transformer(config: c, maxBatch: 8, maxLength: 8, seed: 1),
                              schedule: LearningRateSchedule(peak: 1e-3, totalSteps: 10))
        let good = dir.appendingPathComponent("good.safetensors")
        try trainer.save(to: good)

        // Truncated file.
        let bytes = try Data(contentsOf: good)
        let truncated = dir.appendingPathComponent("truncated.safetensors")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        XCTAssertThrowsError(try trainer.load(from: truncated)) { XCTAssertTrue("\($0)".contains("truncated.safetensors")) }

        // Wrong shapes: a wider model.
        var wide = c
        wide.width = 24; wide.heads = 2
        let other = Trainer(model: Transformer(config: wide, maxBatch: 8, maxLength: 8, seed: 1),
                            schedule: LearningRateSchedule(peak: 1e-3, totalSteps: 10))
        XCTAssertThrowsError(try other.load(from: good)) { error in
            XCTAssertTrue("\(error)".contains("has shape"), "\(error)")
        }

        // Unknown tensor: a hypermoe checkpoint loaded into a moe model.
        let hyper = Trainer(model: Transformer(config: config(.hypermoe), maxBatch: 8, maxLength: 8, seed: 1),
                            schedule: LearningRateSchedule(peak: 1e-3, totalSteps: 10))
        let hyperFile = dir.appendingPathComponent("hyper.safetensors.zst")
        try hyper.save(to: hyperFile)
        XCTAssertThrowsError(try trainer.load(from: hyperFile)) { error in
            XCTAssertTrue("\(error)".contains("unknown tensor"), "\(error)")
        }
        // Missing tensor: the reverse.
        XCTAssertThrowsError(try hyper.load(from: good)) { error in
            XCTAssertTrue("\(error)".contains("missing tensor"), "\(error)")
        }
    }
}

/// Dense → MoE upcycling from our own weights file (the paper's GPT-2 recipe for WikiText).
final class DenseUpcyclingTests: XCTestCase {
    func testUpcycledMoEWithUnitGateEqualsTheDenseModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-upcycle-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var dense = Tiny.config(.dense, head: .causalLM, preNorm: true, causal: true)
        dense.dropout = 0
        let d = Transformer(config: dense, maxBatch: 2, maxLength: 8, seed: 5)
        let file = dir.appendingPathComponent("dense.safetensors.zst")
        try d.saveWeights(to: file)
        for variant in [Variant.moe, .moeShare, .hypermoe] {
            var c = Tiny.config(variant, head: .causalLM, every: 1, preNorm: true, causal: true)
            c.dropout = 0
            c.moe!.router = .noisyTopK   // k = 1: gate ≡ 1, so upcycled experts reproduce the dense FFN
            let m = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 9)
            try m.upcycle(fromDenseWeights: file)
            let batch = Tiny.batch(for: c)
            let a = d.forward(batch, training: false).task, b = m.forward(batch, training: false).task
            // HyperMoE adds its (tiny, hyperfanin) HyperExpert; the others are exact.
            XCTAssertEqual(a, b, accuracy: variant == .hypermoe ? 1e-3 : 1e-5, "\(variant)")
        }
        // A model of another width cannot be upcycled from it.
        var wide = Tiny.config(.moe, head: .causalLM, preNorm: true, causal: true)
        wide.width = 24
        XCTAssertThrowsError(try Transformer(config: wide, maxBatch: 2, maxLength: 8, seed: 1).upcycle(fromDenseWeights: file)) {
            XCTAssertTrue("\($0)".contains("shape"), "\($0)")
        }
    }
}
