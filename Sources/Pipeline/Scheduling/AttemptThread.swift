import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A joinable thread for one stage attempt.
///
/// `Thread.detachNewThread` released its closure — and with it the last reference to the run's state database
/// once `hmpipe run` had returned — while the thread tore itself down, concurrently with the process's exit:
/// GRDB's pool and libdispatch freed memory that `exit` was freeing too ("double free or corruption", exit
/// status 134 after every stage had finished; seen about once in five smoke runs). Here the closure is released
/// inside the thread function, so `join()` returning means nothing of the attempt is left to release.
final class AttemptThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var joined = false

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread (8 MB of stack, as Foundation's threads); traps if the system refuses a thread.
    init(_ body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 8 << 20)
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let status = pthread_create(&thread, &attributes, { raw in
            // takeRetainedValue: the body (and everything it captured) is released before the function returns.
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        if status != 0 {
            Unmanaged<Body>.fromOpaque(context).release()
            fatalError("could not start a stage thread: \(String(cString: strerror(status)))")
        }
    }

    /// Waits for the thread to end (at once if it already has). Call once, from the thread that started it.
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }
}
