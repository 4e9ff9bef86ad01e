import IsolaCore

/// One buffer of a descriptor chain, already checked to lie inside guest RAM.
public struct VirtqueueBuffer: Equatable, Sendable {
    public let address: UInt64
    public let length: UInt32
    /// Device-writable (VIRTQ_DESC_F_WRITE) rather than device-readable.
    public let writable: Bool
}

/// A request the driver made available: its head index and validated buffers,
/// device-readable ones first (virtio 1.2, 2.7.4.2).
public struct DescriptorChain: Sendable {
    public let head: UInt16
    public let buffers: [VirtqueueBuffer]

    public var readable: [VirtqueueBuffer] { buffers.filter { !$0.writable } }
    public var writable: [VirtqueueBuffer] { buffers.filter(\.writable) }
    public var writableLength: UInt64 { writable.reduce(0) { $0 + UInt64($1.length) } }
}

/// Why a queue was found malformed; the device then enters NEEDS_RESET.
public enum VirtqueueError: Error, Equatable, CustomStringConvertible {
    case ringOutsideRAM(what: String, address: UInt64)
    case headOutOfRange(index: UInt16, size: UInt16)
    case descriptorOutsideRAM(index: UInt16, address: UInt64, length: UInt32)
    case nextOutOfRange(index: UInt16, next: UInt16)
    case chainTooLong(limit: Int)
    case readableAfterWritable(index: UInt16)
    case badIndirectTable(index: UInt16, length: UInt32)
    case nestedIndirect(index: UInt16)
    case availableIndexJump(previous: UInt16, now: UInt16, size: UInt16)

    public var description: String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case let .ringOutsideRAM(what, address): return "\(what) at \(hex(address)) is outside guest RAM"
        case let .headOutOfRange(index, size): return "chain head \(index) is not below the queue size \(size)"
        case let .descriptorOutsideRAM(index, address, length):
            return "descriptor \(index) buffer \(hex(address))+\(length) is outside guest RAM"
        case let .nextOutOfRange(index, next): return "descriptor \(index) links to \(next), outside the table"
        case let .chainTooLong(limit): return "descriptor chain longer than \(limit) (a loop?)"
        case let .readableAfterWritable(index): return "descriptor \(index) is device-readable after a writable one"
        case let .badIndirectTable(index, length): return "descriptor \(index) has an indirect table of \(length) bytes"
        case let .nestedIndirect(index): return "indirect descriptor \(index) points to another indirect table"
        case let .availableIndexJump(previous, now, size):
            return "available index moved from \(previous) to \(now), more than the queue size \(size)"
        }
    }
}
