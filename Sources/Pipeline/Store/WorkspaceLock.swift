import Foundation

/// The workspace's use lock (`<workspace>/lock`, flock(2)): every `run` and `exec-stage` holds it shared for
/// its whole life, `gc` takes it exclusive. gc decides what is garbage from one look at the state, which is
/// only true while nothing writes: a run ingests objects before committing their rows and owns attempt folders
/// gc cannot tell from abandoned ones. The kernel drops the lock with the process, so a `kill -9` leaves none.
public final class WorkspaceLock: @unchecked Sendable {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    private static func open(_ workspace: Workspace) throws -> Int32 {
        let path = workspace.root.appendingPathComponent("lock").path
        let fd = Foundation.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError.io("cannot open the workspace lock \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Shared use by a run; waits while a gc holds the lock (gc is short).
    public static func shared(_ workspace: Workspace) throws -> WorkspaceLock {
        let fd = try open(workspace)
        while flock(fd, LOCK_SH) != 0 {
            guard errno == EINTR else { close(fd); throw PipelineError.io("cannot lock the workspace: \(String(cString: strerror(errno)))") }
        }
        return WorkspaceLock(fd: fd)
    }

    /// Exclusive use for gc, or nil at once when a run or exec-stage is using the workspace.
    public static func exclusive(_ workspace: Workspace) throws -> WorkspaceLock? {
        let fd = try open(workspace)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { close(fd); return nil }
        return WorkspaceLock(fd: fd)
    }

    public func release() {
        guard fd >= 0 else { return }
        close(fd)   // closing the last descriptor releases the flock
        fd = -1
    }

    deinit { release() }
}
