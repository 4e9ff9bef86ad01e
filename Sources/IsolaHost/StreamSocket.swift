import CIsolaHost
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream socket: a Unix-domain listener that a running VM's monitor answers on, or
/// a connection to one (a command line tool talking to it); or a TCP listener on an
/// address of the host (the gdb stub, where debuggers connect by host and port).
public final class StreamSocket: @unchecked Sendable {
    // Sendable: a descriptor used by one thread at a time (the acceptor, or one client).
    /// The Unix socket's path, or `HOST:PORT` for TCP (in errors and for unlinking).
    public let path: String
    private let fd: Int32
    /// A Unix listener removes its socket file when it goes.
    private let ownsPath: Bool

    /// The descriptor, for `poll` and for passing descriptors over it.
    public var descriptor: Int32 { fd }

    /// Sends `descriptor` over this Unix socket (SCM_RIGHTS), as `--console-socket` expects a terminal.
    public func sendDescriptor(_ other: Int32) throws {
        let rc = isola_send_descriptor(fd, other)
        guard rc == 0 else { throw HostError.io(operation: "send a descriptor over", path: path, errno: -rc) }
    }

    /// Receives one descriptor sent with SCM_RIGHTS.
    public func receiveDescriptor() throws -> Int32 {
        let rc = isola_receive_descriptor(fd)
        guard rc >= 0 else { throw HostError.io(operation: "receive a descriptor over", path: path, errno: -rc) }
        return rc
    }

    private init(fd: Int32, path: String, ownsPath: Bool) {
        self.fd = fd
        self.path = path
        self.ownsPath = ownsPath
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
    public static func listen(at path: String) throws -> StreamSocket {
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
        return StreamSocket(fd: fd, path: path, ownsPath: true)
    }

    /// Listens on TCP `port` of the IPv4 address `host` (a dotted quad; 127.0.0.1 keeps it
    /// to this machine). Port 0 picks a free port, which `localPort` then names.
    public static func listen(host: String, port: UInt16) throws -> StreamSocket {
        try tcp(host: host, port: port, operation: "listen") { fd, address, length in
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            return bind(fd, address, length) == 0 && systemListen(fd, 4) == 0
        }
    }

    /// Connects to TCP `port` at the IPv4 address `host`.
    public static func connect(host: String, port: UInt16) throws -> StreamSocket {
        try tcp(host: host, port: port, operation: "connect") { fd, address, length in
            systemConnect(fd, address, length) == 0
        }
    }

    /// A TCP socket for `host:port`, handed with its address to `setUp` (bind and listen,
    /// or connect); on failure the descriptor is closed and the error names `operation`.
    private static func tcp(host: String, port: UInt16, operation: String,
                            _ setUp: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool) throws -> StreamSocket {
        let name = "\(host):\(port)"
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw HostError.io(operation: operation, path: name, errno: EINVAL)
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HostError.io(operation: "socket", path: name, errno: errno) }
        // SAFETY: sockaddr_in starts with the sockaddr header and `setUp` is told its full
        // size; the pointer is valid only inside the closure, which must not keep it.
        let done = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { setUp(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard done else {
            let code = errno
            close(fd)
            throw HostError.io(operation: operation == "listen" ? "bind" : operation, path: name, errno: code)
        }
        return StreamSocket(fd: fd, path: name, ownsPath: false)
    }

    /// The TCP port a listener is bound to (nil for a Unix socket).
    public var localPort: UInt16? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        // SAFETY: getsockname writes at most `length` bytes into the sockaddr_in.
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0, address.sin_family == sa_family_t(AF_INET) else { return nil }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Waits up to `milliseconds` for something to read (or the peer's end); false on timeout.
    public func waitReadable(milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let n = poll(&entry, 1, milliseconds)
            if n < 0 && errno == EINTR { continue }
            return n > 0
        }
    }

    /// Connects to a listener at `path`. With a timeout, a listener whose queue is full
    /// (a peer that stopped accepting) is an error after that long, not a wait without end.
    public static func connect(to path: String, timeoutNanoseconds: UInt64? = nil) throws -> StreamSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HostError.io(operation: "socket", path: path, errno: errno) }
        if let timeoutNanoseconds {
            // Linux bounds a Unix socket's blocking connect by SO_SNDTIMEO.
            var limit = StreamSocket.timeLimit(nanoseconds: timeoutNanoseconds)
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
        let rc = try withAddress(path) { systemConnect(fd, $0, $1) }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw HostError.io(operation: "connect", path: path, errno: code)
        }
        return StreamSocket(fd: fd, path: path, ownsPath: false)
    }

    /// Waits for the next connection; nil once the listener is shut down.
    public func accept() -> StreamSocket? {
        while true {
            let client = systemAccept(fd)
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                return StreamSocket(fd: client, path: path, ownsPath: false)
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
            var limit = StreamSocket.timeLimit(nanoseconds: timeoutNanoseconds)
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
        if ownsPath { unlink(path) }
    }
}
