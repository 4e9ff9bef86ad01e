import IsolaCore

/// The frames the container init (Guests/container-init/init.c) and the monitor
/// exchange over the guest's /dev/hvc0: a type byte, a stream (u32), a length (u32),
/// the payload. Stream 0 is the container's process; exec'd processes get 1, 2, ...
public struct ContainerFrame: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        // guest to host
        case ready = 0x52        // R: init waits for the container (the template point)
        case started = 0x53      // S: payload: the guest pid (u32)
        case failedToStart = 0x46 // F: payload: why
        case output = 0x4F       // O: stdout bytes
        case errorOutput = 0x45  // E: stderr bytes
        case exited = 0x58       // X: payload: the wait status (u32)
        // host to guest
        case container = 0x43    // C: the container's process and settings (key=value entries)
        case exec = 0x50         // P: another process (the same entries)
        case input = 0x49        // I: stdin bytes
        case endOfInput = 0x44   // D: stdin closed
        case signal = 0x4B       // K: payload: the signal (u32); stream 0xffffffff: every process
        case windowSize = 0x57   // W: payload: rows (u16), columns (u16)
    }

    public static let everyStream: UInt32 = 0xFFFF_FFFF
    /// The largest payload either side sends (the init refuses more).
    public static let maximumPayload = 1 << 20

    public var kind: Kind
    public var stream: UInt32
    public var payload: [UInt8]

    public init(_ kind: Kind, stream: UInt32, payload: [UInt8] = []) {
        self.kind = kind
        self.stream = stream
        self.payload = payload
    }

    public init(_ kind: Kind, stream: UInt32, value: UInt32) {
        self.init(kind, stream: stream, payload: (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }

    public var encoded: [UInt8] {
        var bytes = [kind.rawValue]
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: stream >> (8 * i))) }
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: UInt32(payload.count) >> (8 * i))) }
        return bytes + payload
    }

    /// The payload as a little-endian u32 (a pid, a status, a signal); nil when short.
    public var value: UInt32? {
        payload.count >= 4 ? payload.prefix(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } : nil
    }

    /// The key=value entries of a `container` or `exec` payload, each NUL-terminated.
    public static func entries(_ pairs: [(String, String)]) -> [UInt8] {
        pairs.flatMap { Array("\($0.0)=\($0.1)".utf8) + [0] }
    }
}

/// Cuts the guest's byte stream into frames. A frame the host did not expect (an
/// unknown type, a payload over the limit) ends the channel: the guest is not trusted.
public final class ContainerFrameReader: ByteSink {
    private var buffer: [UInt8] = []
    private let onFrame: (ContainerFrame) -> Void
    private let onCorrupt: (String) -> Void
    private var corrupt = false

    public init(onFrame: @escaping (ContainerFrame) -> Void, onCorrupt: @escaping (String) -> Void) {
        self.onFrame = onFrame
        self.onCorrupt = onCorrupt
    }

    public func write(byte: UInt8) {
        guard !corrupt else { return }
        buffer.append(byte)
        if buffer.count >= 9 { parse() }
    }

    public func flush() { parse() }

    private func parse() {
        while !corrupt, buffer.count >= 9 {
            let length = Int(buffer[5..<9].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            guard let kind = ContainerFrame.Kind(rawValue: buffer[0]), length <= ContainerFrame.maximumPayload else {
                corrupt = true
                onCorrupt("frame type \(buffer[0]) with \(length) bytes")
                return
            }
            guard buffer.count >= 9 + length else { return }
            let stream = buffer[1..<5].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let frame = ContainerFrame(kind, stream: stream, payload: Array(buffer[9..<(9 + length)]))
            buffer.removeFirst(9 + length)
            onFrame(frame)
        }
    }
}
