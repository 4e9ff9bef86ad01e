import IsolaCore

/// Routes guest physical accesses outside RAM to the MMIO device whose range holds them.
public final class PhysicalBus {
    public struct Mapping {
        public let base: UInt64
        public let size: UInt64
        public let name: String
        public let device: MMIODevice
    }

    public private(set) var mappings: [Mapping] = []

    public init() {}

    /// Adds a device; overlapping ranges are a programming error of the board.
    public func map(_ device: MMIODevice, at base: UInt64, size: UInt64, name: String) {
        precondition(!mappings.contains { base < $0.base + $0.size && $0.base < base + size },
                     "MMIO range of \(name) overlaps another device")
        mappings.append(Mapping(base: base, size: size, name: name, device: device))
    }

    /// The device, offset and device name for an access of `length` bytes, or nil when
    /// no device holds all of it.
    @inline(__always)
    public func find(_ address: UInt64, length: UInt64) -> (MMIODevice, UInt64, String)? {
        for m in mappings {
            let offset = address &- m.base
            if offset < m.size && length <= m.size - offset { return (m.device, offset, m.name) }
        }
        return nil
    }
}
