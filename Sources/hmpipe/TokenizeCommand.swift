import ArgumentParser
import Data
import Foundation

/// `hmpipe tokenize --vocab FILE [--pair]`: a diagnostic for the BERT WordPiece tokenizer. Reads stdin
/// lines (tab-separated pairs with --pair) and prints one JSON array of ids per line, with [CLS]/[SEP],
/// so the output can be diffed against any other BERT tokenizer.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print BERT WordPiece ids (one JSON array per stdin line).")

    @Option(name: .long, help: "vocab.txt of an uncased BERT model (e.g. MiniLM's).")
    var vocab: String

    @Flag(name: .long, help: "Each line is 'first<TAB>second'; encode as [CLS] a [SEP] b [SEP].")
    var pair = false

    @Option(name: .long, help: "Truncate to this many tokens (longest_first).")
    var maxLength: Int?

    func run() throws {
        let tokenizer = try BertTokenizer(vocabularyFile: URL(fileURLWithPath: vocab))
        var out = ""
        while let line = Swift.readLine(strippingNewline: true) {
            let text = line.hasSuffix("\r") ? String(line.dropLast()) : line
            let e: Encoding
            if pair {
                let parts = text.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
                e = try tokenizer.encode(String(parts[0]), parts.count > 1 ? String(parts[1]) : "", maxLength: maxLength)
            } else {
                e = try tokenizer.encode(text, maxLength: maxLength)
            }
            out += "[" + e.ids.map(String.init).joined(separator: ",") + "]\n"
            if out.utf8.count > 1 << 16 { FileHandle.standardOutput.write(out.data(using: .utf8)!); out = "" }
        }
        FileHandle.standardOutput.write(out.data(using: .utf8)!)
    }
}
