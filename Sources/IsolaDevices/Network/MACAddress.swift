/// An Ethernet MAC address.
public struct MACAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 6, "a MAC address has six bytes")
        self.bytes = bytes
    }

    /// Parses `aa:bb:cc:dd:ee:ff`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for p in parts {
            // Two hex digits exactly: UInt8("+f", radix: 16) would take a sign.
            guard p.utf8.count == 2, p.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }), let b = UInt8(p, radix: 16) else { return nil }
            bytes.append(b)
        }
        self.bytes = bytes
    }

    /// A stable, locally administered unicast address derived from a name (FNV-1a),
    /// so a VM keeps its MAC across restarts.
    public static func derived(from name: String) -> MACAddress {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01B3 }
        var bytes = (0..<6).map { UInt8(truncatingIfNeeded: hash >> (8 * UInt64($0))) }
        bytes[0] = (bytes[0] & 0xFC) | 0x02  // locally administered, unicast
        return MACAddress(bytes)
    }

    public var isMulticast: Bool { bytes[0] & 1 != 0 }

    public var description: String {
        bytes.map { b in let s = String(b, radix: 16); return s.count == 1 ? "0" + s : s }.joined(separator: ":")
    }
}
