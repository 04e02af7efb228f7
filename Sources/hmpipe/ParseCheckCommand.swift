import ArgumentParser

/// `hmpipe parse-check -- ARGS…`: parses and validates a command line exactly as `hmpipe ARGS…` would, without
/// running it. Used by the test that keeps every command line in the README and docs/ working.
struct ParseCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse-check",
        abstract: "Check that a hmpipe command line parses (subcommand, options, values), without running it.",
        shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough, help: "The command line after `hmpipe`.") var arguments: [String] = []

    func run() throws {
        let args = arguments.first == "--" ? Array(arguments.dropFirst()) : arguments
        do {
            let command = try HMPipe.parseAsRoot(args)
            print("ok: \(type(of: command).configuration.commandName ?? "hmpipe")")
        } catch {
            // --help and friends parse fine: they are requests, not errors.
            if HMPipe.exitCode(for: error) == .success { print("ok: help"); return }
            print("error: \(HMPipe.message(for: error))")
            throw ExitCode(1)
        }
    }
}
