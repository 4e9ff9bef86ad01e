#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain reads and writes on inherited descriptors (a container's standard streams,
/// which are containerd's FIFOs, pipes or a terminal).
public enum HostDescriptor {
    /// What arrived (waiting for at least a byte); nil at the end or on an error (a
    /// terminal whose master closed reads EIO).
    public static func read(_ fd: Int32, maximum: Int = 65536) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: maximum)
        while true {
            // SAFETY: read(2) fills at most $0.count bytes of `chunk`, inside the closure.
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            return Array(chunk[0..<n])
        }
    }

    /// Writes all of `bytes`; false once the reader is gone.
    @discardableResult
    public static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var rest = bytes[...]
        while !rest.isEmpty {
            // SAFETY: write(2) reads at most $0.count bytes of the slice, inside the closure.
            let n = rest.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            rest = rest.dropFirst(n)
        }
        return true
    }

    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// A pipe: (read end, write end), both close-on-exec.
    public static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw HostError.io(operation: "pipe", path: "", errno: errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Opens `path` for writing (creating it with mode 0644), or nil.
    public static func openForAppending(_ path: String) -> Int32? {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        return fd >= 0 ? fd : nil
    }
}

/// Signals a process forwards rather than obeys (a container's worker passes them
/// to the guest): they are blocked in every thread and taken by one with `wait`.
public enum HostSignalForwarding {
    /// The signals that are forwarded: every catchable signal a user or containerd sends.
    public static let forwarded: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGWINCH, SIGCONT, SIGALRM]

    /// Blocks the forwarded signals in the calling thread and in every thread it starts
    /// afterwards; call it first, before any other thread exists.
    public static func block() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in forwarded { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// The next forwarded signal to arrive.
    public static func wait() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for s in forwarded { sigaddset(&set, s) }
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }

    /// Ends the process as `signal` would have ended it (the default action, unblocked),
    /// so a parent's wait sees the same status as if the signal had come to it directly.
    public static func die(by signal: Int32) -> Never {
        Glibc.signal(signal, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        kill(getpid(), signal)
        systemExit(128 + signal)
    }

    public static let windowChange = SIGWINCH
}
