import Foundation

/// Run progress for people: one rewritten status line on a TTY (done/total, ETA, running stages with their
/// latest step and loss), plain timestamped lines otherwise (CI logs, `nohup`). Everything goes to stderr;
/// stdout stays for data.
public final class ProgressReporter: @unchecked Sendable {
    public enum Style: Sendable { case tty, plain, quiet }

    private let style: Style
    private let lock = NSLock()
    private var total = 0
    private var finished = 0
    private var running: [String: Date] = [:]
    private var started = Date()
    private var durations: [Double] = []
    /// Latest stepped metric of each running stage (training loss), shown beside its name.
    private var latest: [String: String] = [:]

    public init(style: Style? = nil) {
        self.style = style ?? (isatty(STDERR_FILENO) != 0 ? .tty : .plain)
    }

    public func begin(total: Int) {
        lock.withLock {
            self.total = total
            started = Date()
        }
    }

    public func stageStarted(_ name: String) {
        lock.withLock {
            running[name] = Date()
            if style == .plain { emit("start  \(name)") } else { redraw() }
        }
    }

    /// A stage reported a metric at a step (e.g. `train_loss` at step 120).
    public func stageMetric(_ name: String, metric: String, value: Double, step: Int) {
        lock.withLock {
            latest[name] = String(format: "step %d %@ %.4g", step, metric, value)
            redraw()
        }
    }

    public func stageFinished(_ name: String, outcome: String) {
        lock.withLock {
            latest[name] = nil
            let seconds = running.removeValue(forKey: name).map { Date().timeIntervalSince($0) } ?? 0
            finished += 1
            durations.append(seconds)
            switch style {
            case .plain: emit(String(format: "%@ %@ (%.1fs) [%d/%d]", outcome.padding(toLength: max(6, outcome.count), withPad: " ", startingAt: 0), name, seconds, finished, total))
            case .tty:
                if outcome != "done" { clearLine(); emit("\(outcome) \(name)") }
                redraw()
            case .quiet: break
            }
        }
    }

    public func message(_ text: String) {
        lock.withLock {
            if style == .tty { clearLine() }
            if style != .quiet { emit(text) }
            if style == .tty { redraw() }
        }
    }

    public func end() {
        lock.withLock { if style == .tty { clearLine() } }
    }

    private func redraw() {
        guard style == .tty else { return }
        let mean = durations.isEmpty ? 0 : durations.reduce(0, +) / Double(durations.count)
        let eta = durations.isEmpty ? "" : String(format: " ETA %.0fs", mean * Double(max(0, total - finished)) / Double(max(1, running.count)))
        let current = running.keys.sorted().prefix(2).map { n in latest[n].map { "\(n) \($0)" } ?? n }.joined(separator: ", ")
        var line = "[\(finished)/\(total)]\(eta) running: \(current)"
        if line.count > 158 { line = String(line.prefix(157)) + "…" }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    private func clearLine() { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }

    private func emit(_ text: String) {
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withTime, .withColonSeparatorInTime])
        FileHandle.standardError.write(Data("\(stamp) \(text)\n".utf8))
    }
}
