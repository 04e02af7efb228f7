import Dispatch
import Foundation

/// A thread-safe "stop now" flag, set by SIGINT/SIGTERM and read by the scheduler and by running stages
/// (through `StageContext.isCancelled`).
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: String?

    public init() {}

    public var isCancelled: Bool { lock.withLock { reason != nil } }
    public var cancelReason: String? { lock.withLock { reason } }

    public func cancel(_ why: String) {
        lock.withLock { if reason == nil { reason = why } }
    }
}

/// Turns SIGINT/SIGTERM into a cancellation: the first signal asks everything to stop cleanly (running stages
/// get SIGTERM, state is recorded as `interrupted`); a second SIGINT exits at once — the next run reconciles.
public enum SignalTrap {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    public static func install(_ flag: CancellationFlag) {
        for (sig, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if flag.isCancelled && sig == SIGINT { _exit(130) }
                FileHandle.standardError.write(Data("\nhmpipe: \(name) received, stopping running stages…\n".utf8))
                flag.cancel(name)
            }
            source.resume()
            sources.append(source)
        }
    }
}
