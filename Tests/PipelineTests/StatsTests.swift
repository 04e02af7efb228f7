import Foundation
import Formats
import Pipeline
import XCTest
import Report

/// The report's statistics against scipy (scripts/make_stats_golden.py → Golden/stats.json): t CDF and quantile,
/// paired t-test p and 95 % interval (also against a non-inferiority margin), Holm, exact paired-t power, the
/// minimum detectable effect at 80 % power and the pairs needed for a given effect.
final class StatsTests: XCTestCase {
    func golden() throws -> JSONValue {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/stats.json")
        return try JSONValue.parse(Data(contentsOf: url))
    }

    func numbers(_ v: JSONValue?) -> [Double] { v?.arrayValue?.compactMap(\.doubleValue) ?? [] }

    func testTDistributionMatchesScipy() throws {
        let entries = try XCTUnwrap(golden()["t"]?.arrayValue)
        XCTAssertEqual(entries.count, 70)
        for e in entries {
            let df = try XCTUnwrap(e["df"]?.doubleValue)
            if let t = e["t"]?.doubleValue, let cdf = e["cdf"]?.doubleValue {
                XCTAssertEqual(Stats.tCDF(t, df: df), cdf, accuracy: 1e-12 + 1e-10 * cdf, "cdf(\(t), df \(df))")
            } else {
                let p = try XCTUnwrap(e["p"]?.doubleValue), ppf = try XCTUnwrap(e["ppf"]?.doubleValue)
                XCTAssertEqual(Stats.tQuantile(p, df: df), ppf, accuracy: 1e-9 * max(1, abs(ppf)), "ppf(\(p), df \(df))")
                XCTAssertEqual(Stats.tQuantile(1 - p, df: df), -ppf, accuracy: 1e-9 * max(1, abs(ppf)))
            }
        }
    }

    func testPairedTestMatchesTtestRel() throws {
        for e in try XCTUnwrap(golden()["paired"]?.arrayValue) {
            let a = numbers(e["a"]), b = numbers(e["b"])
            let r = Stats.pairedTest(zip(a, b).map { $0 - $1 })
            XCTAssertEqual(r.n, a.count)
            XCTAssertEqual(r.mean, try XCTUnwrap(e["mean"]?.doubleValue), accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(r.sd), try XCTUnwrap(e["sd"]?.doubleValue), accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(r.p), try XCTUnwrap(e["p"]?.doubleValue), accuracy: 1e-10)
            XCTAssertEqual(try XCTUnwrap(r.ciLow), try XCTUnwrap(e["ci_low"]?.doubleValue), accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(r.ciHigh), try XCTUnwrap(e["ci_high"]?.doubleValue), accuracy: 1e-9)
            let margin = try XCTUnwrap(e["margin"]?.doubleValue)
            let ni = Stats.pairedTest(zip(a, b).map { $0 - $1 }, null: -margin)
            XCTAssertEqual(try XCTUnwrap(ni.p), try XCTUnwrap(e["p_margin"]?.doubleValue), accuracy: 1e-10)
        }
        // The figure: Table 2's "HyperMoE > MoE-Share on QA" has p = 0.12 on the committed seeds.
        XCTAssertEqual(Stats.pairedTest([16.5 - 21, 20.5 - 23, 14 - 23.5]).p!, 0.118, accuracy: 5e-4)
        // n = 1: a mean, nothing else.
        let one = Stats.pairedTest([3])
        XCTAssertNil(one.p); XCTAssertNil(one.ciLow); XCTAssertEqual(one.mean, 3)
    }

    func testHolmMatchesTheStepDownFormula() throws {
        for e in try XCTUnwrap(golden()["holm"]?.arrayValue) {
            let got = Stats.holm(numbers(e["p"])), want = numbers(e["adjusted"])
            XCTAssertEqual(got.count, want.count)
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-12, "\(got) vs \(want)") }
        }
        // The committed CNN/DM claim (p = 0.027) does not survive Holm over Table 2's seven claims.
        XCTAssertGreaterThan(Stats.holm([0.027, 0.12, 0.5, 0.9, 0.3, 0.04, 0.6])[0], 0.05)
    }

    func testPowerAndMinimumDetectableEffectMatchTheNoncentralT() throws {
        let g = try golden()
        for e in try XCTUnwrap(g["power"]?.arrayValue) {
            let n = Int(try XCTUnwrap(e["n"]?.intValue)), d = try XCTUnwrap(e["effect"]?.doubleValue)
            XCTAssertEqual(Stats.pairedPower(standardizedEffect: d, n: n), try XCTUnwrap(e["power"]?.doubleValue), accuracy: 1e-6,
                           "power n \(n), effect \(d)")
        }
        for e in try XCTUnwrap(g["mde"]?.arrayValue) {
            let n = Int(try XCTUnwrap(e["n"]?.intValue)), sd = try XCTUnwrap(e["sd"]?.doubleValue), want = try XCTUnwrap(e["mde"]?.doubleValue)
            XCTAssertEqual(try XCTUnwrap(Stats.minimumDetectableEffect(sd: sd, n: n)), want, accuracy: 1e-5 * want, "MDE n \(n), sd \(sd)")
        }
        for e in try XCTUnwrap(g["pairs_needed"]?.arrayValue) {
            let effect = try XCTUnwrap(e["effect"]?.doubleValue), sd = try XCTUnwrap(e["sd"]?.doubleValue)
            XCTAssertEqual(Stats.pairsNeeded(effect: effect, sd: sd), e["n"]?.intValue.map { Int($0) }, "effect \(effect), sd \(sd)")
        }
        XCTAssertNil(Stats.minimumDetectableEffect(sd: 1, n: 1))
        XCTAssertNil(Stats.pairsNeeded(effect: 0, sd: 1))
    }

    /// `hmpipe power`'s seeds × test-examples plan on fixed numbers (scipy's noncentral t for k(n)): the MDE with
    /// test-set sampling variance V, the factor on the test examples that reaches the effect at n seeds, and the
    /// seeds needed with today's examples — nil where no number suffices.
    func testTwoLevelPlanMatchesScipy() throws {
        let entries = try XCTUnwrap(golden()["two_level"]?.arrayValue)
        XCTAssertEqual(entries.count, 5)
        for e in entries {
            let sd = try XCTUnwrap(e["sd"]?.doubleValue), n = Int(try XCTUnwrap(e["n"]?.intValue))
            let v = try XCTUnwrap(e["v"]?.doubleValue), effect = try XCTUnwrap(e["effect"]?.doubleValue)
            let mde = try XCTUnwrap(PowerPlan.TwoLevel.mde(seedSD: sd, seeds: n, exampleVariance: v))
            XCTAssertEqual(mde, try XCTUnwrap(e["mde"]?.doubleValue), accuracy: 1e-5 * mde, "MDE \(e)")
            let factor = PowerPlan.TwoLevel.examplesFactor(effect: effect, seedSD: sd, seeds: n, exampleVariance: v)
            if let want = e["factor"]?.doubleValue {
                let f = try XCTUnwrap(factor, "\(e)")
                XCTAssertEqual(f, want, accuracy: 1e-4 * want, "factor \(e)")
                // With f times the examples the MDE is the effect.
                XCTAssertEqual(try XCTUnwrap(PowerPlan.TwoLevel.mde(seedSD: sd, seeds: n, exampleVariance: v, factor: f)), effect, accuracy: 1e-9)
            } else {
                XCTAssertNil(factor, "\(e)")
            }
            XCTAssertEqual(PowerPlan.TwoLevel.seedsNeeded(effect: effect, seedSD: sd, exampleVariance: v), e["seeds"]?.intValue.map { Int($0) }, "\(e)")
        }
        // No test-set variance: the seeds-only MDE and pairs.
        XCTAssertEqual(try XCTUnwrap(PowerPlan.TwoLevel.mde(seedSD: 2, seeds: 3, exampleVariance: 0)),
                       try XCTUnwrap(Stats.minimumDetectableEffect(sd: 2, n: 3)), accuracy: 1e-9)
        XCTAssertEqual(PowerPlan.TwoLevel.seedsNeeded(effect: 2, seedSD: 1, exampleVariance: 0), Stats.pairsNeeded(effect: 2, sd: 1))
    }
}
