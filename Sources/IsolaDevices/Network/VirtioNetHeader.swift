/// The `virtio_net_hdr` before every frame (virtio 1.2, 5.1.6): how the frame's
/// checksum and segmentation were left to the other side. Little-endian, 12 bytes.
public struct VirtioNetHeader: Equatable, Sendable {
    public static let length = 12
    /// flags: the checksum from `checksumStart` to the end is still to be computed
    /// and stored at `checksumStart + checksumOffset`.
    public static let needsChecksum: UInt8 = 1
    /// flags (receive): the checksum has been checked already.
    public static let dataValid: UInt8 = 2
    public static let gsoNone: UInt8 = 0, gsoTCPv4: UInt8 = 1, gsoTCPv6: UInt8 = 4, gsoECN: UInt8 = 0x80

    public var flags: UInt8 = 0
    public var gsoType: UInt8 = VirtioNetHeader.gsoNone
    public var headerLength: UInt16 = 0
    /// The payload bytes per segment when `gsoType` asks for segmentation.
    public var gsoSize: UInt16 = 0
    public var checksumStart: UInt16 = 0
    public var checksumOffset: UInt16 = 0

    public init() {}

    public init<C: Collection>(bytes: C) where C.Element == UInt8, C.Index == Int {
        let b = bytes.startIndex
        func u16(_ o: Int) -> UInt16 { UInt16(bytes[b + o]) | UInt16(bytes[b + o + 1]) << 8 }
        flags = bytes[b]
        gsoType = bytes[b + 1]
        headerLength = u16(2)
        gsoSize = u16(4)
        checksumStart = u16(6)
        checksumOffset = u16(8)
    }

    /// The header as the driver reads it; `num_buffers` is 1 (no mergeable buffers).
    public func encoded() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: VirtioNetHeader.length)
        func put(_ v: UInt16, _ o: Int) { out[o] = UInt8(v & 0xFF); out[o + 1] = UInt8(v >> 8) }
        out[0] = flags
        out[1] = gsoType
        put(headerLength, 2)
        put(gsoSize, 4)
        put(checksumStart, 6)
        put(checksumOffset, 8)
        put(1, 10)
        return out
    }

    public var isSegmented: Bool { gsoType & ~VirtioNetHeader.gsoECN != VirtioNetHeader.gsoNone }
}

/// A frame with the offload work its sender left undone.
public struct NetworkPacket: Sendable {
    public var header: VirtioNetHeader
    /// The Ethernet frame, up to 64 KiB of payload when segmentation is pending.
    public var frame: [UInt8]
    /// The longest frame: an Ethernet header and an IP packet of 64 KiB (a TSO packet).
    public static let maximumFrameLength = 14 + 65536

    public init(header: VirtioNetHeader = VirtioNetHeader(), frame: [UInt8]) {
        self.header = header
        self.frame = frame
    }
}
