import IsolaCore

/// The GDB remote serial protocol's framing (GDB manual, "Remote Protocol" > "Overview"):
/// packets are `$payload#checksum`, with `}` escaping `#`, `$`, `}` and `*` in binary
/// data; `+` and `-` acknowledge; a lone 0x03 outside a packet is Ctrl-C.
enum GDBPacket {
    enum Item: Equatable {
        case packet([UInt8])
        /// A packet whose checksum did not match: answer `-` and the debugger resends it.
        case corrupt
        case interrupt
        case acknowledgement
    }

    /// Splits the bytes a debugger sent into items; what is left waits for more bytes.
    struct Reader {
        private var buffer: [UInt8] = []
        /// The longest packet accepted (`PacketSize` in `qSupported` is smaller); longer is dropped as corrupt.
        static let maximumPacket = 1 << 20

        mutating func feed(_ bytes: [UInt8]) { buffer += bytes }

        mutating func next() -> Item? {
            while let first = buffer.first {
                switch first {
                case UInt8(ascii: "$"):
                    guard let (payload, consumed, valid) = scanPacket() else {
                        if buffer.count > Reader.maximumPacket { buffer.removeAll(); return .corrupt }
                        return nil
                    }
                    buffer.removeFirst(consumed)
                    return valid ? .packet(payload) : .corrupt
                case 0x03:
                    buffer.removeFirst()
                    return .interrupt
                case UInt8(ascii: "+"), UInt8(ascii: "-"):
                    buffer.removeFirst()
                    return .acknowledgement
                default:
                    buffer.removeFirst()  // noise between packets
                }
            }
            return nil
        }

        /// The payload of the packet at the buffer's start (escapes kept, as the checksum
        /// covers them), the bytes it takes, and whether its checksum matched; nil until complete.
        private func scanPacket() -> ([UInt8], Int, Bool)? {
            var i = 1
            while i < buffer.count {
                let byte = buffer[i]
                if byte == UInt8(ascii: "}") { i += 2; continue }
                if byte == UInt8(ascii: "#") {
                    guard i + 2 < buffer.count else { return nil }
                    let payload = Array(buffer[1..<i])
                    let sum = payload.reduce(UInt8(0)) { $0 &+ $1 }
                    let given = GDBPacket.hexValue(buffer[(i + 1)...(i + 2)])
                    return (payload, i + 3, given == UInt64(sum))
                }
                i += 1
            }
            return nil
        }
    }

    /// `$payload#checksum`, escaping what must be.
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(payload.count + 8)
        for byte in payload {
            if byte == UInt8(ascii: "#") || byte == UInt8(ascii: "$") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "*") {
                body.append(UInt8(ascii: "}"))
                body.append(byte ^ 0x20)
            } else {
                body.append(byte)
            }
        }
        let sum = body.reduce(UInt8(0)) { $0 &+ $1 }
        return [UInt8(ascii: "$")] + body + [UInt8(ascii: "#")] + Array(Hex.encode([sum]).utf8)
    }

    static func frame(_ text: String) -> [UInt8] { frame(Array(text.utf8)) }

    /// Undoes `}` escapes (the binary data of `X` packets).
    static func unescape<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        var escaped = false
        for byte in bytes {
            if escaped {
                out.append(byte ^ 0x20)
                escaped = false
            } else if byte == UInt8(ascii: "}") {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        return out
    }

    /// A little-endian 64-bit register as gdb's `g` and `p` packets carry it.
    static func hex(register value: UInt64, bytes: Int = 8) -> String {
        Hex.encode((0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) })
    }

    /// The value of big-endian hex digits (addresses, lengths); nil if any is not a digit or there are too many.
    static func hexValue<C: Collection>(_ digits: C) -> UInt64? where C.Element == UInt8 {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: UInt64 = 0
        for d in digits {
            guard let nibble = Hex.nibble(d) else { return nil }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }

    static func hexValue(_ text: Substring) -> UInt64? { hexValue(Array(text.utf8)) }

    /// A little-endian register value from hex; nil if malformed or longer than 8 bytes.
    static func register(fromHex text: Substring) -> UInt64? {
        guard let bytes = Hex.decode(text), !bytes.isEmpty, bytes.count <= 8 else { return nil }
        return bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}
