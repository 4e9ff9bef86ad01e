#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bound Unix-domain datagram socket: one port of a virtual switch.
public final class UnixDatagramSocket: @unchecked Sendable {
    // Sendable: the descriptor is used with sendto/recvfrom, which are thread-safe.
    public let path: String
    private let fd: Int32

    /// Binds a new socket at `path` (which must not exist).
    public init(bindingTo path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw HostError.io(operation: "socket", path: path, errno: errno) }
        var address = try UnixDatagramSocket.address(path)
        // SAFETY: sockaddr_un starts with the sockaddr header and bind is told its full size;
        // the pointer stays in the closure.
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw HostError.io(operation: "bind", path: path, errno: code)
        }
        // Sends wait (up to 100 ms) while a peer's queue is full, as a link applies backpressure,
        // instead of dropping the frame; a peer that stays stuck costs at most that long.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
        self.path = path
    }

    deinit {
        close(fd)
        unlink(path)
    }

    static func address(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw HostError.io(operation: "bind", path: path, errno: ENAMETOOLONG) }
        // SAFETY: the guard keeps bytes.count below sun_path's size, so every index is inside it and a NUL follows.
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return address
    }

    /// Sends one datagram to the socket at `path`; returns the errno on failure (0 on success).
    public func send(_ bytes: [UInt8], to path: String) -> Int32 {
        guard var address = try? UnixDatagramSocket.address(path) else { return ENAMETOOLONG }
        // SAFETY: the address as in `init`; sendto reads buffer.count bytes of the array, all inside the closures.
        let n = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        return n < 0 ? errno : 0
    }

    /// Waits for one datagram; returns it with the sender's path, or nil once the socket is shut down.
    public func receive(maximum: Int = 65536) -> (bytes: [UInt8], from: String)? {
        var buffer = [UInt8](repeating: 0, count: maximum)
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        while true {
            // SAFETY: recvfrom fills at most b.count bytes of `buffer` and `length` (its size) of `address`,
            // inside the closures.
            let n = buffer.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &length) }
                }
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            // SAFETY: a copy of sun_path; the prefix stops at its NUL or its end.
            let from = withUnsafeBytes(of: address.sun_path) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return (Array(buffer[0..<n]), from)
        }
    }

    /// The socket files in a directory (the other ports of a switch).
    public static func sockets(in directory: String) -> [String] {
        HostDirectory.entries(directory).filter { $0.hasSuffix(".sock") }.map { directory + "/" + $0 }
    }

    /// Creates a directory (and its parents) if missing.
    public static func makeDirectory(_ path: String) throws {
        var partial = ""
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o700) != 0 && errno != EEXIST {
                throw HostError.io(operation: "mkdir", path: partial, errno: errno)
            }
        }
    }

    /// Removes a stale socket file (its owner is gone).
    public static func removeStale(_ path: String) {
        unlink(path)
    }
}
