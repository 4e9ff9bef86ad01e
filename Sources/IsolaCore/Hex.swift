/// Bytes as hex digits, two a byte (lower case), and back: the gdb remote protocol's
/// encoding, the monitor's `sendkeys`, and the web console's token.
public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes that pairs of hex digits (either case) spell; nil for an odd count or
    /// anything but a digit (no sign, no space).
    public static func decode<C: Collection>(_ digits: C) -> [UInt8]? where C.Element == UInt8 {
        let array = Array(digits)
        guard array.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(array.count / 2)
        var i = 0
        while i < array.count {
            guard let high = nibble(array[i]), let low = nibble(array[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? { decode(Array(text.utf8)) }

    /// The value of one hex digit, or nil.
    public static func nibble(_ d: UInt8) -> UInt8? {
        switch d {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return d - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return d - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return d - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
