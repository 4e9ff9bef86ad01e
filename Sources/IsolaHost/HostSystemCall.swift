import CIsolaHost

/// The host kernel's system calls as the process VM forwards them: by host number,
/// with results as the Linux kernel returns them (a value, or minus an errno). The
/// caller has already turned every pointer into host memory it checked.
public enum HostSystemCall {
    public static func invoke(_ number: Int, _ a: Int = 0, _ b: Int = 0, _ c: Int = 0,
                              _ d: Int = 0, _ e: Int = 0, _ f: Int = 0) -> Int {
        isola_syscall6(number, a, b, c, d, e, f)
    }

    /// fork(2): the child's pid in the parent, 0 in the child.
    public static func fork() -> Int { isola_fork() }

    /// Replaces this process; returns only on failure, with minus the errno.
    public static func execve(path: String, arguments: [[UInt8]], environment: [[UInt8]]) -> Int {
        func cStrings(_ strings: [[UInt8]]) -> [UnsafeMutablePointer<CChar>?] {
            strings.map { bytes in
                let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
                for (i, byte) in bytes.enumerated() { p[i] = CChar(bitPattern: byte) }
                p[bytes.count] = 0
                return p
            } + [nil]
        }
        let argv = cStrings(arguments), envp = cStrings(environment)
        defer { (argv + envp).forEach { $0?.deallocate() } }
        return isola_execve(path, argv, envp)
    }

    /// errno values (Linux's, the same on every architecture the process VM runs on).
    public static let EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENOEXEC = 8, EBADF = 9, ECHILD = 10
    public static let EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EEXIST = 17, ENOTDIR = 20, EISDIR = 21
    public static let EINVAL = 22, ENOTTY = 25, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38
    public static let EMSGSIZE = 90, ENOBUFS = 105

    /// Linux errno names, for policies that name the error to answer.
    public static let errnoNames: [String: Int] = [
        "EPERM": EPERM, "ENOENT": ENOENT, "ESRCH": ESRCH, "EINTR": EINTR, "EIO": EIO, "ENOEXEC": ENOEXEC,
        "EBADF": EBADF, "ECHILD": ECHILD, "EAGAIN": EAGAIN, "ENOMEM": ENOMEM, "EACCES": EACCES, "EFAULT": EFAULT,
        "EEXIST": EEXIST, "ENOTDIR": ENOTDIR, "EISDIR": EISDIR, "EINVAL": EINVAL, "ENOTTY": ENOTTY, "ERANGE": ERANGE,
        "ENAMETOOLONG": ENAMETOOLONG, "ENOSYS": ENOSYS, "EROFS": 30, "ENOSPC": 28, "EMFILE": 24, "ENXIO": 6,
    ]
}

/// Host signals as the process VM's program sees them (see `isola_signal_*`).
public enum HostSignal {
    /// Makes signals that arrive on the calling thread post `bit` on the hart's request word.
    public static func registerThread(requestWord: UnsafeMutableRawPointer, bit: UInt32) {
        isola_signal_register_thread(requestWord, bit)
    }

    /// The signals caught on this thread since the last call, bit `n - 1` for signal `n`.
    public static func takePending() -> UInt64 { isola_signal_take_pending() }

    /// Catches `signal` for the program (it has a handler), interrupting blocking calls.
    @discardableResult public static func catchSignal(_ signal: Int32) -> Int { Int(isola_signal_catch(signal)) }
    @discardableResult public static func setDefault(_ signal: Int32) -> Int { Int(isola_signal_set_default(signal)) }
    @discardableResult public static func setIgnored(_ signal: Int32) -> Int { Int(isola_signal_set_ignored(signal)) }
    public static func isIgnored(_ signal: Int32) -> Bool { isola_signal_is_ignored(signal) != 0 }

    /// Sets the calling thread's signal mask (bit `n - 1` for signal `n`); answers the old one.
    public static func exchangeMask(_ mask: UInt64) -> UInt64 { isola_signal_exchange_mask(mask) }

    /// Blocks every signal on the calling thread (it has no program thread left to take them).
    public static func blockAll() { isola_signal_block_all() }

    /// Sleeps until a caught signal arrives on this thread.
    public static func suspend() { isola_signal_suspend() }
    /// Waits for a caught signal for at most `nanoseconds`; false when the time ran out first.
    public static func suspend(nanoseconds: Int64) -> Bool { isola_signal_suspend_for(nanoseconds) != 0 }
}
