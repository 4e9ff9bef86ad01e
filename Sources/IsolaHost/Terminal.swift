#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host terminal: raw mode for a guest console, restored on every exit path.
public enum Terminal {
    nonisolated(unsafe) private static var saved: termios?

    /// Whether standard input is a terminal (not a pipe, a file or /dev/null).
    public static var standardInputIsTerminal: Bool { isatty(0) == 1 }

    /// Puts standard input in raw mode (no echo, no line editing, no signals from
    /// keys: Ctrl-C goes to the guest). Restored by `restore`, at exit, on
    /// SIGTERM/SIGHUP/SIGINT/SIGQUIT from outside, and if Isola itself dies on a
    /// fatal signal (the signal is then re-raised, so the exit status stays true).
    public static func enterRawMode() {
        guard standardInputIsTerminal, saved == nil else { return }
        var t = termios()
        guard tcgetattr(0, &t) == 0 else { return }
        saved = t
        cfmakeraw(&t)
        t.c_oflag |= tcflag_t(OPOST | ONLCR)  // keep newline translation for the host's own messages
        tcsetattr(0, TCSANOW, &t)
        atexit { Terminal.restore() }
        for sig in [SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(sig) { s in
                Terminal.restore()
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }

    /// Restores the mode saved by `enterRawMode`.
    public static func restore() {
        guard var t = saved else { return }
        tcsetattr(0, TCSANOW, &t)
        saved = nil
    }

    /// Reads up to `count` bytes from standard input; empty at end of input.
    public static func readInput(maximum count: Int = 256) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            // SAFETY: `buffer` is `count` bytes, the most read(2) fills; inside the closure.
            let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, count) }
            if n < 0 && errno == EINTR { continue }
            return n <= 0 ? [] : Array(buffer[0..<n])
        }
    }
}
