import Formats
import Pipeline
import TestSupport
import XCTest

/// `${table[key]}`: an object parameter looked up by another parameter's value (per-task file tables).
final class InterpolationLookupTests: XCTestCase {
    let files: JSONValue = .object(["squad": .object(["train_file": .object(["path": .string("t.json")])])])

    func testLookupGivesTheEntryAndAMissingKeyLeavesTheMemberOut() throws {
        let params: JSONValue = .object(["task": .string("${task}"), "files": .string("${task_files[task]}")])
        let squad = try Interpolation.apply(params, ["task": .string("squad"), "task_files": files])
        XCTAssertEqual(squad, .object(["task": .string("squad"), "files": files["squad"]!]))
        // A task without an entry: no `files` member at all, so its parameters — and cache key — are as before.
        let cloze = try Interpolation.apply(params, ["task": .string("cloze-qa"), "task_files": files])
        XCTAssertEqual(cloze, .object(["task": .string("cloze-qa")]))
        // Outside an object member: null; inside text: "null".
        XCTAssertEqual(try Interpolation.apply(.array([.string("${task_files[task]}")]), ["task": .string("x"), "task_files": files]), .array([.null]))
        // Both names count as used (the key's axis makes the stage depend on it).
        XCTAssertEqual(Interpolation.names(in: params), ["task", "task_files"])
    }

    func testALookupWithAFallbackGivesTheFallbackParameterWhereTheTableHasNoEntry() throws {
        let params: JSONValue = .object(["steps": .string("${task_steps[task]:-steps}")])
        let table: JSONValue = .object(["vader-nyt": .int(200)])
        let nyt = try Interpolation.apply(params, ["task": .string("vader-nyt"), "task_steps": table, "steps": .int(120)])
        XCTAssertEqual(nyt, .object(["steps": .int(200)]))
        // Every other task gets exactly what "${steps}" gave it (same type, so the same cache key).
        let movie = try Interpolation.apply(params, ["task": .string("vader-movie"), "task_steps": table, "steps": .int(120)])
        XCTAssertEqual(movie, try Interpolation.apply(.object(["steps": .string("${steps}")]), ["steps": .int(120)]))
        XCTAssertEqual(try Interpolation.apply(.string("n=${task_steps[task]:-steps}"), ["task": .string("x"), "task_steps": table, "steps": .int(7)]), .string("n=7"))
        XCTAssertEqual(Interpolation.names(in: params), ["task", "task_steps", "steps"])
        // A missing fallback is an error naming it (spec loading also checks every name a template uses, this one included).
        XCTAssertThrowsError(try Interpolation.apply(params, ["task": .string("x"), "task_steps": table])) { error in
            XCTAssertEqual((error as? Interpolation.UnknownName)?.name, "steps")
        }
    }

    func testBadLookupsAreErrors() {
        XCTAssertThrowsError(try Interpolation.apply(.string("${task_files[task]}"), ["task": .string("x")])) { error in
            XCTAssertEqual((error as? Interpolation.UnknownName)?.name, "task_files")
        }
        XCTAssertThrowsError(try Interpolation.apply(.string("${n[task]}"), ["task": .string("x"), "n": .int(3)])) { error in
            XCTAssertEqual((error as? Interpolation.BadLookup)?.message, "'n' is integer 3, not an object to look up 'task' in")
        }
        XCTAssertThrowsError(try Interpolation.apply(.string("${task_files[seed]}"), ["seed": .int(1), "task_files": files])) { error in
            XCTAssertEqual((error as? Interpolation.BadLookup)?.message, "'seed' is integer 1; a lookup key must be a string")
        }
    }
}
