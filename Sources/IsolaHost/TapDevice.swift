#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CIsolaHost

/// A host TAP interface: Ethernet frames in and out of the host's network stack.
public final class TapDevice: @unchecked Sendable {
    // Sendable: read and write on the descriptor are thread-safe.
    public let name: String
    private let fd: Int32

    public init(name: String) throws {
        let fd = isola_tap_open(name)
        guard fd >= 0 else { throw HostError.io(operation: "open TAP interface", path: name, errno: -fd) }
        self.fd = fd
        self.name = name
    }

    deinit {
        close(fd)
    }

    public func write(_ frame: [UInt8]) {
        // SAFETY: write(2) reads at most $0.count bytes of the frame, inside the closure.
        _ = frame.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
    }

    /// The next frame, or nil when none arrived within `milliseconds`.
    public func read(timeoutMilliseconds milliseconds: Int32) -> [UInt8]? {
        guard isola_wait_readable(fd, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        // SAFETY: read(2) fills at most $0.count bytes of `buffer`, inside the closure.
        let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buffer[0..<n]) : nil
    }
}
