#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Unix-domain stream socket: a listener that a running VM's monitor answers on,
/// or a connection to one (a command line tool talking to it).
public final class UnixStreamSocket: @unchecked Sendable {
    // Sendable: a descriptor used by one thread at a time (the acceptor, or one client).
    public let path: String
    private let fd: Int32
    private let listening: Bool

    private init(fd: Int32, path: String, listening: Bool) {
        self.fd = fd
        self.path = path
        self.listening = listening
    }

    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) throws -> T {
        var address = try UnixDatagramSocket.address(path)
        // SAFETY: sockaddr_un starts with the sockaddr header and `body` is told its full size;
        // the pointer is valid only inside `body`, which must not keep it.
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// Listens at `path`, only for this user (mode 0600). A socket file left by a
    /// process that is gone is replaced; one that a live process answers is refused.
    public static func listen(at path: String) throws -> UnixStreamSocket {
        if (try? connect(to: path)) != nil { throw HostError.io(operation: "listen", path: path, errno: EADDRINUSE) }
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HostError.io(operation: "socket", path: path, errno: errno) }
        let old = umask(0o077)
        let rc = try withAddress(path) { bind(fd, $0, $1) }
        umask(old)
        guard rc == 0, systemListen(fd, 8) == 0 else {
            let code = errno
            close(fd)
            throw HostError.io(operation: "bind", path: path, errno: code)
        }
        return UnixStreamSocket(fd: fd, path: path, listening: true)
    }

    /// Connects to a listener at `path`. With a timeout, a listener whose queue is full
    /// (a peer that stopped accepting) is an error after that long, not a wait without end.
    public static func connect(to path: String, timeoutNanoseconds: UInt64? = nil) throws -> UnixStreamSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HostError.io(operation: "socket", path: path, errno: errno) }
        if let timeoutNanoseconds {
            // Linux bounds a Unix socket's blocking connect by SO_SNDTIMEO.
            var limit = UnixStreamSocket.timeLimit(nanoseconds: timeoutNanoseconds)
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
        let rc = try withAddress(path) { systemConnect(fd, $0, $1) }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw HostError.io(operation: "connect", path: path, errno: code)
        }
        return UnixStreamSocket(fd: fd, path: path, listening: false)
    }

    /// Waits for the next connection; nil once the listener is shut down.
    public func accept() -> UnixStreamSocket? {
        while true {
            let client = systemAccept(fd)
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                return UnixStreamSocket(fd: client, path: path, listening: false)
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Reads until a newline (not included) or the end; nil at the end with nothing read.
    public func readLine(maximum: Int = 4096) -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < maximum {
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == 10 { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Reads what has arrived (waiting for at least a byte); nil once the peer has closed.
    public func readSome(maximum: Int = 65536) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: maximum)
        while true {
            // SAFETY: read(2) fills at most $0.count bytes of `chunk`, inside the closure.
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            return Array(chunk[0..<n])
        }
    }

    /// Reads everything until the peer closes. With a timeout, a peer that sends nothing
    /// for that long is an error (ETIMEDOUT), so a wedged peer cannot hold the caller.
    public func readToEnd(timeoutNanoseconds: UInt64? = nil) throws -> [UInt8] {
        if let timeoutNanoseconds {
            var limit = UnixStreamSocket.timeLimit(nanoseconds: timeoutNanoseconds)
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            // SAFETY: as in `readSome`.
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                throw HostError.io(operation: "read", path: path, errno: ETIMEDOUT)
            }
            guard n > 0 else { return bytes }
            bytes += chunk[0..<n]
        }
    }

    /// Writes all of `text`; false if the peer went away.
    @discardableResult
    public func write(_ text: String) -> Bool {
        write(bytes: Array(text.utf8))
    }

    /// Writes all of `bytes`; false if the peer went away.
    @discardableResult
    public func write(bytes all: [UInt8]) -> Bool {
        var bytes = all[...]
        while !bytes.isEmpty {
            // SAFETY: send(2) reads at most $0.count bytes of the slice, inside the closure.
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            bytes = bytes.dropFirst(n)
        }
        return true
    }

    private static func timeLimit(nanoseconds: UInt64) -> timeval {
        timeval(tv_sec: Int(nanoseconds / 1_000_000_000), tv_usec: Int(nanoseconds % 1_000_000_000 / 1000))
    }

    /// Ends a listener's `accept` (from another thread) or a connection.
    public func shutDown() {
        _ = systemShutdown(fd, Int32(SHUT_RDWR))
    }

    deinit {
        close(fd)
        if listening { unlink(path) }
    }
}
